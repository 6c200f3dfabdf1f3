"""maunium/stickerpicker as a third contestant of bench/picker_open.py (not a test).

maunium's code is not in this repository (AGPL-3.0): the benchmark takes the path of a checkout,
    git clone https://github.com/maunium/stickerpicker /tmp/maunium
    .venv/bin/python bench/picker_open.py --maunium /tmp/maunium
copies its `web/` folder into the benchmark's temporary folder and adds the packs there, in the
layout its own tools write (sticker/pack.py --add-to-index web/packs, sticker/lib/util.py):
- packs/index.json: {"homeserver_url": ..., "packs": ["<id>.json", ...]};
- packs/<id>.json: {"title", "id", "stickers": [{"body", "url": "mxc://...", "info": {w, h, size,
  mimetype, thumbnail_url, thumbnail_info}, "msgtype": "m.sticker", "id": "sha256:..."}]};
- packs/thumbnails/<media id>: what web/src/index.js (makeThumbnailURL) loads for each sticker.

Thumbnails: util.add_thumbnails calls convert_image(data, 128, 128), which re-encodes the sticker
as PNG but (in the snapshot read for this, 2025) does not shrink it: a 256 px sticker's
"thumbnail" is a 256 px PNG. The issue's figures were taken with 128 px PNG thumbnails, which
favour maunium (fewer bytes), so that is the default; `full` reproduces its tool exactly.

The site is served by a threaded HTTP/1.1 static server on 127.0.0.1 with keep-alive and gzip for
text (HTML, JS, CSS, JSON, SVG), as nginx with `gzip on` would serve it; images go as they are.
Responses carry `Cache-Control: no-cache` (the browser's cache is disabled in the runs anyway).
"""
from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import json
import mimetypes
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from functools import partial

GZIP_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")
HOMESERVER = "https://matrix.example"
# Grid stickers for bench/picker_open.py's COLLECT: the div.sticker cells of its pack list (its nav
# icons sit in div.sticker too, but under <nav>). An <img> there is display: none until its
# IntersectionObserver gives it a src, so whether it is on screen is read from its cell.
STICKERS = {"img": ".sticker-list > .sticker > img", "box": "cell", "shown": "section.stickerpack"}


def build(checkout: str, pack_dirs: list[str], dest: str, thumbnails: str = "128") -> str:
    """maunium's web/ with the benchmark's packs added; returns the site's root folder."""
    from PIL import Image

    web = os.path.join(checkout, "web")
    if not os.path.exists(os.path.join(web, "src", "index.js")):
        raise SystemExit(f"{checkout} is not a checkout of maunium/stickerpicker (no web/src/index.js)")
    shutil.copytree(web, dest, ignore=shutil.ignore_patterns("node_modules", ".git"))
    packs = os.path.join(dest, "packs")
    os.makedirs(os.path.join(packs, "thumbnails"), exist_ok=True)
    index = {"homeserver_url": HOMESERVER, "packs": []}
    for pack_dir in pack_dirs:
        with open(os.path.join(pack_dir, "pack.json")) as handle:
            meta = json.load(handle)
        pack_id = meta["slug"]
        stickers = []
        for entry in meta["stickers"]:
            with open(os.path.join(pack_dir, entry["file"]), "rb") as handle:
                data = handle.read()
            media_id = hashlib.sha256(data).hexdigest()[:24]
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                image = image.convert("RGBA")
                if thumbnails != "full":
                    image.thumbnail((int(thumbnails), int(thumbnails)), Image.Resampling.LANCZOS)
                image.save(os.path.join(packs, "thumbnails", media_id), "png")
            stickers.append(_sticker(entry["body"], f"mxc://matrix.example/{media_id}", width, height, len(data),
                                     "sha256:" + hashlib.sha256(data).hexdigest()))
        with open(os.path.join(packs, f"{pack_id}.json"), "w") as handle:
            json.dump({"title": meta["name"], "id": pack_id, "stickers": stickers}, handle)
        index["packs"].append(f"{pack_id}.json")
    with open(os.path.join(packs, "index.json"), "w") as handle:
        json.dump(index, handle, indent="  ")
    return dest


def _sticker(body: str, mxc: str, width: int, height: int, size: int, sticker_id: str) -> dict:
    scale = min(1.0, 256 / max(width, height))
    w, h = int(width * scale), int(height * scale)
    info = {"w": w, "h": h, "size": size, "mimetype": "image/png"}
    return {"body": body, "url": mxc, "info": {**info, "thumbnail_url": mxc, "thumbnail_info": dict(info)},
            "msgtype": "m.sticker", "id": sticker_id}


class _Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as nginx

    def log_message(self, *args) -> None:
        pass

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        if not os.path.isfile(path):
            self.send_error(404)
            return None
        with open(path, "rb") as handle:
            body = handle.read()
        kind = self._type(path)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        if kind.startswith(GZIP_TYPES) and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, 6, mtime=0)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        return io.BytesIO(body)

    @staticmethod
    def _type(path: str) -> str:
        if "/packs/thumbnails/" in path.replace(os.sep, "/"):
            return "image/png"  # no extension: what they hold
        kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return kind + "; charset=utf-8" if kind.startswith(("text/", "application/javascript", "application/json")) else kind


class Server:
    """The site on 127.0.0.1:port, in its own process (as the Hexpack instances are)."""

    def __init__(self, root: str, port: int):
        self.name, self.port, self.root = "maunium", port, root
        self.selectors = STICKERS
        self.url = f"http://127.0.0.1:{port}/?theme=light"
        self._process = None

    def start(self) -> None:
        self._process = subprocess.Popen([sys.executable, os.path.abspath(__file__), self.root, str(self.port)])
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/packs/index.json", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("the maunium site's server did not answer within 15 s")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(10)


def serve(root: str, port: int) -> None:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), partial(_Handler, directory=root))
    httpd.daemon_threads = True
    httpd.serve_forever()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
