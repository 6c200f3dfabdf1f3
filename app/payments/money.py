"""Money for people: integer minor units to text."""

# ISO 4217 currencies Stripe treats as zero-decimal.
ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd",
                "vuv", "xaf", "xof", "xpf"}


def minor_unit_digits(currency: str) -> int:
    """How many decimals an amount in minor units has: 2 for usd (50 = 0.50), 0 for jpy."""
    return 0 if (currency or "").lower() in ZERO_DECIMAL else 2


def format_money(amount: int, currency: str) -> str:
    """1999, 'usd' -> '19.99 USD'; 500, 'jpy' -> '500 JPY'."""
    code = (currency or "").lower()
    if not minor_unit_digits(code):
        return f"{amount} {code.upper()}"
    return f"{amount // 100}.{amount % 100:02d} {code.upper()}"
