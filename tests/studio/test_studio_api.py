"""The studio's JSON API: packs and stickers of one's own, and every refusal (404, 409, 422, 403)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.exceptions import ImportFailed
from app.extensions import db
from app.models import AuditEvent, BotMessage, Blob, CreatorActivity, Pack, Sticker
from app.packs.importer import import_path
from tests.factories import signed_in_user, write_pack
from tests.studio.conftest import new_pack, upload, zip_bytes
from tests.support.packs import animated_bytes, png_bytes, png_claiming_size
from tests.support.web import sign_in_web


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_list_get_patch_and_delete_a_draft(client, alice):
    slug = new_pack(client, alice.headers, description="Cats made of blobs", attribution="Drawn by Alice")
    assert slug == "blob-cats"
    assert new_pack(client, alice.headers) == "blob-cats-2"
    listed = client.get("/api/v1/studio/packs", headers=alice.headers).get_json()["packs"]
    assert [(p["slug"], p["status"], p["review_note"]) for p in listed] == [("blob-cats", "draft", ""),
                                                                           ("blob-cats-2", "draft", "")]
    changed = client.patch(f"/api/v1/studio/packs/{slug}", json={"name": "Blob Cats!", "price_amount": 199},
                           headers=alice.headers)
    assert changed.status_code == 200 and changed.get_json()["price_amount"] == 199
    assert client.get(f"/api/v1/studio/packs/{slug}", headers=alice.headers).get_json()["name"] == "Blob Cats!"
    client.patch(f"/api/v1/studio/packs/{slug}", json={"currency": "eur"}, headers=alice.headers)
    euros = client.patch(f"/api/v1/studio/packs/{slug}", json={"price_amount": 250}, headers=alice.headers).get_json()
    assert (euros["price_amount"], euros["currency"]) == (250, "eur")
    assert client.delete(f"/api/v1/studio/packs/{slug}", headers=alice.headers).status_code == 204
    assert client.get(f"/api/v1/studio/packs/{slug}", headers=alice.headers).status_code == 404
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["pack.create", "pack.create", "pack.update", "pack.update", "pack.update", "pack.delete"]


def test_bad_pack_fields_are_400_with_the_reason(client, alice):
    cases = [({"license": "CC0-1.0", "currency": "usd", "price_amount": 0}, "'name' must not be empty"),
             ({"name": "X", "license": "WTFPL", "currency": "usd", "price_amount": 0}, "'license' must be one of"),
             ({"name": "X", "license": "other", "currency": "usd", "price_amount": 0}, "say the terms"),
             ({"name": "X", "license": "CC0-1.0", "currency": "xyz", "price_amount": 0}, "'currency' must be one of"),
             ({"name": "X", "license": "CC0-1.0", "currency": "usd", "price_amount": 10}, "between 50 and 10000"),
             ({"name": "X", "license": "CC0-1.0", "currency": "usd", "price_amount": 10001}, "between 50"),
             ({"name": "X\u202e", "license": "CC0-1.0", "currency": "usd", "price_amount": 0}, "control character"),
             ({"name": "X", "license": "CC0-1.0", "currency": "usd", "price_amount": 0, "slug": "x"}, "Unknown")]
    for body, message in cases:
        response = client.post("/api/v1/studio/packs", json=body, headers=alice.headers)
        assert response.status_code == 400, body
        assert message in response.get_json()["error"], (body, response.get_json())
    assert count(Pack) == 0


def test_another_creators_pack_is_404_for_every_route(client, alice, bob):
    slug = new_pack(client, alice.headers)
    assert upload(client, alice.headers, slug, {"a.png": png_bytes()}).status_code == 201
    sticker_id = db.session.scalar(select(Sticker.id))
    base = f"/api/v1/studio/packs/{slug}"
    calls = [("get", base, None), ("patch", base, {"name": "Mine"}), ("delete", base, None),
             ("patch", f"{base}/stickers/{sticker_id}", {"body": "x"}), ("delete", f"{base}/stickers/{sticker_id}", None),
             ("put", f"{base}/order", {"stickers": [sticker_id]}), ("post", f"{base}/submit", None),
             ("post", f"{base}/withdraw", None)]
    for method, url, body in calls:
        response = getattr(client, method)(url, json=body, headers=bob.headers)
        assert response.status_code == 404, (method, url)
        assert response.get_json()["errcode"] == "M_NOT_FOUND"
    assert upload(client, bob.headers, slug, {"b.png": png_bytes()}).status_code == 404
    assert client.get("/api/v1/studio/packs", headers=bob.headers).get_json() == {"packs": []}
    assert count(Sticker) == 1 and db.session.scalar(select(Pack.name)) == "Blob Cats"


def test_no_credentials_is_401_and_cookie_changes_need_csrf(client):
    assert client.get("/api/v1/studio/packs").status_code == 401
    token = sign_in_web(client, "@carol:example.org")
    body = {"name": "Cookie", "license": "CC0-1.0", "price_amount": 0, "currency": "usd"}
    assert client.post("/api/v1/studio/packs", json=body).status_code == 400  # CSRF missing
    assert client.post("/api/v1/studio/packs", json=body, headers={"X-CSRFToken": token}).status_code == 201
    refused = upload(client, {}, "cookie", {"a.png": png_bytes()})
    assert refused.status_code == 400 and "X-CSRFToken" in refused.get_json()["error"]
    assert upload(client, {"X-CSRFToken": token}, "cookie", {"a.png": png_bytes()}).status_code == 201


def test_upload_images_and_a_zip_with_names_and_emoji(client, alice):
    slug = new_pack(client, alice.headers)
    files = {"happy_cat.png": png_bytes(label=1), "wave.gif": animated_bytes("GIF"),
             "spin.webp": animated_bytes("WEBP"), "more.zip": zip_bytes({"sad-cat.png": png_bytes(label=2),
                                                                        "__MACOSX/._sad-cat.png": b"junk"})}
    response = upload(client, alice.headers, slug, files, body=["Happy cat"], emoji=["😺"])
    assert response.status_code == 201, response.get_json()
    stickers = response.get_json()["stickers"]
    assert [(s["body"], s["emoji"]) for s in stickers] == [("Happy cat", "😺"), ("wave", ""), ("spin", ""),
                                                           ("sad cat", "")]
    assert all(s["thumbnail_url"].startswith("/media/") for s in stickers)
    rows = db.session.scalars(select(Sticker).order_by(Sticker.position)).all()
    assert [row.mimetype for row in rows] == ["image/png", "image/gif", "image/webp", "image/png"]
    assert rows[1].poster_sha256 is not None and all(len(row.phash) == 16 for row in rows)
    assert db.session.scalar(select(CreatorActivity.bytes)) == sum(len(data) for data in files.values())


def test_any_bad_file_is_422_listing_each_and_nothing_is_stored(client, alice):
    slug = new_pack(client, alice.headers)
    traversal = zip_bytes({"../evil.png": png_bytes(), "ok.png": png_bytes(label=3)})
    files = {"good.png": png_bytes(), "broken.png": png_bytes()[:60], "notes.png": b"hello, I am text",
             "bomb.png": png_claiming_size(30000, 30000), "evil.zip": traversal, "fake.zip": b"PK\x03\x04nonsense"}
    blobs_before = count(Blob)
    response = upload(client, alice.headers, slug, files)
    assert response.status_code == 422
    body = response.get_json()
    assert body["errcode"] == "M_INVALID_PARAM" and "nothing was stored" in body["error"]
    errors = {item["name"]: item["error"] for item in body["files"]}
    assert set(errors) == {"broken.png", "notes.png", "bomb.png", "evil.zip/../evil.png", "fake.zip"}
    assert "broken or truncated" in errors["broken.png"]
    assert "the file is text" in errors["notes.png"]
    assert "exceeds the limit" in errors["bomb.png"] or "decompression" in errors["bomb.png"].lower()
    assert "path traversal" in errors["evil.zip/../evil.png"]
    assert "zip" in errors["fake.zip"]
    assert count(Sticker) == 0 and count(Blob) == blobs_before and count(CreatorActivity) == 0


def test_a_zip_member_that_decompresses_past_the_limit_is_refused(app, client, alice):
    app.config["MAX_IMAGE_BYTES"] = 100_000
    slug = new_pack(client, alice.headers)
    response = upload(client, alice.headers, slug, {"bomb.zip": zip_bytes({"big.png": b"\0" * 5_000_000})})
    assert response.status_code == 422
    assert "limit is 100000" in response.get_json()["files"][0]["error"]
    assert count(Sticker) == 0


def test_edit_delete_and_reorder_stickers(client, alice):
    slug = new_pack(client, alice.headers)
    ids = [s["id"] for s in upload(client, alice.headers, slug, {f"{n}.png": png_bytes(label=n) for n in range(3)})
           .get_json()["stickers"]]
    base = f"/api/v1/studio/packs/{slug}"
    edited = client.patch(f"{base}/stickers/{ids[0]}", json={"body": "Hello", "emoji": "👋", "tags": ["hi", "wave"]},
                          headers=alice.headers)
    assert edited.get_json()["tags"] == ["hi", "wave"] and edited.get_json()["emoji"] == "👋"
    assert client.patch(f"{base}/stickers/{ids[0]}", json={"body": " "}, headers=alice.headers).status_code == 400
    bad_orders = [[ids[0], ids[1]], [ids[0], ids[0], ids[1], ids[2]], "nope", [ids[0], ids[1], True]]
    for order in bad_orders:
        assert client.put(f"{base}/order", json={"stickers": order}, headers=alice.headers).status_code == 400
    reordered = client.put(f"{base}/order", json={"stickers": [ids[2], ids[0], ids[1]]}, headers=alice.headers)
    assert reordered.get_json() == {"stickers": [ids[2], ids[0], ids[1]]}
    assert client.delete(f"{base}/stickers/{ids[0]}", headers=alice.headers).status_code == 204
    got = client.get(base, headers=alice.headers).get_json()["stickers"]
    assert [s["id"] for s in got] == [ids[2], ids[1]]
    assert client.delete(f"{base}/stickers/{ids[0]}", headers=alice.headers).status_code == 404


def test_quotas_refuse_with_409_and_what_to_do(app, client, alice):
    app.config.update(CREATOR_MAX_PACKS=1, CREATOR_MAX_STICKERS=2, CREATOR_SUBMISSIONS_PER_DAY=1)
    slug = new_pack(client, alice.headers)
    second = client.post("/api/v1/studio/packs", json={"name": "Two", "license": "CC0-1.0", "price_amount": 0,
                                                       "currency": "usd"}, headers=alice.headers)
    assert second.status_code == 409 and "CREATOR_MAX_PACKS" in second.get_json()["error"]
    too_many = upload(client, alice.headers, slug, {f"{n}.png": png_bytes(label=n) for n in range(3)})
    assert too_many.status_code == 409 and too_many.get_json()["errcode"] == "ORG.HEXPACK.QUOTA_EXCEEDED"
    assert count(Sticker) == 0
    assert upload(client, alice.headers, slug, {"a.png": png_bytes()}).status_code == 201
    base = f"/api/v1/studio/packs/{slug}"
    assert client.post(f"{base}/submit", headers=alice.headers).get_json() == {"status": "in_review"}
    assert client.post(f"{base}/withdraw", headers=alice.headers).get_json() == {"status": "draft"}
    again = client.post(f"{base}/submit", headers=alice.headers)
    assert again.status_code == 409 and "CREATOR_SUBMISSIONS_PER_DAY" in again.get_json()["error"]
    app.config["CREATOR_UPLOAD_BYTES_PER_DAY"] = 10
    over = upload(client, alice.headers, slug, {"b.png": png_bytes(label=5)})
    assert over.status_code == 409 and "CREATOR_UPLOAD_BYTES_PER_DAY" in over.get_json()["error"]


def test_submit_refusals_409_with_the_reason(client, alice):
    slug = new_pack(client, alice.headers)
    base = f"/api/v1/studio/packs/{slug}"
    empty = client.post(f"{base}/submit", headers=alice.headers)
    assert empty.status_code == 409 and "empty" in empty.get_json()["error"]
    assert client.post(f"{base}/withdraw", headers=alice.headers).status_code == 409
    paid = new_pack(client, alice.headers, name="Paid", price_amount=299)
    assert upload(client, alice.headers, paid, {"a.png": png_bytes()}).status_code == 201
    refused = client.post(f"/api/v1/studio/packs/{paid}/submit", headers=alice.headers)
    assert refused.status_code == 409
    assert refused.get_json()["errcode"] == "ORG.HEXPACK.PAYOUTS_NOT_READY"
    assert "payouts" in refused.get_json()["error"]
    assert db.session.scalar(select(Pack.status).where(Pack.slug == paid)) == "draft"


def test_in_review_is_frozen_and_admins_are_told(client, alice):
    slug = new_pack(client, alice.headers)
    upload(client, alice.headers, slug, {"a.png": png_bytes()})
    base = f"/api/v1/studio/packs/{slug}"
    assert client.post(f"{base}/submit", headers=alice.headers).status_code == 200
    assert client.patch(base, json={"name": "New"}, headers=alice.headers).status_code == 409
    frozen = upload(client, alice.headers, slug, {"b.png": png_bytes(label=4)})
    assert frozen.status_code == 409 and "withdraw" in frozen.get_json()["error"]
    assert client.delete(base, headers=alice.headers).status_code == 409
    assert client.post(f"{base}/submit", headers=alice.headers).status_code == 409
    recipients = sorted(db.session.scalars(select(BotMessage.recipient)))
    assert recipients == ["@ops:example.org", "@root:example.org"]
    assert "Blob Cats" in db.session.scalar(select(BotMessage.body))


def test_creators_setting_invite_and_closed(app, client, alice):
    app.config.update(CREATORS="invite", CREATOR_MATRIX_IDS="@bob:example.org")
    body = {"name": "X", "license": "CC0-1.0", "price_amount": 0, "currency": "usd"}
    refused = client.post("/api/v1/studio/packs", json=body, headers=alice.headers)
    assert refused.status_code == 403 and "invitation" in refused.get_json()["error"]
    bob = signed_in_user("@bob:example.org")
    assert client.post("/api/v1/studio/packs", json=body, headers=bob.headers).status_code == 201
    app.config["CREATORS"] = "closed"
    assert client.post("/api/v1/studio/packs", json=body, headers=bob.headers).status_code == 403


def test_an_import_never_overwrites_a_creators_pack(client, alice, tmp_path):
    slug = new_pack(client, alice.headers, name="Blobs")
    with pytest.raises(ImportFailed, match="belongs to a pack a creator made"):
        import_path(str(write_pack(tmp_path / "blobs", slug)))
    assert db.session.scalar(select(Pack.name)) == "Blobs" and count(Sticker) == 0


def test_uploads_in_two_batches_append_in_order_and_names_lose_control_characters(client, alice):
    slug = new_pack(client, alice.headers)
    upload(client, alice.headers, slug, {"first.png": png_bytes(label=1)})
    second = upload(client, alice.headers, slug, {"zip.zip": zip_bytes({"evil\u202egnp.png": png_bytes(label=2),
                                                                        "tab\there.png": png_bytes(label=3)})})
    assert [s["body"] for s in second.get_json()["stickers"]] == ["evilgnp", "tabhere"]
    positions = db.session.execute(select(Sticker.body, Sticker.position).order_by(Sticker.position)).all()
    assert [tuple(row) for row in positions] == [("first", 0), ("evilgnp", 1), ("tabhere", 2)]
