"""Minor units to text, with Stripe's decimal places per currency, and `packs list` using it."""
import pytest

from app.payments.money import format_money
from tests.factories import pack_row


# What Intl.NumberFormat("en", {style: "currency", currency}) gives in the picker (checked in node).
@pytest.mark.parametrize(("amount", "currency", "text"), [
    (1999, "usd", "$19.99"),
    (5, "eur", "€0.05"),
    (0, "gbp", "£0.00"),
    (500, "jpy", "¥500"),  # zero-decimal: the amount is whole yen
    (1200, "KRW", "₩1,200"),
    (300, "ugx", "UGX\u00a0300"),
    (5120, "kwd", "KWD\u00a05.120"),  # three-decimal: fils
    (1000, "bhd", "BHD\u00a01.000"),
    (10, "tnd", "TND\u00a00.010"),
    (123456789, "usd", "$1,234,567.89"),
    (-250, "usd", "-$2.50"),
    (250, "cad", "CA$2.50"),
    (250, "chf", "CHF\u00a02.50"),
])
def test_format_money_writes_amounts_as_the_picker_does(amount, currency, text):
    assert format_money(amount, currency) == text


def test_packs_list_formats_each_currency(app, runner):
    pack_row("yen", price=500, currency="jpy", position=1)
    pack_row("dinar", price=5120, currency="kwd", position=2)
    pack_row("dollar", price=250, currency="usd", position=3)
    lines = runner.invoke(args=["packs", "list"]).output.splitlines()
    assert "¥500" in lines[0] and "¥5.00" not in lines[0]
    assert "KWD\u00a05.120" in lines[1]
    assert "$2.50" in lines[2]
