"""Content-hashed static assets: build dist/ from src/, resolve names with asset_url()."""
import hashlib
import json
import os
import re
import shutil

APP_DIR = os.path.dirname(__file__)
SRC_DIR = os.path.join(APP_DIR, "static", "src")
DIST_DIR = os.path.join(APP_DIR, "static", "dist")
MANIFEST = os.path.join(DIST_DIR, "manifest.json")
HASHED_RE = re.compile(r"\.[0-9a-f]{12}\.[a-z0-9]+$")

_manifest_cache: dict | None = None


def is_immutable_asset(path: str, url: str) -> bool:
    return bool(HASHED_RE.search(url))


def hashed_name(relative: str, data: bytes) -> str:
    stem, ext = os.path.splitext(relative)
    return f"{stem}.{hashlib.sha256(data).hexdigest()[:12]}{ext}"


def expected_manifest() -> dict[str, str]:
    """What build() would write, computed from the sources."""
    manifest = {}
    for folder, _dirs, files in os.walk(SRC_DIR):
        for name in sorted(files):
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, SRC_DIR).replace(os.sep, "/")
            with open(path, "rb") as handle:
                manifest[relative] = hashed_name(relative, handle.read())
    return dict(sorted(manifest.items()))


def build() -> dict[str, str]:
    """Write dist/ afresh: hashed copies, gzip siblings (WhiteNoise serves them) and manifest.json."""
    import gzip

    manifest = expected_manifest()
    shutil.rmtree(DIST_DIR, ignore_errors=True)
    for relative, hashed in manifest.items():
        target = os.path.join(DIST_DIR, hashed)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(os.path.join(SRC_DIR, relative), "rb") as handle:
            data = handle.read()
        with open(target, "wb") as handle:
            handle.write(data)
        if relative.endswith((".js", ".css", ".svg")):
            with open(target + ".gz", "wb") as handle:
                handle.write(gzip.compress(data, 9, mtime=0))
    with open(MANIFEST, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=1, sort_keys=True)
        handle.write("\n")
    return manifest


def load_manifest() -> dict[str, str]:
    global _manifest_cache
    if _manifest_cache is None:
        with open(MANIFEST, encoding="utf-8") as handle:
            _manifest_cache = json.load(handle)
    return _manifest_cache


def asset_url(name: str) -> str:
    """URL of a built asset; raises KeyError for names that do not exist, so typos fail tests."""
    manifest = load_manifest()
    if name not in manifest:
        raise KeyError(f"unknown asset {name!r}; run 'flask --app wsgi assets build'")
    return "/static/" + manifest[name]


def register_assets(app) -> None:
    app.jinja_env.globals["asset_url"] = asset_url
