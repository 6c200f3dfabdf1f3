"""Drawing code for the demo sticker packs (scripts/make_demo_packs.py)."""
