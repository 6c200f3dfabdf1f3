"""POST and DELETE /api/v1/admin/packs/<slug>: admins only (Bearer or cookie + CSRF), strict input."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Pack
from tests.admin.conftest import ROOT
from tests.factories import grant, imported_pack, pack_row, price, signed_in_user
from tests.support.web import sign_in_web

URL = "/api/v1/admin/packs/{}"


@pytest.fixture
def gold(app, tmp_path):
    return imported_pack(tmp_path / "gold", "gold", count=2, price=price(99))


@pytest.fixture
def admin(app):
    return signed_in_user(ROOT, kind="im")


def test_an_admin_changes_status_price_and_position_in_one_call(client, admin, gold):
    pack_row("first", price=0)
    response = client.post(URL.format("gold"), json={"status": "hidden", "price_amount": 250, "position": 1},
                           headers=admin.headers)
    assert response.status_code == 200, response.json
    view = response.json
    assert {key: view[key] for key in ("slug", "name", "status", "price_amount", "currency", "position")} == {
        "slug": "gold", "name": "Gold", "status": "hidden", "price_amount": 250, "currency": "usd", "position": 1}
    assert view["revision"] == db.session.scalar(select(Pack.revision).where(Pack.slug == "gold"))
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor == ROOT)).all()
    assert sorted(actions) == ["pack.move", "pack.price", "pack.status"]
    assert response.headers["Cache-Control"] == "no-store"


def test_an_empty_body_changes_nothing_and_answers_the_view(client, admin, gold):
    response = client.post(URL.format("gold"), json={}, headers=admin.headers)
    assert response.status_code == 200 and response.json["status"] == "published"


@pytest.mark.parametrize("body, errcode", [
    ({"status": "gone"}, "M_INVALID_PARAM"),
    ({"price_amount": 10}, "M_INVALID_PARAM"),
    ({"price_amount": "250"}, "M_INVALID_PARAM"),
    ({"position": -3}, "M_INVALID_PARAM"),
    ({"name": "Renamed"}, "M_INVALID_PARAM"),
    ([1, 2], "M_NOT_JSON"),
])
def test_bad_input_is_400_and_changes_nothing(client, admin, gold, body, errcode):
    response = client.post(URL.format("gold"), json=body, headers=admin.headers)
    assert (response.status_code, response.json["errcode"]) == (400, errcode)
    assert response.json["error"]
    db.session.expire_all()
    assert (gold.status, gold.price_amount, gold.name) == ("published", 99, "Gold")


def test_a_body_that_is_not_json_is_400(client, admin, gold):
    response = client.post(URL.format("gold"), data=b"status=hidden", headers=admin.headers)
    assert (response.status_code, response.json["errcode"]) == (400, "M_NOT_JSON")


@pytest.mark.parametrize("method", ["post", "delete"])
def test_unknown_slug_is_404(client, admin, method):
    response = getattr(client, method)(URL.format("nope"), json={"status": "hidden"}, headers=admin.headers)
    assert (response.status_code, response.json["errcode"]) == (404, "M_NOT_FOUND")


@pytest.mark.parametrize("method", ["post", "delete"])
def test_non_admins_get_403_and_anonymous_401(client, gold, method):
    bob = signed_in_user("@bob:example.org", kind="im")
    call = getattr(client, method)
    forbidden = call(URL.format("gold"), json={"status": "hidden"}, headers=bob.headers)
    assert (forbidden.status_code, forbidden.json["errcode"]) == (403, "M_FORBIDDEN")
    anonymous = call(URL.format("gold"), json={"status": "hidden"})
    assert anonymous.status_code == 401 and anonymous.json["errcode"].startswith("M_")
    assert db.session.scalar(select(Pack.status).where(Pack.slug == "gold")) == "published"


@pytest.mark.parametrize("method", ["post", "delete"])
def test_a_cookie_session_needs_the_csrf_token(client, gold, method):
    csrf = sign_in_web(client, ROOT)
    call = getattr(client, method)
    refused = call(URL.format("gold"), json={"status": "hidden"})
    assert refused.status_code == 400
    assert db.session.scalar(select(Pack.status).where(Pack.slug == "gold")) == "published"
    accepted = call(URL.format("gold"), json={"status": "hidden"}, headers={"X-CSRFToken": csrf})
    assert accepted.status_code == 200


def test_a_non_admin_cookie_session_is_403(client, gold):
    csrf = sign_in_web(client, "@bob:example.org")
    response = client.post(URL.format("gold"), json={"status": "hidden"}, headers={"X-CSRFToken": csrf})
    assert (response.status_code, response.json["errcode"]) == (403, "M_FORBIDDEN")


def test_delete_answers_200_and_the_pack_is_gone(client, admin, gold):
    response = client.delete(URL.format("gold"), headers=admin.headers)
    assert (response.status_code, response.json) == (200, {"deleted": "gold"})
    assert db.session.scalar(select(Pack).where(Pack.slug == "gold")) is None


def test_delete_of_an_owned_pack_is_409_hide_it_instead(client, admin, gold):
    grant(signed_in_user("@carol:example.org").user, gold, "purchase")
    response = client.delete(URL.format("gold"), headers=admin.headers)
    assert response.status_code == 409
    assert response.json["errcode"] == "M_CONFLICT" and "hide it instead" in response.json["error"]
    assert db.session.scalar(select(Pack).where(Pack.slug == "gold")) is not None
