"""Versions of a published pack: a draft copy is changed and reviewed while buyers keep the live
pack; approval merges it into the same pack (same id and sticker ids, favourites kept)."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Favourite, Pack, Sticker
from tests.factories import signed_in_user
from tests.studio.conftest import ROOT, new_pack, upload
from tests.support.packs import png_bytes


def published(client, creator) -> tuple[str, list[int]]:
    slug = new_pack(client, creator.headers)
    stickers = upload(client, creator.headers, slug, {"alpha.png": png_bytes(label=1), "beta.png": png_bytes(label=2)},
                      emoji=["😀", "😎"]).get_json()["stickers"]
    client.post(f"/api/v1/studio/packs/{slug}/submit", headers=creator.headers)
    root = signed_in_user(ROOT)
    assert client.post(f"/api/v1/admin/packs/{slug}/approve", headers=root.headers).status_code == 200
    return slug, [sticker["id"] for sticker in stickers]


def live_bodies(client, slug) -> list[str]:
    page = client.get(f"/packs/{slug}").data.decode()
    return [part.split('"')[0] for part in page.split('<li title="')[1:]]


def test_a_new_version_is_reviewed_while_buyers_keep_the_live_pack(client, alice, bob):
    slug, (alpha, beta) = published(client, alice)
    assert client.post(f"/api/v1/me/packs/{slug}/add", headers=bob.headers).status_code == 200
    assert client.put(f"/api/v1/me/favourites/{alpha}", headers=bob.headers).status_code == 200
    started = client.post(f"/api/v1/studio/packs/{slug}/versions", headers=alice.headers)
    assert started.status_code == 201
    draft = started.get_json()["slug"]
    assert started.get_json() == {"slug": draft, "status": "draft", "version": 2, "version_of": slug}
    assert client.post(f"/api/v1/studio/packs/{slug}/versions", headers=alice.headers).status_code == 409
    base = f"/api/v1/studio/packs/{draft}"
    copies = {s["body"]: s["id"] for s in client.get(base, headers=alice.headers).get_json()["stickers"]}
    client.patch(f"{base}/stickers/{copies['alpha']}", json={"body": "Alpha!"}, headers=alice.headers)
    client.delete(f"{base}/stickers/{copies['beta']}", headers=alice.headers)
    new = upload(client, alice.headers, draft, {"gamma.png": png_bytes(label=3)}, emoji=["🙂"]).get_json()["stickers"][0]
    client.put(f"{base}/order", json={"stickers": [new["id"], copies["alpha"]]}, headers=alice.headers)
    client.patch(base, json={"description": "Now with gamma"}, headers=alice.headers)
    assert live_bodies(client, slug) == ["alpha", "beta"]  # buyers still see the live version
    assert client.post(f"{base}/submit", headers=alice.headers).get_json() == {"status": "in_review"}

    root = signed_in_user(ROOT)
    queued = client.get("/api/v1/admin/review", headers=root.headers).get_json()["packs"]
    assert [(p["slug"], p["version"], p["version_of"]) for p in queued] == [(draft, 2, slug)]
    assert queued[0]["diff"] == {"fields": ["description"], "added": ["gamma"], "removed": ["beta"],
                                 "changed": ["Alpha!"], "reordered": False}
    assert [h for h in queued[0]["hints"] if h["kind"] == "near_duplicate"] == []  # not against its own live pack
    approved = client.post(f"/api/v1/admin/packs/{draft}/approve", headers=root.headers).get_json()
    assert (approved["slug"], approved["status"], approved["version"]) == (slug, "published", 2)

    assert live_bodies(client, slug) == ["gamma", "Alpha!"]
    db.session.expire_all()
    assert db.session.scalar(select(Pack.id).where(Pack.slug == draft)) is None
    ids = dict(db.session.execute(select(Sticker.body, Sticker.id)).all())
    assert ids == {"gamma": new["id"], "Alpha!": alpha}  # the live sticker kept its id; the upload moved over
    assert db.session.scalar(select(Favourite.sticker_id)) == alpha
    assert slug in str(client.get("/api/v1/me/packs", headers=bob.headers).get_json())
    assert db.session.scalar(select(Pack.description).where(Pack.slug == slug)) == "Now with gamma"
    line = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pack.approve")
                              .order_by(AuditEvent.id.desc())).first()
    assert (line.target, line.details["version"]) == (f"pack:{slug}", 2)
    assert client.post(f"/api/v1/studio/packs/{slug}/versions", headers=alice.headers).get_json()["version"] == 3


def test_a_rejected_or_discarded_version_leaves_the_live_pack_alone(client, alice):
    slug, _ids = published(client, alice)
    draft = client.post(f"/api/v1/studio/packs/{slug}/versions", headers=alice.headers).get_json()["slug"]
    base = f"/api/v1/studio/packs/{draft}"
    client.patch(base, json={"name": "Renamed"}, headers=alice.headers)
    client.post(f"{base}/submit", headers=alice.headers)
    root = signed_in_user(ROOT)
    client.post(f"/api/v1/admin/packs/{draft}/reject", json={"reason": "Keep the old name"}, headers=root.headers)
    assert client.get(base, headers=alice.headers).get_json()["review_note"] == "Keep the old name"
    assert client.delete(base, headers=alice.headers).status_code == 409  # only drafts are deleted
    client.post(f"{base}/submit", headers=alice.headers)
    client.post(f"{base}/withdraw", headers=alice.headers)
    assert client.delete(base, headers=alice.headers).status_code == 204
    live = client.get(f"/api/v1/studio/packs/{slug}", headers=alice.headers).get_json()
    assert (live["name"], live["status"], live["sticker_count"], live["version"]) == ("Blob Cats", "published", 2, 1)


def test_versions_only_of_ones_own_published_packs(client, alice, bob):
    slug, _ids = published(client, alice)
    draft = new_pack(client, alice.headers, name="Draft")
    assert client.post(f"/api/v1/studio/packs/{draft}/versions", headers=alice.headers).status_code == 409
    assert client.post(f"/api/v1/studio/packs/{slug}/versions", headers=bob.headers).status_code == 404
    frozen = client.patch(f"/api/v1/studio/packs/{slug}", json={"name": "X"}, headers=alice.headers)
    assert frozen.status_code == 409 and "new version" in frozen.get_json()["error"]


def test_approving_a_version_keeps_an_admins_hide(client, alice):
    slug, _ids = published(client, alice)
    draft = client.post(f"/api/v1/studio/packs/{slug}/versions", headers=alice.headers).get_json()["slug"]
    client.patch(f"/api/v1/studio/packs/{draft}", json={"name": "Renamed"}, headers=alice.headers)
    client.post(f"/api/v1/studio/packs/{draft}/submit", headers=alice.headers)
    db.session.scalar(select(Pack).where(Pack.slug == slug)).status = "hidden"
    db.session.commit()
    root = signed_in_user(ROOT)
    approved = client.post(f"/api/v1/admin/packs/{draft}/approve", headers=root.headers).get_json()
    assert (approved["slug"], approved["status"], approved["version"]) == (slug, "hidden", 2)
    assert db.session.scalar(select(Pack.name).where(Pack.slug == slug)) == "Renamed"
