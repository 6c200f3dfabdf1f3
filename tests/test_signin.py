"""Sign in with Matrix on the web: one-time links sent by the bot, the Flask-Login session, /api/v1/me."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from app.bot.services import deliver_due
from app.extensions import db
from app.models import BotMessage, SigninLink
from tests.factories import signed_in_user

LINK = re.compile(r"http://127\.0\.0\.1/auth/matrix/([A-Za-z0-9_.\-]+)")


@pytest.fixture
def app_config(app_config):
    return {**app_config, "BOT_DELIVER_AFTER_COMMIT": False, "ADMIN_MATRIX_IDS": " @root:example.org, @ops:example.org"}


def csrf_of(page: bytes) -> str:
    return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()


def queued_for(matrix_id: str) -> list[BotMessage]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(BotMessage).where(BotMessage.recipient == matrix_id)))


def request_link(client, matrix_id: str) -> str:
    """Ask for a link by JSON; the token from the queued bot message."""
    response = client.post("/auth/matrix", json={"user_id": matrix_id})
    assert response.status_code == 202, response.get_data(as_text=True)
    return LINK.search(queued_for(matrix_id)[-1].body).group(1)


def confirm(client, token: str, **form):
    client.get(f"/auth/matrix/{token}")
    return client.post(f"/auth/matrix/{token}", data={"csrf_token": csrf_of(client.get("/signin").data), **form})


@pytest.mark.parametrize("user_id", ["alice", "@alice", "@alice:", "alice:example.org", "@ali ce:example.org",
                                     "@alice:example.org\n", "@alice:exa mple.org", "@:example.org", "",
                                     "@alice:example.org/path", "@" + "a" * 250 + ":example.org", None, 7])
def test_a_malformed_matrix_id_is_a_400_and_queues_nothing(client, user_id):
    response = client.post("/auth/matrix", json={"user_id": user_id})
    assert response.status_code == 400
    assert response.get_json()["errcode"] == "M_INVALID_PARAM"
    assert db.session.scalar(db.select(db.func.count()).select_from(BotMessage)) == 0


def test_an_unknown_user_gets_a_202_and_a_message_that_says_what_it_is(client):
    response = client.post("/auth/matrix", json={"user_id": "@nobody:example.org"})
    assert response.status_code == 202
    [message] = queued_for("@nobody:example.org")
    assert "Sign-in link for Hexpack" in message.body and "ignore" in message.body
    assert LINK.search(message.body) and "<a href=" in message.html
    [link] = db.session.scalars(db.select(SigninLink))
    assert link.matrix_id == "@nobody:example.org" and link.used_at is None
    assert LINK.search(message.body).group(1) not in link.nonce_hash  # only a hash is kept


def test_the_signin_form_needs_its_csrf_token_and_rerenders_errors(client):
    assert client.post("/auth/matrix", data={"user_id": "@alice:example.org"}).status_code == 400
    assert queued_for("@alice:example.org") == []
    page = client.get("/signin?next=//evil.example")
    assert page.status_code == 200 and b"//evil.example" not in page.data
    bad = client.post("/auth/matrix", data={"user_id": "alice", "csrf_token": csrf_of(page.data)})
    assert bad.status_code == 400 and b'aria-invalid="true"' in bad.data
    sent = client.post("/auth/matrix", data={"user_id": "@alice:example.org", "csrf_token": csrf_of(page.data)})
    assert sent.status_code == 202 and b"Check your Matrix messages" in sent.data
    assert len(queued_for("@alice:example.org")) == 1


def test_opening_the_link_twice_does_not_use_it_and_one_post_signs_in_once(client):
    token = request_link(client, "@alice:example.org")
    for _ in range(2):
        page = client.get(f"/auth/matrix/{token}")
        assert page.status_code == 200 and b"Sign in to Hexpack as @alice:example.org?" in page.data
    assert client.get("/api/v1/me").status_code == 401
    signed_in = client.post(f"/auth/matrix/{token}", data={"csrf_token": csrf_of(page.data)})
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/packs"
    assert client.get("/api/v1/me").get_json()["user_id"] == "@alice:example.org"
    again = client.post(f"/auth/matrix/{token}", data={"csrf_token": csrf_of(page.data)})
    assert again.status_code == 410 and b"already used" in again.data
    stranger = client.application.test_client()
    page = stranger.get(f"/auth/matrix/{token}")
    assert page.status_code == 410
    assert stranger.post(f"/auth/matrix/{token}", data={"csrf_token": csrf_of(client.get("/signin").data)}) \
        .status_code in (400, 410)
    assert stranger.get("/api/v1/me").status_code == 401


def test_the_confirmation_needs_the_csrf_token(client):
    token = request_link(client, "@alice:example.org")
    client.get(f"/auth/matrix/{token}")
    assert client.post(f"/auth/matrix/{token}").status_code == 400
    assert client.get(f"/auth/matrix/{token}").status_code == 200  # still usable
    assert client.get("/api/v1/me").status_code == 401


def test_an_expired_link_signs_nobody_in(app, client):
    app.config["SIGNIN_LINK_SECONDS"] = -1  # every link is already past its max_age
    token = request_link(client, "@alice:example.org")
    response = confirm(client, token)
    assert response.status_code == 410 and b"expired" in response.data
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("tamper", [lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
                                    lambda t: "x" + t, lambda t: "nonsense"])
def test_a_tampered_link_signs_nobody_in(client, tamper):
    token = tamper(request_link(client, "@alice:example.org"))
    assert client.get(f"/auth/matrix/{token}").status_code == 400
    response = client.post(f"/auth/matrix/{token}", data={"csrf_token": csrf_of(client.get("/signin").data)})
    assert response.status_code == 400 and b"not valid" in response.data
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("target, expected", [("/packs/blobs?x=1", "/packs/blobs?x=1"), ("//evil.example", "/packs"),
                                              ("https://evil.example/", "/packs"), ("/\\evil.example", "/packs"),
                                              ("\\\\evil.example", "/packs"), ("/%0d%0aX", "/%0d%0aX"),
                                              ("javascript:alert(1)", "/packs")])
def test_only_a_same_origin_next_is_followed(client, target, expected):
    token = request_link(client, "@alice:example.org")
    response = confirm(client, token, next=target)
    assert response.status_code == 303 and response.headers["Location"] == expected


def test_logout_ends_the_session_and_needs_csrf(client):
    confirm(client, request_link(client, "@alice:example.org"))
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/api/v1/me").status_code == 200
    assert client.post("/auth/logout", data={"csrf_token": csrf_of(client.get("/signin").data)}).status_code == 303
    assert client.get("/api/v1/me").status_code == 401


def test_me_answers_for_a_cookie_session_and_a_bearer_token_alike(app, client):
    confirm(client, request_link(client, "@root:example.org"))
    assert client.get("/api/v1/me").get_json() == {"user_id": "@root:example.org", "admin": True,
                                                   "picker_hidden": False}
    bob = signed_in_user("@bob:example.org")
    bearer = app.test_client().get("/api/v1/me", headers=bob.headers).get_json()
    assert bearer == {"user_id": "@bob:example.org", "admin": False, "picker_hidden": False}
    # A token, when sent, wins over the cookie; a bad one is a 401 even with a session.
    assert client.get("/api/v1/me", headers=bob.headers).get_json()["user_id"] == "@bob:example.org"
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_session_cookie_flags(app, client):
    confirm(client, request_link(client, "@alice:example.org"))
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_link_requests_are_limited_per_target_and_per_ip(app, client):
    app.config.update(RATELIMIT_SIGNIN_TARGET="2 per minute", RATELIMIT_SIGNIN_LINK="4 per minute")
    for _ in range(2):
        assert client.post("/auth/matrix", json={"user_id": "@carol:example.org"}).status_code == 202
    assert client.post("/auth/matrix", json={"user_id": "@carol:example.org"}).status_code == 429
    other_ip = {"REMOTE_ADDR": "127.0.0.9"}
    assert client.post("/auth/matrix", json={"user_id": "@carol:example.org"},
                       environ_base=other_ip).status_code == 429  # the target's limit, whoever asks
    statuses = [client.post("/auth/matrix", json={"user_id": f"@user{n}:example.org"}).status_code
                for n in range(4)]
    assert statuses[:2] == [202, 202] and statuses[-1] == 429  # this IP's 4 per minute
    assert len(queued_for("@carol:example.org")) == 2
    assert db.session.scalar(db.select(db.func.count()).select_from(BotMessage)) <= 4 + 1


def test_a_real_synapse_user_signs_in_from_the_bot_message(app, client, synapse):
    bot = synapse.register_user()
    app.config.update(MATRIX_HOMESERVER_URL=synapse.base_url, MATRIX_ACCESS_TOKEN=bot.access_token,
                      PUBLIC_URL="http://127.0.0.1")
    user = synapse.register_user()
    assert client.post("/auth/matrix", json={"user_id": user.user_id}).status_code == 202
    assert deliver_due().sent == 1
    [message] = queued_for(user.user_id)
    synapse.client(user, "POST", f"/_matrix/client/v3/join/{quote(message.room_id)}", json={})
    notices = [event["content"] for event in synapse.room_events(user, message.room_id, "m.room.message")
               if event["content"].get("msgtype") == "m.notice"]
    token = LINK.search(notices[-1]["body"]).group(1)
    assert user.user_id.encode() in client.get(f"/auth/matrix/{token}").data
    assert confirm(client, token).status_code == 303
    assert client.get("/api/v1/me").get_json()["user_id"] == user.user_id


def test_a_json_body_that_is_not_an_object_is_a_400(client):
    response = client.post("/auth/matrix", data=b'["@alice:example.org"]', content_type="application/json")
    assert response.status_code == 400 and response.get_json()["errcode"] == "M_NOT_JSON"
