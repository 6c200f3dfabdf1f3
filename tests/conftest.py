"""Shared fixtures: app, client, runner, a real Synapse, a live HTTP server, the fake Stripe."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.caching import clear_caches
from tests.support.database import TestDatabase
from tests.support.fake_stripe import FakeStripe
from tests.support.net import free_port
from tests.support.synapse import SynapseServer


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


def _empty_tables() -> None:
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(text(f'DELETE FROM "{table}"'))
    db.session.commit()


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
        _empty_tables()
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


@pytest.fixture(scope="session")
def synapse(tmp_path_factory):
    server = SynapseServer(str(tmp_path_factory.mktemp("synapse")))
    server.start()
    yield server
    server.stop()


class LiveServer:
    def __init__(self, app):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = make_server("127.0.0.1", self.port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()


@pytest.fixture
def live_server(app):
    """The test app over real HTTP on 127.0.0.1 (for browsers and the fake Stripe's webhooks)."""
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture
def fake_stripe():
    """A fake Stripe API and hosted Checkout on 127.0.0.1 (tests/support/fake_stripe.py)."""
    fake = FakeStripe().start()
    yield fake
    fake.stop()


@pytest.fixture
def stripe_live(app, live_server, fake_stripe):
    """The app over HTTP, with the fake sending its webhooks there and Checkout returning there.
    Point the app at the fake with `fake_stripe.app_settings()` in `app_config`."""
    fake_stripe.webhook_url = live_server.url + "/stripe/webhook"
    app.config["PUBLIC_URL"] = live_server.url
    return live_server


# Browser fixtures (Playwright + Debian's Chromium) and the widget host page.
from tests.support.browser import browser_page, chromium, widget_host  # noqa: E402,F401
