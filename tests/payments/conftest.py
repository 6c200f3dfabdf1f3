"""Payments fixtures: the app pointed at the fake Stripe (tests/conftest.py), users and packs."""
from __future__ import annotations

import pytest

from app.auth.tokens import get_or_create_user, issue_token
from app.extensions import db
from tests.factories import pack_row

SECRET_KEY = "sk_test_hexpack_suite"


@pytest.fixture
def app_config(app_config, fake_stripe):
    """The app with Stripe configured against the fake (tests clear STRIPE_SECRET_KEY to turn it off)."""
    return {**app_config, **fake_stripe.app_settings(SECRET_KEY)}


class Buyer:
    def __init__(self, matrix_id: str):
        self.user = get_or_create_user(matrix_id)
        db.session.commit()
        self.token = issue_token(user=self.user, kind="widget")
        self.headers = {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def alice(app):
    return Buyer("@alice:example.org")


@pytest.fixture
def bob(app):
    return Buyer("@bob:example.org")


@pytest.fixture
def paid_pack(app):
    return pack_row("hexes", price=500)


@pytest.fixture
def free_pack(app):
    return pack_row("freebies", price=0)
