"""What a pack may cost: 0 (free), or between Stripe's smallest charge in its currency and MAX_PRICE.

This is the rule for the operator's packs (manifests, the admin console); a creator's price in the
studio is also capped by the MAX_PRICE setting (app/studio/rules.py), far lower by default.

Amounts are integer minor units (50 = $0.50). Stripe refuses a Checkout below its minimum charge,
which differs per currency (its "Minimum and maximum charge amounts" table); currencies it does
not list here get the common 50.
"""
from __future__ import annotations

MAX_PRICE = 100_000_00  # minor units, in any currency: far above any sticker pack, below Stripe's cap
DEFAULT_MINIMUM = 50
MINIMUM_CHARGE = {"usd": 50, "aed": 200, "aud": 50, "bgn": 100, "brl": 50, "cad": 50, "chf": 50, "czk": 1500,
                  "dkk": 250, "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500, "inr": 50, "jpy": 50, "mxn": 1000,
                  "myr": 200, "nok": 300, "nzd": 50, "pln": 200, "ron": 200, "sek": 300, "sgd": 50, "thb": 1000}


def minimum_charge(currency: str) -> int:
    return MINIMUM_CHARGE.get((currency or "").lower(), DEFAULT_MINIMUM)


def price_problem(amount, currency: str) -> str | None:
    """Why `amount` (minor units) cannot be a pack's price in `currency`; None when it can."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0 or amount > MAX_PRICE:
        return f"The price must be a whole number of minor units from 0 (free) to {MAX_PRICE} (50 = $0.50)."
    minimum = minimum_charge(currency)
    if 0 < amount < minimum:
        return (f"Stripe's smallest charge is {minimum} minor units in {(currency or '').upper()}; "
                "use 0 for a free pack.")
    return None
