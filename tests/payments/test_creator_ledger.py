"""The creator's ledger (GET /api/v1/studio/sales) and `flask payouts reconcile` against the fake."""
import pytest

from app.payments.creator_refund_services import refund_creator_sale
from tests.factories import signed_in_user
from tests.payments.connect_flows import creator_sale
from tests.payments.flows import order, post_event

ADMIN = "@root:example.org"


@pytest.fixture
def carol(app):
    return signed_in_user("@carol:example.org")


def _sell_refund_dispute(client, fake, alice, bob, carol):
    """Three sales of one pack: one refunded in part by the creator, one by goodwill, one disputed and won."""
    first = creator_sale(client, fake, alice, bob)
    refund_creator_sale(order_id=first, kind="creator", reason="broken", actor=ADMIN, amount=400)
    second = creator_sale(client, fake, alice, carol, slug="alices-too", price=999, currency="jpy")
    refund_creator_sale(order_id=second, kind="goodwill", reason="late", actor=ADMIN)
    return first, second


def test_ledger_per_pack_and_month_and_reconcile_clean(app, client, fake_stripe, alice, bob, carol):
    first, second = _sell_refund_dispute(client, fake_stripe, alice, bob, carol)
    sale = order(first)
    dispute = fake_stripe.create_dispute(sale.charge_id, deliver=False)
    post_event(client, fake_stripe, fake_stripe.events_of_type("charge.dispute.created")[-1])
    post_event(client, fake_stripe, fake_stripe.close_dispute(dispute["id"], status="won", deliver=False))
    body = client.get("/api/v1/studio/sales", headers=alice.headers).get_json()
    month = f"{sale.created_at:%Y-%m}"
    assert body["rows"] == [
        {"pack": {"slug": "alices", "name": "Alices"}, "month": month, "currency": "usd", "sales": 1,
         "gross": 1000, "fee": 90, "refunds": 400, "disputes": 0, "net": 510},
        {"pack": {"slug": "alices-too", "name": "Alices-Too"}, "month": month, "currency": "jpy", "sales": 1,
         "gross": 999, "fee": 150, "refunds": 0, "disputes": 0, "net": 849},
    ]
    transfer = fake_stripe.get(sale.transfer_id)
    restored = [t for t in fake_stripe.objects_of("transfer") if t["metadata"].get("dispute")]
    assert transfer["amount"] - transfer["amount_reversed"] + sum(t["amount"] for t in restored) == 510
    assert client.get("/api/v1/studio/sales", headers=bob.headers).get_json() == {"rows": [], "totals": []}
    result = app.test_cli_runner().invoke(args=["payouts", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "Ledger and Stripe agree." in result.output


def test_reconcile_prints_every_planted_mismatch(app, client, fake_stripe, alice, bob, carol):
    first, second = _sell_refund_dispute(client, fake_stripe, alice, bob, carol)
    sale, other = order(first), order(second)
    fake_stripe.tamper(other.application_fee_id, amount_refunded=50)  # a fee refunded behind our back
    account = sale.destination
    requests_before = len(fake_stripe.requests)
    # A reversal and an extra transfer made in the Dashboard, never in the ledger.
    from app.payments.connect_gateway import get_connect_gateway

    gateway = get_connect_gateway()
    gateway.reverse_transfer(sale.transfer_id, amount=10, idempotency_key="planted-1", metadata={})
    extra = gateway.transfer(amount=77, currency="usd", destination=account, idempotency_key="planted-2", metadata={})
    assert len(fake_stripe.requests) == requests_before + 2
    result = app.test_cli_runner().invoke(args=["payouts", "reconcile"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"order:{first}: transfer {sale.transfer_id} reversed: ledger 340, Stripe 350" in lines
    assert f"order:{second}: application fee {other.application_fee_id} refunded: ledger 0, Stripe 50" in lines
    assert f"transfer:{extra.id}: transfer to {account} not in the ledger: ledger None, Stripe 77" in lines
    assert lines[-1] == "3 mismatch(es)."
