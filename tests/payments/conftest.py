"""Payments fixtures: the app pointed at the fake Stripe (tests/conftest.py) and packs; buyers are the
shared `alice` and `bob` (SignedInUser, widget tokens)."""
from __future__ import annotations

import pytest

from tests.factories import pack_row

SECRET_KEY = "sk_test_hexpack_suite"


@pytest.fixture
def app_config(app_config, fake_stripe):
    """The app with Stripe configured against the fake (tests clear STRIPE_SECRET_KEY to turn it off)."""
    return {**app_config, **fake_stripe.app_settings(SECRET_KEY)}


@pytest.fixture
def paid_pack(app):
    return pack_row("hexes", price=500)


@pytest.fixture
def free_pack(app):
    return pack_row("freebies", price=0)
