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


# CLDR's "en" currency symbols, as the picker's Intl.NumberFormat("en", {style: "currency"}) shows
# them; other currencies show their code and a no-break space ("CHF 2.50"), as Intl does.
EN_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "krw": "₩", "inr": "₹", "ils": "₪", "vnd": "₫",
              "php": "₱", "cad": "CA$", "aud": "A$", "nzd": "NZ$", "hkd": "HK$", "twd": "NT$", "mxn": "MX$",
              "brl": "R$", "cny": "CN¥", "xaf": "FCFA"}


def format_money(amount: int, currency: str, locale: str = "en") -> str:
    """Minor units as the pages' locale writes them, the same text the picker's Intl.NumberFormat
    gives: 1999, 'usd' -> '$19.99'; 500, 'jpy' -> '¥500'; 5120, 'kwd' -> 'KWD 5.120'.
    Only "en" is known (every page is lang="en"); other locales get the same text."""
    places = decimals(currency)
    code = (currency or "").lower()
    prefix = EN_SYMBOLS.get(code, code.upper() + "\u00a0")
    sign, amount = ("-" if amount < 0 else ""), abs(int(amount))
    unit = 10 ** places
    number = f"{amount // unit:,}" + (f".{amount % unit:0{places}d}" if places else "")
    return f"{sign}{prefix}{number}"
