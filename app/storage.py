"""Content-addressed media storage.

The database holds every file (so a pack survives an ephemeral dyno and every instance sees
it); each instance keeps a local disk cache it fills on first read.
"""
import hashlib
import os
import tempfile

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Blob

EXTENSIONS = {"image/png": "png", "image/webp": "webp", "image/gif": "gif", "image/jpeg": "jpg"}
MIMETYPES = {ext: mime for mime, ext in EXTENSIONS.items()}


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put_blob(data: bytes, mimetype: str) -> str:
    """Add a file to the session (not committed) unless it is already stored; return its hash."""
    digest = sha256_of(data)
    # A pending (not yet flushed) Blob is not found by session.get: two stickers with the
    # same image in one import would otherwise insert the same primary key twice.
    pending = any(isinstance(obj, Blob) and obj.sha256 == digest for obj in db.session.new)
    if not pending and db.session.get(Blob, digest) is None:
        db.session.add(Blob(sha256=digest, mimetype=mimetype, size=len(data), data=data))
    return digest


def media_filename(sha256: str, mimetype: str) -> str:
    return f"{sha256}.{EXTENSIONS[mimetype]}"


def cached_path(sha256: str, extension: str) -> str | None:
    """Path of the file on local disk, filling the cache from the database if needed.

    Returns None if no file with that hash and type is stored.
    """
    cache_dir = current_app.config["MEDIA_CACHE_DIR"]
    path = os.path.join(cache_dir, sha256[:2], f"{sha256}.{extension}")
    if os.path.exists(path):
        return path
    row = db.session.execute(select(Blob.data, Blob.mimetype).where(Blob.sha256 == sha256)).first()
    if row is None or EXTENSIONS.get(row.mimetype) != extension:
        return None
    data = row.data
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # Write then rename, so a concurrent reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)
    return path


def read_blob(sha256: str) -> bytes | None:
    return db.session.scalar(select(Blob.data).where(Blob.sha256 == sha256))


def small_blobs(sha256s: list[str], max_size: int) -> dict[str, tuple[str, bytes]]:
    """sha256 -> (mimetype, bytes) of those of these files no larger than max_size."""
    if not sha256s:
        return {}
    rows = db.session.execute(select(Blob.sha256, Blob.mimetype, Blob.data)
                              .where(Blob.sha256.in_(sha256s), Blob.size <= max_size))
    return {row.sha256: (row.mimetype, row.data) for row in rows}
