"""Reports: anyone signed in reports a published pack (202, rate-limited); admins see them grouped by
pack and dismiss, hide or remove; /copyright says how to send a notice."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, BotMessage, Pack, PackReport
from tests.factories import grant, imported_pack, signed_in_user
from tests.studio.conftest import ROOT
from tests.support.web import sign_in_web


def report(client, person, slug="blobs", reason="copyright", details="Sticker 2 is my drawing."):
    return client.post(f"/api/v1/packs/{slug}/report", json={"reason": reason, "details": details},
                       headers=person.headers)


def test_report_is_202_recorded_audited_and_admins_are_told(client, alice, tmp_path):
    imported_pack(tmp_path / "blobs")
    response = report(client, alice)
    assert response.status_code == 202
    row = db.session.scalars(select(PackReport)).one()
    assert (row.reason, row.details, row.resolved_at) == ("copyright", "Sticker 2 is my drawing.", None)
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.actor == alice.matrix_id)) == "pack.report"
    assert sorted(db.session.scalars(select(BotMessage.recipient))) == ["@ops:example.org", ROOT]


def test_report_refusals(app, client, alice, tmp_path):
    imported_pack(tmp_path / "blobs")
    imported_pack(tmp_path / "draft", "draft", status="draft")
    assert client.post("/api/v1/packs/blobs/report", json={"reason": "spam"}).status_code == 401
    assert report(client, alice, reason="boring").status_code == 400
    assert report(client, alice, details="x\u202e").status_code == 400
    assert report(client, alice, slug="draft").status_code == 404
    assert report(client, alice, slug="nope").status_code == 404
    app.config["RATELIMIT_REPORT"] = "2 per minute"
    assert [report(client, alice).status_code for _ in range(3)] == [202, 202, 429]
    assert len(db.session.scalars(select(PackReport)).all()) == 2


def test_report_page_needs_sign_in_and_the_form_works(client, tmp_path):
    imported_pack(tmp_path / "blobs")
    assert b"Report this pack" in client.get("/packs/blobs").data
    assert client.get("/packs/blobs/report").headers["Location"].startswith("/signin?next=/packs/blobs/report")
    token = sign_in_web(client, "@carol:example.org")
    assert b"What is wrong?" in client.get("/packs/blobs/report").data
    assert client.post("/packs/blobs/report", data={"reason": "spam"}).status_code == 400  # CSRF
    missing = client.post("/packs/blobs/report", data={"csrf_token": token})
    assert missing.status_code == 400 and b"must be one of" in missing.data
    sent = client.post("/packs/blobs/report", data={"csrf_token": token, "reason": "spam", "details": "Ads"})
    assert sent.status_code == 202 and b"Thank you" in sent.data


def test_copyright_page_names_the_contact_and_the_limits(app, client):
    page = client.get("/copyright")
    assert page.status_code == 200 and b"stickers that were already sent" in page.data
    app.config["COPYRIGHT_CONTACT"] = "dmca@example.org"
    assert b"dmca@example.org" in client.get("/copyright").data


def test_admins_see_reports_grouped_and_dismiss_hide_remove(client, alice, bob, tmp_path):
    for slug in ("blobs", "cats", "dogs"):
        imported_pack(tmp_path / slug, slug)
    report(client, alice, "cats", "spam", "")
    for person in (alice, bob):
        report(client, person, "blobs")
    report(client, bob, "dogs", "offensive", "Slurs")
    assert client.get("/api/v1/admin/reports", headers=alice.headers).status_code == 403
    root = signed_in_user(ROOT)
    packs = client.get("/api/v1/admin/reports", headers=root.headers).get_json()["packs"]
    assert [(p["slug"], len(p["reports"])) for p in packs] == [("blobs", 2), ("cats", 1), ("dogs", 1)]
    assert {r["reporter"] for r in packs[0]["reports"]} == {alice.matrix_id, bob.matrix_id}
    owner = signed_in_user("@owner:example.org")
    grant(owner.user, db.session.scalar(select(Pack).where(Pack.slug == "blobs")))
    hidden = client.post("/api/v1/admin/reports/blobs/hide", headers=root.headers).get_json()
    assert hidden == {"slug": "blobs", "status": "hidden", "closed": 2}
    assert client.post("/api/v1/admin/reports/cats/dismiss", headers=root.headers).get_json()["status"] == "published"
    assert client.post("/api/v1/admin/reports/dogs/explode", headers=root.headers).status_code == 404
    assert [e["slug"] for e in client.get("/api/v1/store").get_json()["packs"]] == ["cats", "dogs"]
    owned = client.get("/api/v1/me/packs", headers=owner.headers).get_json()
    assert "blobs" in str(owned)  # an owner keeps a hidden pack
    token = sign_in_web(client, ROOT)
    page = client.get("/admin/reports")
    assert b"Slurs" in page.data and b"Remove Dogs" in page.data
    done = client.post("/admin/reports/dogs/remove", data={"csrf_token": token}, follow_redirects=True)
    assert b"Removed dogs" in done.data and b"No open reports" in done.data
    statuses = dict(db.session.execute(select(Pack.slug, Pack.status)).all())
    assert statuses == {"blobs": "hidden", "cats": "published", "dogs": "removed"}
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor == ROOT)).all()
    assert sorted(actions) == ["pack.hide", "pack.remove", "pack.reports.resolve", "pack.reports.resolve",
                               "pack.reports.resolve"]
