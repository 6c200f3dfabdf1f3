"""The creator studio's JSON API (/api/v1/studio); the pages are in page_views.py."""
from __future__ import annotations

from flask import g, jsonify, request

from app.extensions import db
from app.studio import services, sticker_services, version_services
from app.studio.access import STUDIO_API, creator_api
from app.studio.rules import UploadRejected
from app.studio.summaries import pack_json, sticker_json
from app.studio.uploads import UploadPart
from app.web.bodies import body_limit
from app.web.json_input import json_object
from app.web.policy import PolicyBlueprint

api = PolicyBlueprint("studio_api", __name__, policy=STUDIO_API, claims=("/api/v1/studio",))
# One upload request: a day's quota (CREATOR_UPLOAD_BYTES_PER_DAY, 100 MiB by default) plus the
# multipart framing; werkzeug spools the files to disk, and only signed-in callers get past 1 MiB.
UPLOAD_REQUEST_BYTES = 110 * 1024 * 1024


@api.errorhandler(UploadRejected)
def upload_rejected(error: UploadRejected):
    db.session.rollback()
    return jsonify(errcode=error.errcode, error=error.message, files=error.files), error.status


@api.get("/api/v1/studio/packs")
@creator_api
def list_packs():
    return jsonify(packs=[pack_json(pack) for pack in services.creator_packs(g.user)])


@api.post("/api/v1/studio/packs")
@creator_api
def create_pack():
    pack = services.create_pack(g.user, json_object())
    return jsonify(slug=pack.slug, status=pack.status), 201


@api.get("/api/v1/studio/packs/<slug>")
@creator_api
def get_pack(slug: str):
    return jsonify(pack_json(services.owned_pack(g.user, slug), stickers=True))


@api.patch("/api/v1/studio/packs/<slug>")
@creator_api
def update_pack(slug: str):
    return jsonify(pack_json(services.update_pack(g.user, slug, json_object()), stickers=True))


@api.delete("/api/v1/studio/packs/<slug>")
@creator_api
def delete_pack(slug: str):
    services.delete_pack(g.user, slug)
    return "", 204


@api.post("/api/v1/studio/packs/<slug>/stickers")
@body_limit(UPLOAD_REQUEST_BYTES)
@creator_api(upload=True)
def upload_stickers(slug: str):
    files = request.files.getlist("file")
    bodies, emojis = request.form.getlist("body"), request.form.getlist("emoji")
    parts = [UploadPart(filename=item.filename or "", stream=item.stream,
                        body=bodies[index] if index < len(bodies) else None,
                        emoji=emojis[index] if index < len(emojis) else None) for index, item in enumerate(files)]
    stickers = sticker_services.add_stickers(g.user, slug, parts)
    return jsonify(stickers=[sticker_json(sticker) for sticker in stickers]), 201


@api.patch("/api/v1/studio/packs/<slug>/stickers/<id:sticker_id>")
@creator_api
def update_sticker(slug: str, sticker_id: int):
    return jsonify(sticker_json(sticker_services.update_sticker(g.user, slug, sticker_id, json_object())))


@api.delete("/api/v1/studio/packs/<slug>/stickers/<id:sticker_id>")
@creator_api
def delete_sticker(slug: str, sticker_id: int):
    sticker_services.delete_sticker(g.user, slug, sticker_id)
    return "", 204


@api.put("/api/v1/studio/packs/<slug>/order")
@creator_api
def reorder(slug: str):
    stickers = sticker_services.reorder_stickers(g.user, slug, json_object().get("stickers"))
    return jsonify(stickers=[sticker.id for sticker in stickers])


@api.post("/api/v1/studio/packs/<slug>/submit")
@creator_api
def submit(slug: str):
    return jsonify(status=services.submit_pack(g.user, slug).status)


@api.post("/api/v1/studio/packs/<slug>/withdraw")
@creator_api
def withdraw(slug: str):
    return jsonify(status=services.withdraw_pack(g.user, slug).status)


@api.post("/api/v1/studio/packs/<slug>/versions")
@creator_api
def start_version(slug: str):
    """A new version of a published pack: a draft copy to change and submit; buyers keep the live one."""
    version = version_services.start_version(g.user, slug)
    return jsonify(slug=version.slug, status=version.status, version=version.version, version_of=slug), 201
