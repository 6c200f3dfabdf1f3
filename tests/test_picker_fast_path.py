"""app.widget.fast_path: picker pages answered before Flask, with the bytes and headers Flask sent.

Each test counts the requests that reach Flask (the layer under the fast path), so it can tell
the two paths apart and compare their answers to the same request.
"""
from __future__ import annotations

import gzip
import time

import pytest
from sqlalchemy import create_engine, text

from app.admin.packs_services import delete_pack, update_pack
from app.extensions import db
from app.auth.tokens import RECHECK_SECONDS, revoke_token
from app.library.services import add_to_picker
from app.packs.catalogue import KEYS_TTL
from app.widget.fast_path import CachedPickerPages
from tests.factories import imported_pack, signed_in_user

PICKER = "/api/widgets/stickerpicker"


class FlaskCalls:
    """Put under the app's CachedPickerPages: counts what it passes on to Flask."""

    def __init__(self, app):
        layer = app.wsgi_app
        while not isinstance(layer, CachedPickerPages):
            layer = layer.wsgi_app
        self.inner, self.count = layer.wsgi_app, 0
        layer.wsgi_app = self

    def __call__(self, environ, start_response):
        self.count += 1
        return self.inner(environ, start_response)


@pytest.fixture
def flask_calls(app):
    return FlaskCalls(app)


@pytest.fixture
def packs(app, tmp_path):
    imported_pack(tmp_path / "blobs", "blobs", count=3, colour=(200, 40, 40))
    imported_pack(tmp_path / "cats", "cats", count=2, colour=(40, 200, 40))


def through_both(client, flask_calls, method: str, url: str, **headers):
    """The same request answered by Flask, then by the fast path."""
    before = flask_calls.count
    by_flask = client.open(url, method=method, headers=headers)
    assert flask_calls.count == before + 1
    fast = client.open(url, method=method, headers=headers)
    assert flask_calls.count == before + 1, "the second request reached Flask"
    return by_flask, fast


def assert_same(by_flask, fast) -> None:
    assert fast.status == by_flask.status
    assert fast.data == by_flask.data
    assert list(fast.headers.items()) == list(by_flask.headers.items())


ANONYMOUS_REQUESTS = [
    ("GET", PICKER, {"Accept-Encoding": "gzip, deflate, br"}),
    ("GET", PICKER, {}),
    ("HEAD", PICKER + "?theme=dark", {"Accept-Encoding": "gzip"}),
    ("GET", PICKER + "?org.matrix.msc2873.client_theme=light-high-contrast&widgetId=w1&parentUrl=https%3A%2F%2Fapp",
     {"Accept-Encoding": "gzip"}),
    ("GET", PICKER + "?theme=dark&scalar_token=", {}),  # an empty token is no token, as in the view
]


@pytest.mark.parametrize("method, url, headers", ANONYMOUS_REQUESTS)
def test_anonymous_answers_match_flasks_bytes_and_headers(client, flask_calls, packs, method, url, headers):
    by_flask, fast = through_both(client, flask_calls, method, url, **headers)

    assert by_flask.status_code == 200 and by_flask.headers["Cache-Control"] == "public, no-cache"
    assert "frame-ancestors" in by_flask.headers["Content-Security-Policy"]
    assert_same(by_flask, fast)
    etag = by_flask.headers["ETag"]
    assert_same(*through_both(client, flask_calls, "GET", url, **headers, **{"If-None-Match": etag}))


def test_https_deployments_get_hsts_on_fast_answers_too(app_config, packs):
    from app import create_app

    app = create_app(dict(app_config, PUBLIC_URL="https://hexpack.example.org"))
    by_flask, fast = through_both(app.test_client(), FlaskCalls(app), "GET", PICKER)
    assert "Strict-Transport-Security" in fast.headers
    assert_same(by_flask, fast)
    with app.app_context():
        db.engine.dispose()


def test_personal_answers_match_flasks_and_stay_private(app, client, flask_calls, packs):
    person = signed_in_user(kind="im")
    add_to_picker(user=person.user, slug="cats")
    url = f"{PICKER}?scalar_token={person.token}"

    by_flask, fast = through_both(client, flask_calls, "GET", url, **{"Accept-Encoding": "gzip"})

    assert by_flask.headers["Cache-Control"] == "private, no-cache"
    assert b'data-identified="true"' in gzip.decompress(fast.data)
    assert_same(by_flask, fast)
    bearer = {"Authorization": f"Bearer {person.token}", "If-None-Match": by_flask.headers["ETag"]}
    assert_same(*through_both(client, flask_calls, "GET", PICKER, **bearer))


