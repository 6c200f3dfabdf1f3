"""The studio takes Telegram's sticker files: its picker offers them (app.packs.images.ACCEPTED_EXTENSIONS)
and the JSON API converts a .tgs to an animated WebP like the importer does."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Sticker
from app.packs.images import ACCEPTED_EXTENSIONS
from tests.studio.conftest import new_pack, upload
from tests.support.telegram import tgs_bytes
from tests.support.web import sign_in_web


def test_a_tgs_uploads_through_the_studio_api_as_animated_webp(client, alice):
    slug = new_pack(client, alice.headers)
    response = upload(client, alice.headers, slug, {"bounce.tgs": tgs_bytes(frames=30, fps=30)}, emoji=["🏀"])
    assert response.status_code == 201, response.get_json()
    assert [(s["body"], s["emoji"]) for s in response.get_json()["stickers"]] == [("bounce", "🏀")]
    sticker = db.session.scalars(select(Sticker)).one()
    assert sticker.mimetype == "image/webp" and sticker.poster_sha256 is not None


def test_the_editors_file_picker_accepts_every_accepted_extension_and_zips(client):
    token = sign_in_web(client, "@carol:example.org")
    slug = new_pack(client, {"X-CSRFToken": token})
    page = client.get(f"/studio/{slug}").get_data(as_text=True)
    accept = re.search(r'id="file-input" multiple accept="([^"]+)"', page).group(1).split(",")
    assert set(accept) == {*ACCEPTED_EXTENSIONS, ".zip"} and {".tgs", ".webm"} <= set(accept)
