"""Reports about packs from signed-in users, and what admins do with them (dismiss, hide, remove)."""
