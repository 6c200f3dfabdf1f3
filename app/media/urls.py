"""Public URLs of stored media, honouring MEDIA_BASE_URL (an external CDN)."""
from flask import current_app

from app.storage import media_filename


def media_url(sha256: str, mimetype: str) -> str:
    base = current_app.config["MEDIA_BASE_URL"].rstrip("/")
    return f"{base}/media/{media_filename(sha256, mimetype)}"
