"""A fingerprint of what an import would store, computed from bytes alone (no image decoding)."""
from __future__ import annotations

import hashlib

from app.packs import images
from app.packs.manifest import PackSpec

# Part of every digest: a change to how images are normalised makes every pack import again.
# 2: posters (first frames) of animated thumbnails.
NORMALISATION = f"hexpack-import/2 side={images.MAX_SIDE} thumb={images.THUMB_SIDE}"


def source_digest(spec: PackSpec, source, *, base: str, limit: int) -> str:
    """sha256 over the parsed manifest and every sticker file's bytes."""
    digest = hashlib.sha256(NORMALISATION.encode())
    digest.update(repr(spec).encode())
    for sticker in spec.stickers:
        data = source.read(base + sticker.file, limit)
        digest.update(f"\0{sticker.file}\0{len(data)}\0".encode())
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()
