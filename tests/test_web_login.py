"""POST /api/v1/web-login: a one-time sign-in link for the Bearer token's user, as the bot would send."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from app.audit import recent
from tests.factories import signed_in_user
from tests.support.web import csrf_token

ALICE = "@alice:example.org"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "BOT_DELIVER_AFTER_COMMIT": False}


def web_login(client, person, body=None):
    return client.post("/api/v1/web-login", headers=person.headers, **({"json": body} if body is not None else {}))


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def confirm(browser, path: str):
    page = browser.get(path)
    assert page.status_code == 200
    next_field = re.search(rb'name="next" value="([^"]*)"', page.data)
    form = {"csrf_token": csrf_token(browser)}
    if next_field:
        form["next"] = next_field.group(1).decode()
    return browser.post(urlsplit(path).path, data=form)


@pytest.mark.parametrize("kind", ["im", "widget"])
def test_the_link_signs_the_tokens_user_in_once_after_the_confirm_page(app, client, kind):
    alice = signed_in_user(ALICE, kind=kind)
    response = web_login(client, alice)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    url = response.get_json()["url"]
    assert re.fullmatch(r"http://127\.0\.0\.1/auth/matrix/[A-Za-z0-9_.\-]+", url)
    browser = app.test_client()
    page = browser.get(path_of(url))
    assert page.status_code == 200 and ALICE.encode() in page.data
    assert browser.get("/api/v1/me").status_code == 401  # opening it signs nobody in
    signed_in = confirm(browser, path_of(url))
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/packs"
    assert browser.get("/api/v1/me").get_json()["user_id"] == ALICE
    again = app.test_client()
    assert again.get(path_of(url)).status_code == 410
    refused = again.post(path_of(url), data={"csrf_token": csrf_token(again)})
    assert refused.status_code == 410
    assert again.get("/api/v1/me").status_code == 401


def test_next_is_carried_to_the_confirm_page_and_followed(app, client):
    url = web_login(client, signed_in_user(ALICE, kind="im"), {"next": "/admin"}).get_json()["url"]
    assert url.endswith("?next=%2Fadmin")
    browser = app.test_client()
    assert confirm(browser, path_of(url)).headers["Location"] == "/admin"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:x", 7, ""])
def test_next_must_be_a_same_origin_path(client, target):
    response = web_login(client, signed_in_user(ALICE), {"next": target})
    assert response.status_code == 400 and response.get_json()["errcode"] == "M_INVALID_PARAM"
    assert recent(action="signin.link") == []


def test_the_link_is_for_the_tokens_user_only(app, client):
    bob = signed_in_user("@bob:example.org")
    response = web_login(client, bob, {"next": "/packs", "user_id": ALICE})  # user_id is not a parameter
    browser = app.test_client()
    confirm(browser, path_of(response.get_json()["url"]))
    assert browser.get("/api/v1/me").get_json()["user_id"] == "@bob:example.org"


def test_credentials_and_body_errors(client):
    assert client.post("/api/v1/web-login").status_code == 401
    bad = client.post("/api/v1/web-login", headers={"Authorization": "Bearer made-up"})
    assert bad.status_code == 401 and bad.get_json()["errcode"] == "M_UNKNOWN_TOKEN"
    alice = signed_in_user(ALICE)
    not_json = client.post("/api/v1/web-login", headers=alice.headers, data="[1]", content_type="application/json")
    assert not_json.status_code == 400 and not_json.get_json()["errcode"] == "M_NOT_JSON"


def test_a_web_session_cookie_alone_cannot_mint_links(app, client):
    from tests.support.web import sign_in_web

    csrf = sign_in_web(client, ALICE)
    response = client.post("/api/v1/web-login", headers={"X-CSRFToken": csrf})
    assert response.status_code == 401


def test_the_link_request_is_audited_without_the_token(client):
    alice = signed_in_user(ALICE, kind="im")
    url = web_login(client, alice).get_json()["url"]
    line = recent(action="signin.link")[0]
    assert (line.actor, line.target, line.details) == (ALICE, f"user:{ALICE}", {"via": "web-login"})
    assert url.rsplit("/", 1)[1] not in repr(line.details)


def test_links_are_rate_limited_per_token(app, client):
    app.config["RATELIMIT_WEB_LOGIN"] = "2 per minute"
    alice, bob = signed_in_user(ALICE), signed_in_user("@bob:example.org")
    answers = [web_login(client, alice) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[2].get_json()["errcode"] == "M_LIMIT_EXCEEDED"
    assert len(recent(action="signin.link")) == 2  # the refused one made no link
    assert web_login(client, bob).status_code == 200  # his own count
