"""The creator studio: signed-in Matrix users make packs, upload stickers and submit them for review."""
