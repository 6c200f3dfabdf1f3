"""GET /api/v1/admin/orders (filters, newest first, keyset pages) and /orders/<id> (Stripe ids, history);
who may use every admin orders route; the CSV export."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import User
from tests.admin.conftest import ROOT
from tests.admin.orders_support import SECRET_KEY, admin_headers, hexes, paid_order, set_created, utc
from tests.factories import order as order_row
from tests.factories import pack_row, signed_in_user
from tests.factories import user as make_user
from tests.support.web import sign_in_web


@pytest.fixture
def app_config(app_config, fake_stripe):
    return {**app_config, **fake_stripe.app_settings(SECRET_KEY)}


@pytest.fixture
def catalogue(app, alice, bob):
    """Five orders over three days: alice's hexes (paid, refunded), bob's hexes and dots, one pending."""
    hex_pack, dots = hexes(), pack_row("dots", price=300, currency="eur")
    rows = [
        order_row(alice.user, hex_pack, status="paid", created_at=utc(2026, 11, 1, 10)),
        order_row(bob.user, hex_pack, status="paid", created_at=utc(2026, 11, 2, 10)),
        order_row(alice.user, hex_pack, status="refunded", amount_refunded=500, refund_reason="admin",
                  created_at=utc(2026, 11, 2, 12)),
        order_row(bob.user, dots, status="disputed", created_at=utc(2026, 11, 3, 9)),
        order_row(bob.user, dots, status="pending", created_at=utc(2026, 11, 3, 23, 59)),
    ]
    return [row.public_id for row in rows]


def listed(client, **args) -> dict:
    response = client.get("/api/v1/admin/orders", query_string=args, headers=admin_headers())
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def ids(body: dict) -> list[str]:
    return [row["order_id"] for row in body["orders"]]


def test_orders_newest_first_with_their_fields(client, catalogue):
    body = listed(client)
    assert ids(body) == catalogue[::-1] and "next" not in body
    refunded = body["orders"][2]
    assert refunded == {"order_id": catalogue[2], "user": "@alice:example.org", "pack": "hexes", "amount": 500,
                        "currency": "usd", "amount_display": "$5.00", "status": "refunded",
                        "created_at": "2026-11-02T12:00:00Z",
                        "refund": {"amount_refunded": 500, "reason": "admin"}}


@pytest.mark.parametrize("args, expected", [
    ({"user": "@alice:example.org"}, [2, 0]),
    ({"user": "@nobody:example.org"}, []),
    ({"pack": "dots"}, [4, 3]),
    ({"pack": "hexes", "user": "@bob:example.org"}, [1]),
    ({"status": "paid"}, [1, 0]),
    ({"refund": "admin"}, [2]),
    ({"since": "2026-11-02"}, [4, 3, 2, 1]),
    ({"until": "2026-11-02T12:00:00Z"}, [1, 0]),
    ({"since": "2026-11-02T11:00:00+01:00", "until": "2026-11-03"}, [2, 1]),
    ({"from": "2026-11-03", "to": "2026-11-03"}, [4, 3]),  # the console's dates: `to` is included
])
def test_filters(client, catalogue, args, expected):
    assert ids(listed(client, **args)) == [catalogue[index] for index in expected]


def test_pages_follow_the_cursor_to_the_end(client, catalogue):
    first = listed(client, limit=2)
    second = listed(client, limit=2, cursor=first["next"])
    last = listed(client, limit=2, cursor=second["next"])
    assert ids(first) + ids(second) + ids(last) == catalogue[::-1]
    assert "next" not in last
    # A new order meanwhile shifts nothing on the later pages.
    assert ids(listed(client, limit=2, cursor=first["next"], status="")) == ids(second)


@pytest.mark.parametrize("args, words", [
    ({"status": "lost"}, "status must be one of"), ({"since": "yesterday"}, "since must be a date"),
    ({"cursor": "abc"}, "cursor must be"), ({"limit": "0"}, "limit must be"), ({"limit": "501"}, "limit must be"),
    ({"refund": "x"}, "refund must be one of"),
])
def test_bad_filters_are_400_with_the_reason(client, catalogue, args, words):
    response = client.get("/api/v1/admin/orders", query_string=args, headers=admin_headers())
    assert response.status_code == 400
    assert response.get_json()["errcode"] == "M_INVALID_PARAM" and words in response.get_json()["error"]


def test_detail_has_the_stripe_ids_and_the_history(client, fake_stripe, alice, app):
    hexes()
    public_id = paid_order(client, fake_stripe, alice)
    detail = client.get(f"/api/v1/admin/orders/{public_id}", headers=admin_headers()).get_json()
    session = next(s for s in fake_stripe.sessions() if s["client_reference_id"] == public_id)
    intent = fake_stripe.get(session["payment_intent"])
    charge = fake_stripe.get(intent["latest_charge"])
    assert detail["stripe"] == {"checkout_session": session["id"], "payment_intent": intent["id"],
                                "charge": charge["id"], "receipt_url": charge["receipt_url"]}
    assert (detail["status"], detail["refundable"], detail["not_refundable_because"]) == ("paid", True, None)
    [paid] = detail["history"]
    completed = fake_stripe.events_of_type("checkout.session.completed")[0]
    assert (paid["actor"], paid["action"]) == ("stripe", "order.paid")
    assert paid["details"]["stripe_event"] == completed["id"]
    missing = client.get("/api/v1/admin/orders/ord_missing", headers=admin_headers())
    assert missing.status_code == 404 and "ord_missing" in missing.get_json()["error"]


ROUTES = [("GET", "/api/v1/admin/orders"), ("GET", "/api/v1/admin/orders/{id}"),
          ("POST", "/api/v1/admin/orders/{id}/refund")]


@pytest.mark.parametrize("method, path", ROUTES)
def test_api_routes_refuse_anonymous_and_non_admins(client, catalogue, fake_stripe, method, path):
    url = path.format(id=catalogue[0])
    body = {"json": {"reason": "test"}} if method == "POST" else {}
    anonymous = client.open(url, method=method, **body)
    assert anonymous.status_code == 401 and anonymous.get_json()["errcode"] == "M_MISSING_TOKEN"
    bearer = client.open(url, method=method, headers=signed_in_user("@bob:example.org").headers, **body)
    assert bearer.status_code == 403 and bearer.get_json()["errcode"] == "M_FORBIDDEN"
    token = sign_in_web(client, "@bob:example.org")
    if method == "POST":  # a cookie without the CSRF token is refused before anything else
        assert client.open(url, method=method, **body).status_code == 400
    cookie = client.open(url, method=method, headers={"X-CSRFToken": token}, **body)
    assert cookie.status_code == 403 and cookie.get_json()["errcode"] == "M_FORBIDDEN"
    assert fake_stripe.requests_to("POST", "/v1/refunds") == []


def test_an_admin_cookie_session_needs_the_csrf_token_to_refund(client, fake_stripe, alice):
    hexes()
    public_id = paid_order(client, fake_stripe, alice)
    token = sign_in_web(client, ROOT)
    assert client.get("/api/v1/admin/orders").status_code == 200  # reading needs none
    assert client.get(f"/api/v1/admin/orders/{public_id}").status_code == 200
    refused = client.post(f"/api/v1/admin/orders/{public_id}/refund", json={"reason": "test"})
    assert refused.status_code == 400
    assert fake_stripe.requests_to("POST", "/v1/refunds") == []
    done = client.post(f"/api/v1/admin/orders/{public_id}/refund", json={"reason": "test"},
                       headers={"X-CSRFToken": token})
    assert done.status_code == 200 and done.get_json()["order"]["status"] == "refunded"


@pytest.mark.parametrize("path", ["/admin/orders", "/admin/orders/{id}", "/admin/orders.csv"])
def test_console_pages_send_anonymous_to_signin_and_refuse_non_admins(client, catalogue, path):
    url = path.format(id=catalogue[0])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/signin?next=")
    sign_in_web(client, "@bob:example.org")
    assert client.get(url).status_code == 403


def test_the_refund_form_refuses_non_admins_and_a_missing_csrf_token(client, fake_stripe, alice):
    hexes()
    public_id = paid_order(client, fake_stripe, alice)
    url = f"/admin/orders/{public_id}/refund"
    form = {"reason": "test", "confirm": "yes"}
    assert client.post(url, data=form).status_code in (302, 400)  # anonymous: no session, no token
    bob_token = sign_in_web(client, "@bob:example.org")
    assert client.post(url, data={**form, "csrf_token": bob_token}).status_code == 403
    sign_in_web(client, ROOT)
    assert client.post(url, data=form).status_code == 400  # no CSRF token
    assert fake_stripe.requests_to("POST", "/v1/refunds") == []


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_csv_export_of_the_filtered_orders(client, catalogue):
    sign_in_web(client, ROOT)
    response = client.get("/admin/orders.csv?user=@bob:example.org")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="hexpack-orders-')
    assert response.headers["Cache-Control"] == "no-store"
    header, *rows = csv_rows(response)
    assert header == ["order_id", "created_at", "user", "pack", "status", "amount", "currency", "amount_refunded",
                      "refund_reason", "checkout_session", "payment_intent", "charge"]
    assert [row[0] for row in rows] == [catalogue[4], catalogue[3], catalogue[1]]
    # Matrix IDs start with "@", which a spreadsheet would read as a formula: quoted.
    assert rows[0][1:9] == ["2026-11-03T23:59:00Z", "'@bob:example.org", "dots", "pending", "3.00", "eur", "0.00", ""]
    assert client.get("/admin/orders.csv?status=nope").status_code == 400


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(client, app):
    sign_in_web(client, ROOT)
    evil = User(matrix_id="=HYPERLINK(\"http://evil.example\")")
    db.session.add(evil)
    db.session.commit()
    for slug in ("+sum", "-minus", "\tTab", "plain"):
        order_row(evil, pack_row(slug, price=100), status="paid")
    _header, *rows = csv_rows(client.get("/admin/orders.csv"))
    assert {row[1 + 2] for row in rows} == {"'+sum", "'-minus", "'\tTab", "plain"}
    assert {row[2] for row in rows} == {"'=HYPERLINK(\"http://evil.example\")"}


def test_csv_streams_every_order_beyond_one_batch(client, app, monkeypatch):
    from app.admin import orders_services

    monkeypatch.setattr(orders_services, "EXPORT_BATCH", 3)  # 8 orders: batches of 3, 3 and 2
    sign_in_web(client, ROOT)
    buyer, pack = make_user("@many:example.org"), hexes()
    made = [order_row(buyer, pack, status="paid").public_id for _ in range(8)]
    response = client.get("/admin/orders.csv", buffered=False)
    assert response.is_streamed
    _header, *rows = csv_rows(response)
    assert [row[0] for row in rows] == made[::-1]


def test_dates_are_utc_whatever_the_offset_given(client, catalogue):
    moment = utc(2026, 11, 2, 12) - timedelta(minutes=1)
    assert ids(listed(client, since=moment.isoformat())) == catalogue[:1:-1]
    set_created(catalogue[0], utc(2026, 11, 5))
    assert ids(listed(client, since="2026-11-04")) == [catalogue[0]]
