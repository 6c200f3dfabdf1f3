"""/admin/audit and /api/v1/admin/audit: filters, newest first, cursor pagination, admins only, reads only."""
from __future__ import annotations

from app import audit
from app.transactions import transaction
from tests.admin.conftest import ROOT
from tests.factories import signed_in_user
from tests.support.web import sign_in_web


def _lines(count: int, **fields) -> None:
    with transaction():
        for number in range(count):
            audit.record(fields.get("actor", "system"), fields.get("action", "test.action"),
                         fields.get("target", f"user:@u{number}:example.org"), n=number)


def test_api_lists_newest_first_with_the_documented_fields(client):
    root = signed_in_user(ROOT, kind="im")
    _lines(3)
    body = client.get("/api/v1/admin/audit", headers=root.headers).get_json()
    assert [entry["details"]["n"] for entry in body["entries"]] == [2, 1, 0]
    assert set(body["entries"][0]) >= {"at", "actor", "action", "target", "details"}
    assert body["next_before"] is None


def test_api_filters_by_actor_action_and_target(client):
    root = signed_in_user(ROOT, kind="im")
    _lines(2, actor="stripe", action="order.paid")
    _lines(1, actor="cli:ops", action="entitlement.grant", target="user:@alice:example.org")
    get = lambda query: client.get(f"/api/v1/admin/audit?{query}", headers=root.headers).get_json()["entries"]
    assert len(get("actor=stripe")) == 2
    assert [e["actor"] for e in get("action=entitlement.grant")] == ["cli:ops"]
    assert [e["action"] for e in get("target=user:@alice:example.org")] == ["entitlement.grant"]
    assert get("actor=stripe&action=entitlement.grant") == []
    assert len(get("actor=&action=&target=")) == 3  # blank means any


def test_api_paginates_with_the_cursor_without_gaps_or_repeats(client):
    root = signed_in_user(ROOT, kind="im")
    _lines(7)
    seen, before = [], None
    while True:
        query = "limit=3" + (f"&before={before}" if before else "")
        body = client.get(f"/api/v1/admin/audit?{query}", headers=root.headers).get_json()
        seen += [entry["details"]["n"] for entry in body["entries"]]
        before = body["next_before"]
        if before is None:
            break
    assert seen == [6, 5, 4, 3, 2, 1, 0]
    for bad in ("limit=0", "limit=501", "limit=x", "before=abc"):
        response = client.get(f"/api/v1/admin/audit?{bad}", headers=root.headers)
        assert response.status_code == 400, bad


def test_api_access(client):
    assert client.get("/api/v1/admin/audit").status_code == 401
    bob = signed_in_user("@bob:example.org")
    assert client.get("/api/v1/admin/audit", headers=bob.headers).get_json()["errcode"] == "M_FORBIDDEN"
    sign_in_web(client, ROOT)  # a cookie session reads without CSRF (a GET)
    assert client.get("/api/v1/admin/audit").status_code == 200


def test_no_write_method_on_the_audit_api(client):
    root = signed_in_user(ROOT, kind="im")
    _lines(1)
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/api/v1/admin/audit", headers=root.headers).status_code == 405
    assert len(audit.recent()) == 1


def test_console_page_filters_paginates_and_empty_states(client):
    sign_in_web(client, ROOT)
    assert b"The audit log is empty" in client.get("/admin/audit").data
    _lines(60)
    _lines(1, actor="stripe", action="order.paid", target="order:ord_1")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert page.index("order:ord_1") < page.index("@u59:example.org")
    assert "@u10:example.org" not in page and "Older →" in page
    older = client.get("/admin/audit?before=" + page.split("before=")[1].split('"')[0].split("&")[0])
    assert b"@u10:example.org" in older.data and b"Older" not in older.data
    filtered = client.get("/admin/audit?actor=stripe").get_data(as_text=True)
    assert "order:ord_1" in filtered and "@u1:" not in filtered
    assert b"No audit line matches" in client.get("/admin/audit?action=nothing").data


def test_console_page_is_for_admins(client):
    assert client.get("/admin/audit").status_code == 302
    sign_in_web(client, "@bob:example.org")
    assert client.get("/admin/audit").status_code == 403
