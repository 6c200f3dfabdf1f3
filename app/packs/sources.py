"""Read pack files from a folder or a zip archive without trusting member names or sizes."""
from __future__ import annotations

import os
import posixpath
import zipfile

from app.exceptions import ImportFailed
from app.packs.images import describe_content

MAX_MEMBERS = 2000
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_ARCHIVE_TOTAL = 512 * 1024 * 1024


def safe_relative_name(name: str) -> str:
    """Return `name` as a clean relative POSIX path, or raise ImportFailed."""
    if not name or "\\" in name or "\x00" in name:
        raise ImportFailed(f"unsafe file name in archive: {name!r}")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ImportFailed(f"absolute path in archive refused: {name!r}")
    parts = name.split("/")
    if any(part == ".." for part in parts):
        raise ImportFailed(f"path traversal in archive refused: {name!r}")
    return posixpath.normpath(name)


class FolderSource:
    """Files below a folder; names may not leave it (symlinks included)."""

    def __init__(self, root: str):
        self.root = os.path.realpath(root)
        self.label = root

    def exists(self, name: str) -> bool:
        return os.path.isfile(self._path(name))

    def read(self, name: str, limit: int) -> bytes:
        path = self._path(name)
        if not os.path.isfile(path):
            raise ImportFailed(f"{name}: file not found in {self.label}")
        if os.path.getsize(path) > limit:
            raise ImportFailed(f"{name}: file is larger than the limit of {limit} bytes.")
        with open(path, "rb") as handle:
            return handle.read(limit + 1)

    def _path(self, name: str) -> str:
        path = os.path.realpath(os.path.join(self.root, safe_relative_name(name)))
        if os.path.commonpath([path, self.root]) != self.root:
            raise ImportFailed(f"{name}: path leaves the pack folder")
        return path


class ZipSource:
    """Members of a zip archive, read through byte-capped streams (declared sizes can lie)."""

    def __init__(self, path: str):
        self.label = path
        try:
            self.archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise ImportFailed(f"{path}: not a readable zip archive ({error}).") from None
        infos = self.archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ImportFailed(f"{path}: {len(infos)} files in the archive, the limit is {MAX_MEMBERS}.")
        if sum(info.file_size for info in infos) > MAX_ARCHIVE_TOTAL:
            raise ImportFailed(f"{path}: the archive unpacks to more than {MAX_ARCHIVE_TOTAL} bytes.")
        self.members = {}
        for info in infos:
            name = safe_relative_name(info.filename)
            if not info.is_dir():
                self.members[name] = info
        self.prefix = self._common_folder()

    def _common_folder(self) -> str:
        # Zips made by "compress folder" put everything under one top folder.
        tops = {name.split("/")[0] for name in self.members}
        if len(tops) == 1 and all("/" in name for name in self.members):
            return tops.pop() + "/"
        return ""

    def exists(self, name: str) -> bool:
        return self.prefix + safe_relative_name(name) in self.members

    def read(self, name: str, limit: int) -> bytes:
        info = self.members.get(self.prefix + safe_relative_name(name))
        if info is None:
            raise ImportFailed(f"{name}: file not found in {self.label}")
        if info.file_size > limit:
            raise ImportFailed(f"{name}: file is larger than the limit of {limit} bytes.")
        try:
            with self.archive.open(info) as stream:
                data = stream.read(limit + 1)
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise ImportFailed(f"{name}: broken archive member ({error}).") from None
        if len(data) > limit:
            raise ImportFailed(f"{name}: decompresses to more than {limit} bytes (decompression bomb?).")
        return data

    def close(self) -> None:
        self.archive.close()


def open_source(path: str):
    if os.path.isdir(path):
        return FolderSource(path)
    if os.path.isfile(path) and zipfile.is_zipfile(path):
        return ZipSource(path)
    if not os.path.exists(path):
        raise ImportFailed(f"{path}: no such file or folder.")
    if path.lower().endswith(".zip"):
        with open(path, "rb") as handle:
            head = handle.read(512)
        raise ImportFailed(f"{path}: named .zip but it is not a zip archive: {describe_content(head)}.")
    raise ImportFailed(f"{path}: expected a folder or a .zip archive.")
