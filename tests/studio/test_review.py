"""Admin review: the queue with hints, approve (into the store, onto the homeserver), reject, 403s."""
from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from app.admin import review_hints
from app.extensions import db
from app.models import AuditEvent, BotMessage, Pack, Sticker
from tests.factories import imported_pack, signed_in_user
from tests.studio.conftest import ROOT, new_pack, upload
from tests.support.packs import animated_bytes, png_bytes
from tests.support.web import sign_in_web


def pattern_png(kind: str) -> bytes:
    """Pictures unlike each other and unlike png_bytes' discs: "stripes" or "checks"."""
    image = Image.new("RGBA", (256, 256), (255, 255, 255, 255))
    draw = ImageDraw.Draw(image)
    for step in range(0, 256, 32):
        if kind == "stripes":
            draw.rectangle([0, step, 255, step + 15], fill=(20, 20, 20, 255))
        else:
            for column in range(0, 256, 64):
                draw.rectangle([column + (step // 32 % 2) * 32, step, column + (step // 32 % 2) * 32 + 31, step + 31],
                               fill=(20, 20, 200, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def submitted(client, creator, name="Blob Cats", files=None) -> str:
    slug = new_pack(client, creator.headers, name=name)
    response = upload(client, creator.headers, slug, files or {"happy.png": png_bytes(label=1)}, emoji=["😺"])
    assert response.status_code == 201, response.get_json()
    assert client.post(f"/api/v1/studio/packs/{slug}/submit", headers=creator.headers).status_code == 200
    return slug


def test_only_admins_review(client, alice, bob):
    slug = submitted(client, alice)
    for url in ("/api/v1/admin/review",):
        assert client.get(url, headers=bob.headers).status_code == 403
    for action, body in (("approve", None), ("reject", {"reason": "no"})):
        refused = client.post(f"/api/v1/admin/packs/{slug}/{action}", json=body, headers=alice.headers)
        assert refused.status_code == 403 and refused.get_json()["errcode"] == "M_FORBIDDEN"
    assert client.post(f"/api/v1/admin/packs/{slug}/approve").status_code == 401
    sign_in_web(client, "@bob:example.org")
    assert client.get("/admin/review").status_code == 403
    assert db.session.scalar(select(Pack.status)) == "in_review"


def test_queue_is_oldest_first_with_hints(client, alice, bob, tmp_path, monkeypatch):
    original = pattern_png("stripes")
    imported_pack(tmp_path / "classic", "classic", images={"0.png": original})
    first = submitted(client, alice, "Copies", {"copy.png": original, "1.png": png_bytes(label=2),
                                                 "dance.gif": animated_bytes("GIF")})
    second = submitted(client, bob, "Later", {"checks.png": pattern_png("checks")})
    monkeypatch.setattr(review_hints, "HUGE_ANIMATION_BYTES", 100)
    root = signed_in_user(ROOT)
    packs = client.get("/api/v1/admin/review", headers=root.headers).get_json()["packs"]
    assert [(p["slug"], p["creator"], p["version"]) for p in packs] == [(first, alice.matrix_id, 1),
                                                                        (second, bob.matrix_id, 1)]
    kinds = {(hint["kind"], hint["sticker"]) for hint in packs[0]["hints"]}
    ids = {s.body: s.id for s in db.session.scalars(select(Sticker).join(Pack).where(Pack.slug == first))}
    assert ("near_duplicate", ids["copy"]) in kinds
    assert "classic" in next(h["message"] for h in packs[0]["hints"] if h["kind"] == "near_duplicate")
    assert ("empty_name", ids["1"]) in kinds and ("huge_animation", ids["dance"]) in kinds
    assert ("near_duplicate", ids["1"]) not in kinds
    assert packs[1]["hints"] == []


def test_create_upload_submit_approve_then_the_pack_is_in_the_store(client, alice):
    slug = submitted(client, alice)
    root = signed_in_user(ROOT)
    approved = client.post(f"/api/v1/admin/packs/{slug}/approve", headers=root.headers)
    assert approved.get_json() == {"slug": slug, "status": "published", "version": 1, "homeserver": None}
    store = client.get("/api/v1/store").get_json()["packs"]
    assert [entry["slug"] for entry in store] == [slug]
    assert client.get(f"/packs/{slug}").status_code == 200
    assert client.get(f"/api/v1/studio/packs/{slug}", headers=alice.headers).get_json()["status"] == "published"
    message = db.session.scalars(select(BotMessage).where(BotMessage.recipient == alice.matrix_id)).one()
    assert "approved" in message.body and f"/packs/{slug}" in message.body
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target == f"pack:{slug}")
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["pack.create", "pack.stickers.add", "pack.submit", "pack.approve"]
    frozen = upload(client, alice.headers, slug, {"more.png": png_bytes(label=9)})
    assert frozen.status_code == 409 and "frozen" in frozen.get_json()["error"]
    again = client.post(f"/api/v1/admin/packs/{slug}/approve", headers=root.headers)
    assert again.status_code == 409


def test_reject_needs_a_reason_which_the_creator_sees_and_can_resubmit(client, alice):
    slug = submitted(client, alice)
    root = signed_in_user(ROOT)
    assert client.post(f"/api/v1/admin/packs/{slug}/reject", json={"reason": " "}, headers=root.headers).status_code == 400
    assert client.post("/api/v1/admin/packs/nope/reject", json={"reason": "x"}, headers=root.headers).status_code == 404
    rejected = client.post(f"/api/v1/admin/packs/{slug}/reject", json={"reason": "Sticker 1 is someone else's art."},
                           headers=root.headers)
    assert rejected.get_json()["status"] == "rejected"
    mine = client.get("/api/v1/studio/packs", headers=alice.headers).get_json()["packs"][0]
    assert (mine["status"], mine["review_note"]) == ("rejected", "Sticker 1 is someone else's art.")
    message = db.session.scalars(select(BotMessage).where(BotMessage.recipient == alice.matrix_id)).one()
    assert "someone else's art" in message.body
    assert client.patch(f"/api/v1/studio/packs/{slug}", json={"description": "Mine"}, headers=alice.headers).status_code == 200
    assert client.post(f"/api/v1/studio/packs/{slug}/submit", headers=alice.headers).get_json()["status"] == "in_review"
    assert client.get("/api/v1/studio/packs", headers=alice.headers).get_json()["packs"][0]["review_note"] == ""
    assert client.get(f"/packs/{slug}").status_code == 404


def test_console_page_approves_and_rejects_with_forms(client, alice):
    first, second = submitted(client, alice, "First"), submitted(client, alice, "Second")
    token = sign_in_web(client, ROOT)
    page = client.get("/admin/review")
    assert page.status_code == 200 and b"First" in page.data and b"Reject" in page.data
    assert client.post(f"/admin/review/{first}/approve").status_code == 400  # no CSRF token
    done = client.post(f"/admin/review/{first}/approve", data={"csrf_token": token}, follow_redirects=True)
    assert b"Approved first" in done.data
    client.post(f"/admin/review/{second}/reject", data={"csrf_token": token, "reason": "Blurry"})
    statuses = dict(db.session.execute(select(Pack.slug, Pack.status)).all())
    assert statuses == {first: "published", second: "rejected"}
    assert b"Nothing to review" in client.get("/admin/review").data


@pytest.mark.synapse
def test_approval_uploads_the_stickers_to_the_homeserver(app, client, alice, synapse):
    uploader = synapse.register_user()
    app.config.update(MATRIX_HOMESERVER_URL=synapse.base_url, MATRIX_ACCESS_TOKEN=uploader.access_token)
    slug = submitted(client, alice)
    root = signed_in_user(ROOT)
    approved = client.post(f"/api/v1/admin/packs/{slug}/approve", headers=root.headers).get_json()
    assert approved["homeserver"] == {"uploaded": 1}
    assert db.session.scalar(select(Sticker.mxc_uri)).startswith(f"mxc://{synapse.server_name}/")


def test_packs_hash_fills_in_hashes_of_older_stickers(app, runner, tmp_path):
    imported_pack(tmp_path / "old", "old", count=2)
    db.session.execute(Sticker.__table__.update().values(phash=None))
    db.session.commit()
    result = runner.invoke(args=["packs", "hash"])
    assert result.exit_code == 0 and "2 stickers hashed, 0 unreadable" in result.output
    assert all(len(phash) == 16 for phash in db.session.scalars(select(Sticker.phash)))
    assert "0 stickers hashed" in runner.invoke(args=["packs", "hash"]).output