def test_a_session_cookie_always_goes_to_flask(app, client, flask_calls, packs):
    client.get(PICKER)
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], "anything")
    before = flask_calls.count
    for _ in range(3):
        assert client.get(PICKER).status_code == 200
    assert flask_calls.count == before + 3


def test_a_revoked_token_gets_the_anonymous_page_at_once_from_this_process(client, flask_calls, packs):
    person = signed_in_user(kind="im")
    url = f"{PICKER}?scalar_token={person.token}"
    through_both(client, flask_calls, "GET", url)

    revoke_token(person.token)

    page = client.get(url)
    assert page.headers["Cache-Control"] == "public, no-cache"


def test_a_token_revoked_by_another_process_stops_within_the_recheck_interval(app, client, flask_calls, packs):
    person = signed_in_user(kind="im")
    url = f"{PICKER}?scalar_token={person.token}"
    through_both(client, flask_calls, "GET", url)
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])  # another worker signs the user out
    with other.begin() as connection:
        connection.execute(text("UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP"))
    other.dispose()
    time.sleep(RECHECK_SECONDS + 0.05)

    assert client.get(url).headers["Cache-Control"] == "public, no-cache"


def test_a_hidden_or_deleted_pack_leaves_the_fast_answer_at_once(client, flask_calls, packs):
    through_both(client, flask_calls, "GET", PICKER)

    update_pack("cats", actor="@admin:example.org", status="hidden")
    hidden = client.get(PICKER).get_data(as_text=True)
    delete_pack("blobs", actor="@admin:example.org")
    deleted = client.get(PICKER).get_data(as_text=True)

    assert 'data-pack="blobs"' in hidden and 'data-pack="cats"' not in hidden
    assert 'data-pack="blobs"' not in deleted


def test_a_pack_hidden_by_another_process_leaves_the_fast_answer_within_a_second(app, client, flask_calls, packs):
    through_both(client, flask_calls, "GET", PICKER)
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.begin() as connection:
        connection.execute(text("UPDATE packs SET status = 'hidden' WHERE slug = 'cats'"))
    other.dispose()
    time.sleep(KEYS_TTL + 0.05)

    assert 'data-pack="cats"' not in client.get(PICKER).get_data(as_text=True)


def test_the_signed_in_picker_answers_a_database_outage_with_a_503(app_config, tmp_path):
    from app import create_app, outage

    folder, away = tmp_path / "db", tmp_path / "db-away"
    folder.mkdir()
    app = create_app({**app_config, "DATABASE_URL": f"sqlite:///{folder}/hexpack.sqlite3"})
    with app.app_context():
        db.create_all()
        imported_pack(tmp_path / "cats", "cats", count=2)
        person = signed_in_user(kind="im")
        client, url = app.test_client(), f"{PICKER}?scalar_token={person.token}"
        through_both(client, FlaskCalls(app), "GET", url)  # cached, and the token known live
        db.session.remove()
        db.engine.dispose()
        folder.rename(away)

        within_recheck = client.get(url)  # the token is trusted: the contents query meets the outage
        time.sleep(RECHECK_SECONDS + 0.05)
        after_recheck = client.get(url)  # the token query meets it

        for response in (within_recheck, after_recheck):
            assert response.status_code == 503
            assert response.headers["Retry-After"] == str(outage.RETRY_AFTER_SECONDS)
        away.rename(folder)
        assert client.get(url).status_code == 200
        db.session.remove()
        db.engine.dispose()


def test_an_answer_that_set_a_cookie_is_never_repeated(app, client, flask_calls, packs):
    @app.after_request
    def set_cookie(response):  # any hook that ever sets one on the picker
        response.set_cookie("seen", "1")
        return response

    first = client.get(PICKER)
    second = client.get(PICKER)
    assert "seen=1" in first.headers["Set-Cookie"]
    assert flask_calls.count == 2  # both through Flask: no cookie is handed on
    assert second.status_code == 200
