"""Money for people: integer minor units to text, with the decimal places Stripe uses per currency.

Stripe's "Supported currencies" page: amounts are in the currency's smallest unit; zero-decimal
currencies are sent as whole units (500 JPY is 500), three-decimal ones in thousandths (5.120 KWD
is 5120). ISK, HUF and TWD are sent with two decimals for backwards compatibility, like most others.
"""

ZERO_DECIMAL = frozenset({"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx",
                          "vnd", "vuv", "xaf", "xof", "xpf"})
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})


def decimals(currency: str) -> int:
    code = (currency or "").lower()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def minor_unit_digits(currency: str) -> int:
    """How many decimals an amount in minor units has: 2 for usd (50 = 0.50), 0 for jpy, 3 for kwd."""
    return decimals(currency)


def format_money(amount: int, currency: str) -> str:
    """1999, 'usd' -> '19.99 USD'; 500, 'jpy' -> '500 JPY'; 5120, 'kwd' -> '5.120 KWD'."""
    places = decimals(currency)
    code = (currency or "").upper()
    sign, amount = ("-" if amount < 0 else ""), abs(int(amount))
    if places == 0:
        return f"{sign}{amount} {code}"
    unit = 10 ** places
    return f"{sign}{amount // unit}.{amount % unit:0{places}d} {code}"
