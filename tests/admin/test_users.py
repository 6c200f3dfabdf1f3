"""/admin/users and /api/v1/admin/entitlements: find users, see their packs, grant and revoke (audited)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.audit import recent
from app.extensions import db
from app.models import Entitlement
from tests.admin.conftest import ROOT
from tests.factories import grant, order, pack_row, signed_in_user, user
from tests.support.web import sign_in_web

ALICE = "@alice:example.org"


def _entitlement(matrix_id, slug):
    db.session.expire_all()
    return db.session.scalar(select(Entitlement).join(Entitlement.user).join(Entitlement.pack)
                             .where(Entitlement.user.has(matrix_id=matrix_id), Entitlement.pack.has(slug=slug)))


# --- pages -------------------------------------------------------------------------------------------
def test_search_finds_by_prefix_and_substring_and_paginates(client):
    csrf = sign_in_web(client, ROOT)
    assert csrf
    for number in range(30):
        user(f"@user{number:02d}:example.org")
    user("@zed:other.org")
    page = client.get("/admin/users?q=OTHER").get_data(as_text=True)
    assert "@zed:other.org" in page and "@user01" not in page
    first = client.get("/admin/users?q=@user").get_data(as_text=True)
    assert "@user00:example.org" in first and "@user24:example.org" in first and "@user25" not in first
    assert 'rel="next"' in first
    second = client.get("/admin/users?q=@user&page=2").get_data(as_text=True)
    assert "@user25:example.org" in second and "@user29:example.org" in second and 'rel="next"' not in second
    prefix_first = client.get("/admin/users?q=zed").get_data(as_text=True)
    assert "@zed:other.org" in prefix_first


def test_search_empty_states(client):
    sign_in_web(client, ROOT)
    page = client.get("/admin/users?q=nobody-like-this").get_data(as_text=True)
    assert "No user" in page and "nobody-like-this" in page
    page = client.get("/admin/users?q=@new:example.org").get_data(as_text=True)
    assert "/admin/users/@new:example.org" in page  # offer to open (and grant to) an unknown full ID
    assert client.get("/admin/users?q=%25").status_code == 200  # LIKE wildcards are literal
    assert "No user" in client.get("/admin/users?q=%25").get_data(as_text=True)


def test_user_page_lists_sources_orders_and_revocations(client):
    sign_in_web(client, ROOT)
    alice = user(ALICE)
    paid, free, granted = pack_row("paid"), pack_row("freebie", price=0), pack_row("gifted")
    bought = order(alice, paid, status="paid", public_id="ord_visible123")
    db.session.add(Entitlement(user_id=alice.id, pack_id=paid.id, source="purchase", order_id=bought.id))
    db.session.commit()
    grant(alice, free, source="free")
    revoked = grant(alice, granted, source="grant")
    revoked.revoked_at, revoked.revoke_reason = revoked.granted_at, "admin"
    db.session.commit()
    page = client.get(f"/admin/users/{ALICE}").get_data(as_text=True)
    assert response_ok(client.get(f"/admin/users/{ALICE}"))
    for text in ("purchase", "ord_visible123", "free", "grant", "(admin)", "Revoke…"):
        assert text in page
    assert page.count("Revoke…") == 2  # active rows only


def response_ok(response):
    return response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_unknown_and_malformed_user_pages(client):
    sign_in_web(client, ROOT)
    pack_row("hexes")
    page = client.get("/admin/users/@ghost:example.org")
    assert page.status_code == 200 and b"has not used Hexpack yet" in page.data and b"Grant" in page.data
    assert client.get("/admin/users/not-an-id").status_code == 404


def test_grant_then_revoke_with_confirmation_through_forms(client):
    csrf = sign_in_web(client, ROOT)
    pack_row("hexes")
    response = client.post("/admin/users/grant", data={"csrf_token": csrf, "user_id": ALICE, "pack": "hexes",
                                                       "reason": "contest prize"})
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/users/{ALICE}"
    assert b"Granted hexes to" in client.get(response.headers["Location"]).data
    assert _entitlement(ALICE, "hexes").revoked_at is None
    line = recent(action="entitlement.grant")[0]
    assert (line.actor, line.target, line.details) == (ROOT, f"user:{ALICE}",
                                                       {"pack": "hexes", "source": "grant", "note": "contest prize"})
    confirm = client.get(f"/admin/users/revoke?user_id={ALICE}&pack=hexes")
    assert confirm.status_code == 200 and b"Revoke Hexes?" in confirm.data
    assert _entitlement(ALICE, "hexes").revoked_at is None  # the GET only asks
    response = client.post("/admin/users/revoke", data={"csrf_token": csrf, "user_id": ALICE, "pack": "hexes"})
    assert response.status_code == 303
    assert b"Revoked hexes from" in client.get(response.headers["Location"]).data
    assert _entitlement(ALICE, "hexes").revoke_reason == "admin"
    line = recent(action="entitlement.revoke")[0]
    assert (line.actor, line.details) == (ROOT, {"pack": "hexes", "reason": "admin"})


def test_form_errors_flash_and_change_nothing(client):
    csrf = sign_in_web(client, ROOT)
    response = client.post("/admin/users/grant", data={"csrf_token": csrf, "user_id": ALICE, "pack": "nope"})
    assert response.status_code == 303
    assert b"No pack named" in client.get(response.headers["Location"]).data
    response = client.post("/admin/users/grant", data={"csrf_token": csrf, "user_id": "alice", "pack": "nope"})
    assert response.headers["Location"] == "/admin/users"
    assert b"Not a Matrix ID" in client.get("/admin/users").data
    assert recent() == []


def test_forms_need_csrf_and_an_admin(client):
    pack_row("hexes")
    anonymous = client.post("/admin/users/grant", data={"user_id": ALICE, "pack": "hexes"})
    assert anonymous.status_code in (302, 400)
    sign_in_web(client, ROOT)
    assert client.post("/admin/users/grant", data={"user_id": ALICE, "pack": "hexes"}).status_code == 400
    csrf = sign_in_web(client, "@bob:example.org")
    assert client.post("/admin/users/grant", data={"csrf_token": csrf, "user_id": ALICE,
                                                   "pack": "hexes"}).status_code == 403
    assert client.get("/admin/users").status_code == 403
    assert _entitlement(ALICE, "hexes") is None and recent() == []


def test_anonymous_pages_go_to_signin(client):
    response = client.get("/admin/users?q=x")
    assert response.status_code == 302 and response.headers["Location"].startswith("/signin?next=/admin/users")


# --- JSON ------------------------------------------------------------------------------------------
def test_api_grant_and_revoke_with_an_admin_bearer_token(client):
    root = signed_in_user(ROOT, kind="im")
    pack_row("hexes")
    body = {"user_id": ALICE, "pack": "hexes"}
    granted = client.post("/api/v1/admin/entitlements", json=body, headers=root.headers)
    assert granted.status_code == 200
    state = granted.get_json()
    assert state["changed"] is True
    assert state["entitlement"] | {"granted_at": None} == {
        "user_id": ALICE, "pack": "hexes", "active": True, "source": "grant", "order_id": None,
        "granted_at": None, "revoked_at": None, "revoke_reason": None}
    again = client.post("/api/v1/admin/entitlements", json=body, headers=root.headers).get_json()
    assert again["changed"] is False and again["entitlement"]["active"] is True
    revoked = client.delete("/api/v1/admin/entitlements", json=body, headers=root.headers)
    assert revoked.status_code == 200
    assert revoked.get_json()["entitlement"]["active"] is False
    assert revoked.get_json()["entitlement"]["revoke_reason"] == "admin"
    assert [line.action for line in recent(actor=ROOT)] == ["entitlement.revoke", "entitlement.grant"]


def test_api_revoke_of_a_purchase_shows_its_order(client):
    root = signed_in_user(ROOT, kind="widget")
    alice, paid = user(ALICE), pack_row("paid")
    bought = order(alice, paid, status="paid", public_id="ord_abc")
    db.session.add(Entitlement(user_id=alice.id, pack_id=paid.id, source="purchase", order_id=bought.id))
    db.session.commit()
    state = client.delete("/api/v1/admin/entitlements", json={"user_id": ALICE, "pack": "paid"},
                          headers=root.headers).get_json()["entitlement"]
    assert (state["source"], state["order_id"], state["active"]) == ("purchase", "ord_abc", False)


@pytest.mark.parametrize("method", ["post", "delete"])
def test_api_errors(client, method):
    root = signed_in_user(ROOT, kind="im")
    pack_row("hexes")
    call = getattr(client, method)
    unknown_pack = call("/api/v1/admin/entitlements", json={"user_id": ALICE, "pack": "nope"}, headers=root.headers)
    assert unknown_pack.status_code == 404 and unknown_pack.get_json()["errcode"] == "M_NOT_FOUND"
    for bad in ("alice", "@alice", "", None, 7, "@al ice:example.org"):
        malformed = call("/api/v1/admin/entitlements", json={"user_id": bad, "pack": "hexes"}, headers=root.headers)
        assert malformed.status_code == 400, bad
    missing_pack = call("/api/v1/admin/entitlements", json={"user_id": ALICE}, headers=root.headers)
    assert missing_pack.status_code == 400
    not_json = call("/api/v1/admin/entitlements", data="[", headers=root.headers, content_type="application/json")
    assert not_json.status_code == 400 and not_json.get_json()["errcode"] == "M_NOT_JSON"
    assert recent() == []


@pytest.mark.parametrize("method", ["post", "delete"])
def test_api_access_rules(client, method):
    pack_row("hexes")
    body = {"user_id": ALICE, "pack": "hexes"}
    call = getattr(client, method)
    assert call("/api/v1/admin/entitlements", json=body).status_code == 401
    bob = signed_in_user("@bob:example.org")
    forbidden = call("/api/v1/admin/entitlements", json=body, headers=bob.headers)
    assert forbidden.status_code == 403 and forbidden.get_json()["errcode"] == "M_FORBIDDEN"
    csrf = sign_in_web(client, ROOT)
    no_csrf = call("/api/v1/admin/entitlements", json=body)
    assert no_csrf.status_code == 400
    assert _entitlement(ALICE, "hexes") is None
    with_csrf = call("/api/v1/admin/entitlements", json=body, headers={"X-CSRFToken": csrf})
    assert with_csrf.status_code == 200


def test_cli_entitlements_list_shows_the_order_id(app, runner):
    alice, paid = user(ALICE), pack_row("paid")
    bought = order(alice, paid, status="paid", public_id="ord_cli_shown")
    db.session.add(Entitlement(user_id=alice.id, pack_id=paid.id, source="purchase", order_id=bought.id))
    db.session.commit()
    grant(alice, pack_row("other"))
    lines = runner.invoke(args=["entitlements", "list"]).output.splitlines()
    assert re.search(r"paid\s+purchase\s+ord_cli_shown\s+granted", lines[0] + lines[1])
    assert any(re.search(r"other\s+grant\s+-\s+granted", line) for line in lines)
