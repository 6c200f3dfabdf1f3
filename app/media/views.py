"""The sticker CDN: stored images at content-hashed, immutable URLs."""
import re
from dataclasses import replace

from flask import abort, send_file

from app.storage import MIMETYPES, cached_path
from app.web.policy import PAGE, Cors, PolicyBlueprint

# Any page may load the images (canvas, other clients), errors included.
bp = PolicyBlueprint("media", __name__, policy=replace(PAGE, cors=Cors()))
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
    return response
