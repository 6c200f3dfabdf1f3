"""The zip download of an owned pack (no bot needed) and who may export or download what."""
from __future__ import annotations

import io
import json
import zipfile

import pytest

from app.extensions import db
from app.transactions import transaction
from tests.factories import grant, imported_pack, price, signed_in_user, user
from tests.support.web import sign_in_web


@pytest.fixture
def paid_pack(app, tmp_path):
    return imported_pack(tmp_path / "blobs", "blobs", count=3, price=price(300),
                         bodies=["Happy blob", "Sad blob", "Happy blob"])


def test_an_owner_downloads_images_named_by_shortcode_and_a_maunium_folder(app, client, paid_pack):
    owner = signed_in_user("@alice:example.org")
    grant(owner.user, paid_pack, source="purchase")
    with transaction():  # two of the three stickers are on a homeserver
        paid_pack.stickers[0].mxc_uri = "mxc://example.org/AbcHappy"
        paid_pack.stickers[1].mxc_uri = "mxc://example.org/AbcSad"

    answer = client.get("/api/v1/me/packs/blobs/download", headers=owner.headers)

    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="blobs.zip"'
    archive = zipfile.ZipFile(io.BytesIO(answer.data))
    names = sorted(archive.namelist())
    assert names == ["README.txt", "happy_blob-2.png", "happy_blob.png", "packs/blobs.json", "packs/index.json",
                     "packs/thumbnails/AbcHappy", "packs/thumbnails/AbcSad", "sad_blob.png"]
    assert archive.read("happy_blob.png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(archive.read("packs/index.json"))["packs"] == ["blobs.json"]
    maunium = json.loads(archive.read("packs/blobs.json"))
    assert maunium["title"] == "Blobs" and maunium["id"] == "blobs"
    assert [(s["body"], s["url"], s["id"]) for s in maunium["stickers"]] == [
        ("Happy blob", "mxc://example.org/AbcHappy", "AbcHappy"), ("Sad blob", "mxc://example.org/AbcSad", "AbcSad")]
    assert maunium["stickers"][0]["info"]["mimetype"] == "image/png"
    assert "packs/ lists 2 of 3 stickers" in archive.read("README.txt").decode()


def test_the_maunium_folder_round_trips_through_our_own_importer(app, client, paid_pack, tmp_path):
    owner = signed_in_user("@alice:example.org")
    grant(owner.user, paid_pack, source="purchase")
    with transaction():
        for index, sticker in enumerate(paid_pack.stickers):
            sticker.mxc_uri = f"mxc://example.org/Media{index}"
    data = client.get("/api/v1/me/packs/blobs/download", headers=owner.headers).data
    zipfile.ZipFile(io.BytesIO(data)).extractall(tmp_path / "unzipped")
    from app.packs.maunium import read_packs
    from app.packs.sources import open_source

    [(spec, _base)] = read_packs(open_source(str(tmp_path / "unzipped" / "packs")), label="packs")
    assert [sticker.mxc_uri for sticker in spec.stickers] == [f"mxc://example.org/Media{i}" for i in range(3)]


def test_free_published_packs_for_anyone_signed_in_paid_ones_for_owners(app, client, paid_pack, tmp_path):
    imported_pack(tmp_path / "free", "freebies", count=1)
    stranger = signed_in_user("@bob:example.org")
    assert client.get("/api/v1/me/packs/freebies/download", headers=stranger.headers).status_code == 200
    refused = client.get("/api/v1/me/packs/blobs/download", headers=stranger.headers)
    assert refused.status_code == 403 and refused.get_json()["errcode"] == "M_FORBIDDEN"
    assert "buy it" in refused.get_json()["error"]
    assert client.get("/api/v1/me/packs/nope/download", headers=stranger.headers).status_code == 404
    assert client.get("/api/v1/me/packs/blobs/download").status_code == 401
    with transaction():
        paid_pack.status = "removed"  # taken down: gone, even for an owner
    owner = signed_in_user("@alice:example.org")
    grant(owner.user, paid_pack, source="purchase")
    assert client.get("/api/v1/me/packs/blobs/download", headers=owner.headers).status_code == 404
    with transaction():
        paid_pack.status = "hidden"  # hidden from the store: owners keep it
    assert client.get("/api/v1/me/packs/blobs/download", headers=owner.headers).status_code == 200
    assert client.get("/api/v1/me/packs/blobs/download", headers=stranger.headers).status_code == 404


def test_a_web_session_downloads_and_needs_the_csrf_token_to_export(app, client, paid_pack):
    token = sign_in_web(client, "@alice:example.org")
    grant(user("@alice:example.org"), paid_pack, source="purchase")
    assert client.get("/api/v1/me/packs/blobs/download").status_code == 200

    assert client.post("/api/v1/me/packs/blobs/export").status_code == 400  # no CSRF token
    answer = client.post("/api/v1/me/packs/blobs/export", headers={"X-CSRFToken": token})
    assert answer.status_code == 503  # past CSRF: this app has no bot
    assert answer.get_json()["errcode"] == "ORG.HEXPACK.BOT_NOT_CONFIGURED"
    assert db.session.scalar(db.select(db.func.count()).select_from(db.table("export_rooms"))) == 0


def test_exports_are_rate_limited_per_user(app, client, paid_pack):
    app.config["RATELIMIT_EXPORT"] = "2 per minute"
    alice, bob = signed_in_user("@alice:example.org"), signed_in_user("@bob:example.org")
    answers = [client.post("/api/v1/me/packs/blobs/export", headers=alice.headers).status_code for _ in range(3)]
    assert answers == [403, 403, 429]  # not hers: refused, and counted
    assert client.post("/api/v1/me/packs/blobs/export", headers=bob.headers).status_code == 403  # his own count
