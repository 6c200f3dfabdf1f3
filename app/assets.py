"""Content-hashed static assets: build dist/ from src/, resolve names with asset_url()."""
import base64
import hashlib
import json
import os
import re
import shutil

from markupsafe import Markup

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


# Scripts that always load together, served as one file each so a page makes one request where
# it would make several: bundle name -> sources in the order they run.
BUNDLES = {
    "js/picker-bundle.js": ["js/widget-api.js", "js/picker-keys.js", "js/picker-motion.js", "js/picker.js",
                            "js/identity.js"],
    "js/store-bundle.js": ["js/export.js", "js/store-render.js", "js/store-export.js", "js/store.js"],
    "js/manager-bundle.js": ["js/widget-api.js", "js/export.js", "js/manager.js"],
}

# Each source runs in its own function, as it would in its own <script>: its top-level names stay
# its own, and an error in one is reported (thrown again, outside the bundle) while the rest run on.
BUNDLED_SOURCE = """/* source: {name} */
try {{
(function () {{
{code}
}})();
}} catch (error) {{ setTimeout(() => {{ throw error; }}); }}
"""


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def bundle(sources: list[str], src_dir: str) -> bytes:
    """The sources (names under src_dir) wrapped one by one and concatenated, in order."""
    parts = []
    for name in sources:
        code = _read(os.path.join(src_dir, name)).decode("utf-8").rstrip("\n")
        parts.append(BUNDLED_SOURCE.format(name=name, code=code))
    return "\n".join(parts).encode("utf-8")


def built_files(src_dir: str | None = None, bundles: dict[str, list[str]] | None = None) -> dict[str, bytes]:
    """Every asset by its source name: each file of src_dir, then each bundle."""
    src_dir = src_dir or SRC_DIR
    bundles = BUNDLES if bundles is None else bundles
    files = {}
    for folder, _dirs, names in os.walk(src_dir):
        for name in names:
            path = os.path.join(folder, name)
            files[os.path.relpath(path, src_dir).replace(os.sep, "/")] = _read(path)
    for name, sources in bundles.items():
        if name in files:
            raise ValueError(f"bundle {name!r} would hide the source file of the same name")
        files[name] = bundle(sources, src_dir)
    return dict(sorted(files.items()))


def expected_manifest(src_dir: str | None = None, bundles: dict[str, list[str]] | None = None) -> dict[str, str]:
    """What build() would write, computed from the sources."""
    return {name: hashed_name(name, data) for name, data in built_files(src_dir, bundles).items()}


def build(src_dir: str | None = None, dist_dir: str | None = None,
          bundles: dict[str, list[str]] | None = None) -> dict[str, str]:
    """Write dist/ afresh: hashed copies, gzip siblings (WhiteNoise serves them) and manifest.json."""
    import gzip

    dist_dir = dist_dir or DIST_DIR
    files = built_files(src_dir, bundles)
    manifest = {name: hashed_name(name, data) for name, data in files.items()}
    shutil.rmtree(dist_dir, ignore_errors=True)
    for name, hashed in manifest.items():
        target = os.path.join(dist_dir, hashed)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(files[name])
        if name.endswith((".js", ".css", ".svg")):
            with open(target + ".gz", "wb") as handle:
                handle.write(gzip.compress(files[name], 9, mtime=0))
    with open(os.path.join(dist_dir, "manifest.json"), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=1, sort_keys=True)
        handle.write("\n")
    return manifest


def stale_assets(src_dir: str | None = None, dist_dir: str | None = None,
                 bundles: dict[str, list[str]] | None = None) -> list[str]:
    """Names whose built file in dist_dir is missing, out of date or no longer wanted (a bundle goes
    stale with any of its sources or its declaration); empty when dist_dir is current."""
    dist_dir = dist_dir or DIST_DIR
    try:
        built = json.loads(_read(os.path.join(dist_dir, "manifest.json")))
    except FileNotFoundError:
        built = {}
    files = built_files(src_dir, bundles)
    stale = {name for name in built if name not in files}
    for name, data in files.items():
        path = os.path.join(dist_dir, hashed_name(name, data))
        if built.get(name) != hashed_name(name, data) or not os.path.exists(path) or _read(path) != data:
            stale.add(name)
    return sorted(stale)


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


# Stylesheets the picker carries in its page (a render-blocking request less on a slow network),
# allowed by their hashes in the framed pages' Content-Security-Policy (app.security).
INLINE_STYLES = ("css/picker.css",)
_inline_cache: dict = {}  # built file name (or names) -> its text (or their CSP sources)


def inline_style(name: str) -> Markup:
    """The built stylesheet's text, for a <style> element."""
    if name not in INLINE_STYLES:
        raise KeyError(f"{name!r} is not in INLINE_STYLES, so the page's CSP would refuse it")
    hashed = load_manifest()[name]
    if hashed not in _inline_cache:
        _inline_cache[hashed] = _read(os.path.join(DIST_DIR, hashed)).decode("utf-8")
    return Markup(_inline_cache[hashed])


def inline_style_sources() -> str:
    """CSP sources ('sha256-…') of the INLINE_STYLES, as a browser hashes a <style>'s text."""
    key = tuple(load_manifest()[name] for name in INLINE_STYLES)
    if key not in _inline_cache:
        digests = (hashlib.sha256(inline_style(name).encode("utf-8")).digest() for name in INLINE_STYLES)
        _inline_cache[key] = " ".join(f"'sha256-{base64.b64encode(digest).decode('ascii')}'" for digest in digests)
    return _inline_cache[key]


def register_assets(app) -> None:
    app.jinja_env.globals["asset_url"] = asset_url
    app.jinja_env.globals["inline_style"] = inline_style
