"""Sign out everywhere: every web session of the user on every device, and every token, end at once."""
from __future__ import annotations

import re

import pytest

from app.audit import recent
from tests.factories import signed_in_user
from tests.support.web import csrf_token, sign_in_web

ALICE = "@alice:example.org"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "BOT_DELIVER_AFTER_COMMIT": False}


def test_the_api_with_a_token_ends_a_second_browser_session_too(app, client):
    laptop, phone = app.test_client(), app.test_client()
    sign_in_web(laptop, ALICE)
    sign_in_web(phone, ALICE)
    widget, im = signed_in_user(ALICE), signed_in_user(ALICE, kind="im")
    bob_browser = app.test_client()
    sign_in_web(bob_browser, "@bob:example.org")
    assert client.post("/api/v1/me/logout-all", headers=widget.headers).status_code == 200
    for browser in (laptop, phone):
        assert browser.get("/api/v1/me").status_code == 401
    for token in (widget, im):
        assert client.get("/api/v1/me", headers=token.headers).status_code == 401
    assert bob_browser.get("/api/v1/me").get_json()["user_id"] == "@bob:example.org"
    line = recent(action="signin.logout_all")[0]
    assert (line.actor, line.target, line.details) == (ALICE, f"user:{ALICE}", {"tokens": 2})


def test_the_api_with_a_cookie_needs_the_csrf_header(app):
    browser, other = app.test_client(), app.test_client()
    csrf = sign_in_web(browser, ALICE)
    sign_in_web(other, ALICE)
    widget = signed_in_user(ALICE)
    assert browser.post("/api/v1/me/logout-all").status_code == 400
    assert other.get("/api/v1/me").status_code == 200
    assert browser.post("/api/v1/me/logout-all", headers={"X-CSRFToken": csrf}).status_code == 200
    assert browser.get("/api/v1/me").status_code == 401
    assert other.get("/api/v1/me").status_code == 401
    assert browser.get("/api/v1/me", headers=widget.headers).status_code == 401


def test_the_button_on_the_signin_page_signs_out_every_device(app):
    laptop, phone = app.test_client(), app.test_client()
    sign_in_web(laptop, ALICE)
    sign_in_web(phone, ALICE)
    widget = signed_in_user(ALICE)
    page = laptop.get("/signin").get_data(as_text=True)
    assert "You are signed in" in page and ALICE in page and "Sign out everywhere" in page
    assert laptop.post("/auth/logout-all").status_code == 400  # CSRF
    assert phone.get("/api/v1/me").status_code == 200
    csrf = re.search(r'action="/auth/logout-all"><input type="hidden" name="csrf_token" value="([^"]+)"', page).group(1)
    response = laptop.post("/auth/logout-all", data={"csrf_token": csrf})
    assert response.status_code == 303 and response.headers["Location"] == "/signin?signed_out=everywhere"
    assert b"signed out everywhere" in laptop.get(response.headers["Location"]).data
    for browser in (laptop, phone):
        assert browser.get("/api/v1/me").status_code == 401
    assert laptop.get("/api/v1/me", headers=widget.headers).status_code == 401


def test_signing_in_again_after_signing_out_everywhere_works(app, client):
    old = app.test_client()
    sign_in_web(old, ALICE)
    widget = signed_in_user(ALICE)
    client.post("/api/v1/me/logout-all", headers=widget.headers)
    sign_in_web(client, ALICE)  # a new session carries the new generation
    assert client.get("/api/v1/me").status_code == 200
    assert old.get("/api/v1/me").status_code == 401


def test_a_session_cookie_not_of_our_making_names_nobody(app, client):
    person = signed_in_user(ALICE).user
    for value in (f"{person.id}.x", "x.0", f"{person.id}.7", ""):
        with client.session_transaction() as session:
            session["_user_id"] = value
        assert client.get("/api/v1/me").status_code == 401, value


def test_anonymous_sign_out_everywhere_is_harmless(client):
    csrf = csrf_token(client)
    response = client.post("/auth/logout-all", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert client.post("/api/v1/me/logout-all").status_code == 401
    assert recent() == []


def test_a_cookie_from_before_generations_works_until_the_user_signs_out_everywhere(app, client):
    widget = signed_in_user(ALICE)
    with client.session_transaction() as session:
        session["_user_id"] = str(widget.user.id)  # as Flask-Login stored it before migration 0009
    assert client.get("/api/v1/me").get_json()["user_id"] == ALICE
    app.test_client().post("/api/v1/me/logout-all", headers=widget.headers)
    assert client.get("/api/v1/me").status_code == 401
