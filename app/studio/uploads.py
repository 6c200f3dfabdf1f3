"""An upload batch: image files and zips of images, each normalised like the importer does.

Every file is checked before anything is stored; a batch with any bad file raises UploadRejected
listing each bad file with what to fix. Files are read one at a time, capped at MAX_IMAGE_BYTES
(declared zip sizes can lie), and only the normalised result (at most 512 px) is kept in memory.
"""
from __future__ import annotations

import os
import posixpath
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app

from app.exceptions import ImportFailed
from app.packs.images import NormalisedSticker, normalise, perceptual_hash
from app.packs.manifest import BIDI_CONTROLS
from app.packs.sources import MAX_MEMBERS, safe_relative_name
from app.studio.rules import QuotaExceeded, UploadRejected

ZIP_MAGIC = b"PK\x03\x04"
# Files a zip made on a desktop carries beside the images; skipped, not refused.
IGNORED_MEMBERS = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini", "pack.json")


@dataclass(frozen=True)
class UploadPart:
    """One `file` part of the request, with the `body`/`emoji` parts sent in the same position."""

    filename: str
    stream: BinaryIO
    body: str | None = None
    emoji: str | None = None


@dataclass(frozen=True)
class PreparedSticker:
    name: str  # the file (or zip member) it came from
    body: str
    emoji: str
    image: NormalisedSticker
    phash: str


def prepare_batch(parts: list[UploadPart], *, room: int) -> tuple[list[PreparedSticker], int]:
    """(stickers in upload order, bytes received); UploadRejected if any file is bad, QuotaExceeded
    as soon as the batch holds more than `room` images (before decoding the rest)."""
    prepared, errors, received = [], [], 0
    if not parts:
        raise UploadRejected([{"name": "", "error": "No file was sent; send one or more 'file' parts."}])
    for part in parts:
        received += _size(part.stream)
        for name, read, body, emoji in _entries(part, errors):
            if len(prepared) + len(errors) >= room:
                raise QuotaExceeded(f"This upload holds more images than the pack has room for ({room} more; "
                                    "CREATOR_MAX_STICKERS). Upload fewer.")
            try:
                prepared.append(_prepare(name, read(), body, emoji))
            except ImportFailed as error:
                errors.append({"name": name, "error": _without_name(error.message, name)})
    if errors:
        raise UploadRejected(errors)
    return prepared, received


def _entries(part: UploadPart, errors: list[dict]):
    """(name, read(), body, emoji) for a plain file, or for each image in a zip."""
    limit = current_app.config["MAX_IMAGE_BYTES"]
    name = os.path.basename(part.filename or "") or "upload"
    head = part.stream.read(4)
    part.stream.seek(0)
    if head != ZIP_MAGIC:
        yield name, lambda: _read_capped(part.stream, name, limit), part.body, part.emoji
        return
    try:
        archive = zipfile.ZipFile(part.stream)
    except (zipfile.BadZipFile, OSError) as error:
        errors.append({"name": name, "error": f"not a readable zip archive ({error})."})
        return
    members = _members(archive, name, errors)
    if members is None:
        return
    if not members:
        errors.append({"name": name, "error": "the zip holds no images."})
    for info in members:
        label = f"{name}/{info.filename}"
        yield label, lambda info=info, label=label: _read_member(archive, info, label, limit), None, None


def _members(archive: zipfile.ZipFile, name: str, errors: list[dict]):
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        errors.append({"name": name, "error": f"{len(infos)} files in the zip; the limit is {MAX_MEMBERS}."})
        return None
    members, bad = [], False
    for info in infos:
        try:
            safe_relative_name(info.filename)
        except ImportFailed as error:
            errors.append({"name": f"{name}/{info.filename}", "error": error.message})
            bad = True
            continue
        base = posixpath.basename(info.filename)
        if info.is_dir() or base.startswith(".") or any(part in info.filename for part in IGNORED_MEMBERS):
            continue
        members.append(info)
    return None if bad else sorted(members, key=lambda info: info.filename)


def _read_capped(stream: BinaryIO, name: str, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ImportFailed(f"the file is larger than {limit} bytes; make it smaller.")
    return data


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limit: int) -> bytes:
    if info.file_size > limit:
        raise ImportFailed(f"the file is {info.file_size} bytes; the limit is {limit}.")
    try:
        with archive.open(info) as stream:
            data = stream.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as error:
        raise ImportFailed(f"broken zip member ({error}).") from None
    if len(data) > limit:
        raise ImportFailed(f"decompresses to more than {limit} bytes (a decompression bomb?).")
    return data


def _prepare(name: str, data: bytes, body: str | None, emoji: str | None) -> PreparedSticker:
    config = current_app.config
    image = normalise(data, name=name, max_bytes=config["MAX_IMAGE_BYTES"], max_pixels=config["MAX_IMAGE_PIXELS"])
    return PreparedSticker(name=name, body=(body or "").strip() or _body_from(name), emoji=(emoji or "").strip(),
                           image=image, phash=perceptual_hash(image.image.data))


def _body_from(name: str) -> str:
    """"happy_cat-2.png" -> "happy cat 2"; control and bidi characters (names in a zip can hold
    anything) are dropped."""
    stem = posixpath.splitext(posixpath.basename(name))[0]
    visible = "".join(char for char in stem if char not in BIDI_CONTROLS and unicodedata.category(char) != "Cc")
    return " ".join(visible.replace("_", " ").replace("-", " ").split())[:200] or "sticker"


def _without_name(message: str, name: str) -> str:
    prefix = f"{name}: "
    return message[len(prefix):] if message.startswith(prefix) else message


def _size(stream: BinaryIO) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size
