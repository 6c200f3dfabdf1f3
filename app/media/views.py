"""The sticker CDN: stored images at content-hashed, immutable URLs."""
import re

from flask import Blueprint, abort, send_file

from app.storage import MIMETYPES, cached_path

bp = Blueprint("media", __name__)
NAME_RE = re.compile(r"^([0-9a-f]{64})\.(png|webp|gif|jpg)$")


@bp.get("/media/<name>")
def serve(name: str):
    match = NAME_RE.match(name)
    if not match:
        abort(404)
    path = cached_path(match.group(1), match.group(2))
    if path is None:
        abort(404)
    # The name is the content's hash: the bytes behind a URL never change.
    response = send_file(path, mimetype=MIMETYPES[match.group(2)], etag=match.group(1),
                         conditional=True, max_age=31536000)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
