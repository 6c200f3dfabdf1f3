"""The app fixtures (test_database, app_config, app, client, runner); the others come from the
plugins below: servers (a real Synapse, the app over live HTTP), the fake Stripe, Chromium and the
widget host, and the shared users."""
from __future__ import annotations

import pytest

from app import create_app
from app.extensions import db
from app.caching import clear_caches
from tests.support.database import TestDatabase, empty_tables

pytest_plugins = [
    "tests.support.fixtures.servers",
    "tests.support.fixtures.stripe",
    "tests.support.fixtures.browser",
    "tests.support.fixtures.users",
]


@pytest.fixture(scope="session")
def test_database(tmp_path_factory):
    database = TestDatabase(str(tmp_path_factory.mktemp("db")))
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": database.url})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()  # the real migrations build the schema the tests run on
        db.engine.dispose()
    yield database
    database.drop()


@pytest.fixture
def app_config(test_database, tmp_path):
    """The test_config mapping; tests may change it before `app` is created."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": test_database.url,
        "MEDIA_CACHE_DIR": str(tmp_path / "media-cache"),
        "PUBLIC_URL": "http://127.0.0.1",
        "WTF_CSRF_ENABLED": True,
    }


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    with app.app_context():
        empty_tables()
        clear_caches(app)  # every app cache (app.caching): keys hold pack ids, which an empty database reuses
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
