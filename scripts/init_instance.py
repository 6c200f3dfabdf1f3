"""Create instance/config.py with a random SECRET_KEY for a local install (once)."""
import os
import secrets

path = os.path.join(os.path.dirname(__file__), "..", "instance", "config.py")
os.makedirs(os.path.dirname(path), exist_ok=True)
if not os.path.exists(path):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("# Local settings for this checkout; environment variables override them.\n")
        handle.write(f"SECRET_KEY = {secrets.token_hex(32)!r}\n")
    print(f"Wrote {os.path.normpath(path)} with a new SECRET_KEY.")
