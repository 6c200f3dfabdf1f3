"""Minor units to text, with Stripe's decimal places per currency, and `packs list` using it."""
import pytest

from app.payments.money import format_money
from tests.factories import pack_row


@pytest.mark.parametrize(("amount", "currency", "text"), [
    (1999, "usd", "19.99 USD"),
    (5, "eur", "0.05 EUR"),
    (0, "gbp", "0.00 GBP"),
    (500, "jpy", "500 JPY"),  # zero-decimal: the amount is whole yen
    (1200, "KRW", "1200 KRW"),
    (300, "ugx", "300 UGX"),
    (5120, "kwd", "5.120 KWD"),  # three-decimal: fils
    (1000, "bhd", "1.000 BHD"),
    (10, "tnd", "0.010 TND"),
])
def test_format_money_uses_the_currency_s_decimals(amount, currency, text):
    assert format_money(amount, currency) == text


def test_packs_list_formats_each_currency(app, runner):
    pack_row("yen", price=500, currency="jpy", position=1)
    pack_row("dinar", price=5120, currency="kwd", position=2)
    pack_row("dollar", price=250, currency="usd", position=3)
    lines = runner.invoke(args=["packs", "list"]).output.splitlines()
    assert "500 JPY" in lines[0] and "5.00 JPY" not in lines[0]
    assert "5.120 KWD" in lines[1]
    assert "2.50 USD" in lines[2]
