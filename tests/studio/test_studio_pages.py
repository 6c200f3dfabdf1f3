"""The studio's pages without a browser: sign-in first, forms with CSRF, the preview, other people's packs."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Pack
from tests.studio.conftest import ROOT, new_pack, upload
from tests.factories import signed_in_user
from tests.support.packs import png_bytes
from tests.support.web import sign_in_web


def test_studio_needs_sign_in_and_comes_back(client):
    response = client.get("/studio")
    assert response.status_code == 302 and response.headers["Location"].startswith("/signin?next=/studio")
    assert client.get("/studio/anything").headers["Location"].startswith("/signin?next=/studio/anything")


def test_create_edit_submit_and_withdraw_through_the_forms(client):
    token = sign_in_web(client, "@carol:example.org")
    home = client.get("/studio")
    assert home.status_code == 200 and b"No packs yet" in home.data and home.headers["Cache-Control"] == "no-store"
    fields = {"name": "Carol's cats", "license": "CC0-1.0", "price": "0", "currency": "usd", "description": "",
              "attribution": ""}
    assert client.post("/studio/packs", data=fields).status_code == 400  # no CSRF token
    created = client.post("/studio/packs", data={**fields, "csrf_token": token})
    assert created.headers["Location"] == "/studio/carol-s-cats"
    bad = client.post("/studio/carol-s-cats", data={**fields, "price": "0.25", "csrf_token": token}, follow_redirects=True)
    assert b"between 50 and 10000" in bad.data
    client.post("/studio/carol-s-cats", data={**fields, "price": "1.99", "csrf_token": token})
    assert db.session.scalar(select(Pack.price_amount)) == 199
    client.post("/studio/carol-s-cats", data={**fields, "price": "0", "csrf_token": token})
    empty = client.post("/studio/carol-s-cats/submit", data={"csrf_token": token}, follow_redirects=True)
    assert b"The pack is empty" in empty.data
    assert upload(client, {"X-CSRFToken": token}, "carol-s-cats", {"cat.png": png_bytes()}).status_code == 201
    editor = client.get("/studio/carol-s-cats")
    assert b'name="body" value="cat"' in editor.data and b"Submit for review" in editor.data
    client.post("/studio/carol-s-cats/submit", data={"csrf_token": token})
    assert b"In review" in client.get("/studio/carol-s-cats").data
    client.post("/studio/carol-s-cats/withdraw", data={"csrf_token": token})
    assert db.session.scalar(select(Pack.status)) == "draft"


def test_preview_is_the_picker_page_and_framable_by_the_editor(client):
    token = sign_in_web(client, "@carol:example.org")
    slug = new_pack(client, {"X-CSRFToken": token})
    upload(client, {"X-CSRFToken": token}, slug, {"wave.png": png_bytes()})
    preview = client.get(f"/studio/{slug}/preview?theme=dark")
    assert preview.status_code == 200 and b'data-theme="dark"' in preview.data
    assert b'title="wave (not on the homeserver yet)"' in preview.data
    assert "frame-ancestors" in preview.headers["Content-Security-Policy"]
    fragment = client.get(f"/studio/{slug}/stickers")
    assert b'class="studio-sticker"' in fragment.data


def test_another_creators_pages_are_404(client):
    alice = signed_in_user("@alice:example.org")
    slug = new_pack(client, alice.headers)
    token = sign_in_web(client, "@carol:example.org")
    for url in (f"/studio/{slug}", f"/studio/{slug}/preview", f"/studio/{slug}/stickers"):
        assert client.get(url).status_code == 404
    assert client.post(f"/studio/{slug}/delete", data={"csrf_token": token}).status_code == 302
    assert db.session.scalar(select(Pack.slug)) == slug


def test_closed_studio_says_so_instead_of_the_form(app, client):
    app.config["CREATORS"] = "closed"
    sign_in_web(client, "@carol:example.org")
    page = client.get("/studio")
    assert b"Creating packs is closed" in page.data and b"Create the pack" not in page.data


def test_a_published_pack_offers_a_new_version_and_the_review_page_shows_the_diff(client):
    alice = signed_in_user("@alice:example.org")
    slug = new_pack(client, alice.headers)
    upload(client, alice.headers, slug, {"wave.png": png_bytes()})
    client.post(f"/api/v1/studio/packs/{slug}/submit", headers=alice.headers)
    root = signed_in_user(ROOT)
    client.post(f"/api/v1/admin/packs/{slug}/approve", headers=root.headers)
    token = sign_in_web(client, "@alice:example.org")
    page = client.get(f"/studio/{slug}")
    assert b"Start a new version" in page.data and b"(version 1)" in page.data
    started = client.post(f"/studio/{slug}/versions", data={"csrf_token": token}, follow_redirects=True)
    assert b"Version 2 started" in started.data and b"buyers keep the live version" in started.data
    assert b"Open version 2 (draft)" in client.get(f"/studio/{slug}").data
    draft = f"{slug}--v2"
    upload(client, {"X-CSRFToken": token}, draft, {"hello.png": png_bytes(label=8)})
    client.post(f"/studio/{draft}/submit", data={"csrf_token": token})
    admin_token = sign_in_web(client, ROOT)
    review = client.get("/admin/review").data.decode()
    assert "Version 2 of" in review and "New stickers: hello" in review
    done = client.post(f"/admin/review/{draft}/approve", data={"csrf_token": admin_token}, follow_redirects=True)
    assert f"Approved {slug} (version 2)".encode() in done.data
