"""The console's orders screens (list, detail, refund form), the overview's numbers, and `flask orders`."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from app.admin.overview_services import needs_attention, sales_summary
from tests.admin.conftest import ROOT
from tests.admin.orders_support import SECRET_KEY, audit_lines, entitlement, hexes, paid_order
from tests.factories import order as order_row
from tests.factories import pack_row
from tests.payments.flows import order
from tests.support.web import sign_in_web


@pytest.fixture
def app_config(app_config, fake_stripe):
    return {**app_config, **fake_stripe.app_settings(SECRET_KEY)}


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_the_list_filters_pages_and_says_when_nothing_matches(client, app, alice, bob, monkeypatch):
    from app.admin import orders_services

    sign_in_web(client, ROOT)
    assert "No orders yet." in text(client.get("/admin/orders"))
    pack = hexes()
    made = [order_row(alice.user, pack, status="paid").public_id for _ in range(3)]
    order_row(bob.user, pack, status="pending")
    monkeypatch.setattr(orders_services, "PAGE_SIZE", 2)
    page = client.get("/admin/orders?user=@alice:example.org")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert list(dict.fromkeys(re.findall(r"ord_[0-9a-f]{24}", html))) == made[::-1][:2]  # newest first
    assert re.search(r'href="/admin/orders.csv\?user=(%40|@)alice(%3A|:)example.org"', html)
    older = re.search(r'href="(/admin/orders\?[^"]*cursor=[^"]*)" rel="next"', html).group(1).replace("&amp;", "&")
    assert re.search(r"user=(%40|@)alice(%3A|:)example.org", older)  # the older page keeps the filters
    assert made[0] in client.get(older).get_data(as_text=True)
    assert "No orders match these filters." in text(client.get("/admin/orders?user=@nobody:example.org"))
    bad = client.get("/admin/orders?from=soon&refund=duplicate_failed")
    assert bad.status_code == 400 and "from must be a date" in text(bad)
    assert 'name="from" value="soon"' in bad.get_data(as_text=True)  # the form keeps what was typed


def test_refund_from_the_order_page(client, fake_stripe, alice):
    pack = hexes()
    public_id = paid_order(client, fake_stripe, alice)
    token = sign_in_web(client, ROOT)
    page = client.get(f"/admin/orders/{public_id}")
    shown = text(page)
    assert order(public_id).payment_intent_id in shown and order(public_id).charge_id in shown
    assert "Refund $5.00" in shown and "order.paid" in shown
    # Without the confirmation box nothing happens.
    unconfirmed = client.post(f"/admin/orders/{public_id}/refund", data={"csrf_token": token, "reason": "Asked <b>"})
    assert unconfirmed.status_code == 400 and "Tick “Yes, refund this order” to confirm" in text(unconfirmed)
    assert "Asked &lt;b&gt;</textarea>" in unconfirmed.get_data(as_text=True)  # what was typed is kept
    assert fake_stripe.requests_to("POST", "/v1/refunds") == []
    done = client.post(f"/admin/orders/{public_id}/refund",
                       data={"csrf_token": token, "reason": "Asked by email", "confirm": "yes"})
    assert done.status_code == 303 and done.headers["Location"] == f"/admin/orders/{public_id}"
    after = text(client.get(done.headers["Location"]))
    assert "Refunded through Stripe" in after and "“Asked by email”" in after
    assert "This order is already refunded." in after and "Refund $5.00" not in after
    assert order(public_id).status == "refunded" and entitlement(alice, pack).revoke_reason == "refunded"
    # A second post (the back button) is refused, with the reason, and refunds nothing more.
    again = client.post(f"/admin/orders/{public_id}/refund",
                        data={"csrf_token": token, "reason": "again", "confirm": "yes"})
    assert again.status_code == 409 and "Not refunded: This order is already refunded." in text(again)
    assert len(fake_stripe.objects_of("refund")) == 1


def test_a_refund_stripe_refuses_is_flashed_as_an_error(client, fake_stripe, alice):
    hexes()
    public_id = paid_order(client, fake_stripe, alice)
    token = sign_in_web(client, ROOT)
    fake_stripe.fail_next(400, "invalid_request_error", "No such payment_intent.", code="resource_missing_x",
                          path="/v1/refunds")
    done = client.post(f"/admin/orders/{public_id}/refund",
                       data={"csrf_token": token, "reason": "Typed with care", "confirm": "yes"})
    assert done.status_code == 502
    assert "Not refunded: Stripe refused the refund: No such payment_intent." in text(done)
    assert "Typed with care</textarea>" in done.get_data(as_text=True)
    assert order(public_id).status == "paid"


def test_overview_numbers(client, app, alice, bob):
    now = datetime.now(timezone.utc)
    usd, eur = hexes(), pack_row("dots", price=300, currency="eur")
    order_row(alice.user, usd, status="paid", created_at=now)
    order_row(bob.user, usd, status="refunded", amount_refunded=500, created_at=now - timedelta(days=2))
    order_row(bob.user, eur, status="disputed", created_at=now - timedelta(days=10))
    order_row(alice.user, eur, status="paid", created_at=now - timedelta(days=40))  # too old
    order_row(alice.user, usd, status="pending", created_at=now)  # not paid: no sale
    order_row(bob.user, usd, status="processing", created_at=now - timedelta(hours=2))  # stuck
    order_row(alice.user, eur, status="processing", created_at=now - timedelta(minutes=5))  # not yet
    order_row(bob.user, eur, status="paid", refund_reason="duplicate_failed", created_at=now - timedelta(days=1))
    windows = {w.label: [(s.currency, s.gross, s.refunds, s.count) for s in w.sales] for w in sales_summary(now)}
    assert windows["Today"] == [("usd", 500, 0, 1)]
    assert windows["Last 7 days"] == [("eur", 300, 0, 1), ("usd", 1000, 500, 2)]
    assert windows["Last 30 days"] == [("eur", 600, 0, 2), ("usd", 1000, 500, 2)]
    assert [(a.label, a.count) for a in needs_attention(now)] == [
        ("Stuck in processing", 1), ("Duplicate refunds Stripe refused", 1), ("Disputes", 1)]

    sign_in_web(client, ROOT)
    html = client.get("/admin").get_data(as_text=True)
    assert "€6.00" in html and "$10.00" in html and "$5.00" in html
    for link in re.findall(r'<a href="(/admin/orders\?[^"]+)"><strong class="attention-count">1', html):
        listed = client.get(link.replace("&amp;", "&"))
        assert listed.status_code == 200 and len(re.findall(r'<td><a href="/admin/orders/ord_', listed.text)) == 1
    assert len(re.findall(r'<strong class="attention-count">1</strong>', html)) == 3
    assert "Orders" in html and "Audit log" in html  # the cards stay


def test_overview_without_orders(client):
    sign_in_web(client, ROOT)
    html = client.get("/admin").get_data(as_text=True)
    assert html.count("No sales.") == 3 and html.count('<strong class="attention-count">0</strong>') == 3


def test_cli_list_show_refund(runner, client, fake_stripe, alice):
    pack = hexes()
    public_id = paid_order(client, fake_stripe, alice)
    listed = runner.invoke(args=["orders", "list", "--user", "@alice:example.org", "--status", "paid"])
    assert listed.exit_code == 0 and public_id in listed.output and "1 order(s)." in listed.output
    assert "No orders match." in runner.invoke(args=["orders", "list", "--pack", "nothing"]).output
    bad = runner.invoke(args=["orders", "list", "--since", "last week"])
    assert bad.exit_code == 1 and "since must be a date like 2026-12-01" in bad.output
    shown = runner.invoke(args=["orders", "show", public_id])
    assert shown.exit_code == 0 and order(public_id).payment_intent_id in shown.output
    assert "refundable       yes" in shown.output and "order.paid" in shown.output

    missing_reason = runner.invoke(args=["orders", "refund", public_id])
    assert missing_reason.exit_code == 2 and "--reason" in missing_reason.output
    refunded = runner.invoke(args=["orders", "refund", public_id, "--reason", "Asked on the phone"])
    assert refunded.exit_code == 0, refunded.output
    assert "Refunded" in refunded.output and "status refunded" in refunded.output
    actor = [actor for actor, action in audit_lines(public_id) if action == "order.refund_requested"]
    assert len(actor) == 1 and actor[0].startswith("cli:")
    assert entitlement(alice, pack).revoke_reason == "refunded"
    again = runner.invoke(args=["orders", "refund", public_id, "--reason", "again"])
    assert again.exit_code == 1 and "Error: This order is already refunded." in again.output
    unknown = runner.invoke(args=["orders", "show", "ord_nope"])
    assert unknown.exit_code == 1 and "There is no order 'ord_nope'" in unknown.output
    assert len(fake_stripe.objects_of("refund")) == 1
