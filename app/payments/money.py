"""Money for people: integer minor units to text."""

# ISO 4217 currencies Stripe treats as zero-decimal.
ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd",
                "vuv", "xaf", "xof", "xpf"}


def format_money(amount: int, currency: str) -> str:
    """1999, 'usd' -> '19.99 USD'; 500, 'jpy' -> '500 JPY'."""
    code = (currency or "").lower()
    if code in ZERO_DECIMAL:
        return f"{amount} {code.upper()}"
    return f"{amount // 100}.{amount % 100:02d} {code.upper()}"
