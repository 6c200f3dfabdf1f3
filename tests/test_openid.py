"""OpenID token validation through the API, against a real Synapse (and two fakes Synapse cannot play)."""
import sqlite3
import time

import pytest

from app.auth.tokens import user_for_token
from app.exceptions import InvalidOpenIdToken
from app.extensions import db
from app.matrix import fedhttp, openid
from app.models import ApiToken, User
from tests.support.httpserver import ScriptedServer, SilentServer, json_answer

pytestmark = pytest.mark.synapse
REGISTER = "/_matrix/integrations/v1/account/register"


@pytest.fixture
def app_config(app_config, synapse):
    app_config["MATRIX_SERVER_URLS"] = f"{synapse.server_name}={synapse.base_url}"
    return app_config


def nothing_created():
    return (db.session.scalar(db.select(db.func.count(User.id))) == 0
            and db.session.scalar(db.select(db.func.count(ApiToken.id))) == 0)


def expire_in_synapse(synapse, access_token):
    """Expire a real OpenID token the way time would: Synapse's own table says it ended."""
    with sqlite3.connect(f"{synapse.workdir}/homeserver.db", timeout=10) as conn:
        changed = conn.execute("UPDATE open_id_tokens SET ts_valid_until_ms = 0 WHERE token = ?",
                               (access_token,)).rowcount
    assert changed == 1


def test_real_token_registers_the_right_user(client, synapse):
    alice, bob = synapse.register_user(), synapse.register_user()
    for person in (alice, bob):
        response = client.post(REGISTER, json=synapse.openid_token(person))
        assert response.status_code == 200, response.json
        assert user_for_token(response.json["token"]).matrix_id == person.user_id
    assert db.session.scalar(db.select(db.func.count(User.id))) == 2


def test_forged_token_is_refused(client, synapse):
    forged = {"access_token": "forged-token", "token_type": "Bearer",
              "matrix_server_name": synapse.server_name, "expires_in": 3600}
    response = client.post(REGISTER, json=forged)
    assert response.status_code == 401
    assert response.json["errcode"] == "M_UNAUTHORIZED"
    assert nothing_created()


def test_expired_token_is_refused(client, synapse):
    token = synapse.openid_token(synapse.register_user())
    expire_in_synapse(synapse, token["access_token"])
    response = client.post(REGISTER, json=token)
    assert response.status_code == 401 and response.json["errcode"] == "M_UNAUTHORIZED"
    assert nothing_created()


def test_token_declared_expired_is_refused_without_asking(client):
    token = {"access_token": "x", "token_type": "Bearer", "matrix_server_name": "127.0.0.1:1", "expires_in": 0}
    response = client.post(REGISTER, json=token)
    assert response.status_code == 401 and nothing_created()


@pytest.mark.parametrize("server_name", ["127.0.0.1:8448", "127.0.0.1", "[::1]:8448", "localhost",
                                         "localhost:8448", "[::ffff:127.0.0.1]", "10.1.2.3", "169.254.169.254"])
def test_private_destinations_are_refused(client, server_name):
    token = {"access_token": "x", "token_type": "Bearer", "matrix_server_name": server_name, "expires_in": 3600}
    response = client.post(REGISTER, json=token)
    assert response.status_code == 403, response.json
    assert response.json["errcode"] == "M_FORBIDDEN"
    assert "private" in response.json["error"] or "loopback" in response.json["error"]
    assert nothing_created()


def test_real_synapse_on_loopback_is_refused_without_the_override(app, client, synapse):
    app.config["MATRIX_SERVER_URLS"] = ""
    response = client.post(REGISTER, json=synapse.openid_token(synapse.register_user()))
    assert response.status_code == 403 and response.json["errcode"] == "M_FORBIDDEN"
    assert nothing_created()


def test_homeserver_vouching_for_another_servers_user_is_refused(app, client, synapse):
    victim = synapse.register_user()
    with ScriptedServer(lambda path, headers: json_answer(200, {"sub": victim.user_id})) as liar:
        app.config["MATRIX_SERVER_URLS"] = f"liar.example={liar.url}"
        token = {"access_token": "anything", "token_type": "Bearer", "matrix_server_name": "liar.example",
                 "expires_in": 3600}
        response = client.post(REGISTER, json=token)
        assert liar.requests[0][0] == "/_matrix/federation/v1/openid/userinfo?access_token=anything"
    assert response.status_code == 403 and response.json["errcode"] == "M_FORBIDDEN"
    assert "another server" in response.json["error"]
    assert nothing_created()


@pytest.mark.parametrize("answer", [
    (200, {}, b'{"sub": "not a user id"}'),
    (200, {}, b"<html>"),
    (200, {}, b'{"sub": "@big:liar.example", "pad": "' + b"x" * 20000 + b'"}'),
    (500, {}, b"{}"),
])
def test_broken_homeserver_answers_are_refused(app, client, answer):
    with ScriptedServer(lambda path, headers: answer) as broken:
        app.config["MATRIX_SERVER_URLS"] = f"liar.example={broken.url}"
        token = {"access_token": "t", "token_type": "Bearer", "matrix_server_name": "liar.example"}
        response = client.post(REGISTER, json=token)
    assert response.status_code == 502 and response.json["errcode"] == "M_UNKNOWN"
    assert nothing_created()


def test_hanging_homeserver_times_out_quickly(app, client):
    assert fedhttp.DEFAULT_TIMEOUT <= 5
    with SilentServer() as silent:
        app.config["MATRIX_SERVER_URLS"] = f"slow.example={silent.url}"
        token = {"access_token": "t", "token_type": "Bearer", "matrix_server_name": "slow.example"}
        started = time.monotonic()
        response = client.post(REGISTER, json=token)
        elapsed = time.monotonic() - started
    assert response.status_code == 504 and response.json["errcode"] == "M_UNKNOWN"
    assert elapsed < fedhttp.DEFAULT_TIMEOUT + 10  # bounded, not hanging (generous for a busy CI)
    assert nothing_created()


@pytest.mark.parametrize("body, errcode", [
    ({"token_type": "Bearer", "matrix_server_name": "example.org"}, "M_MISSING_PARAM"),
    ({"access_token": "t", "matrix_server_name": "exa mple.org"}, "M_INVALID_PARAM"),
    ({"access_token": "t", "matrix_server_name": "example.org", "token_type": "MAC"}, "M_INVALID_PARAM"),
    (["not", "an", "object"], "M_NOT_JSON"),
])
def test_malformed_token_objects(client, body, errcode):
    response = client.post(REGISTER, json=body)
    assert response.status_code == 400 and response.json["errcode"] == errcode
    assert nothing_created()


def test_positive_results_are_cached_briefly(app):
    answers = []
    with ScriptedServer(lambda path, headers: answers.append(path) or json_answer(200, {"sub": "@a:cache.example"})
                        ) as server:
        urls = f"cache.example={server.url}"
        token = {"access_token": "t1", "token_type": "Bearer", "matrix_server_name": "cache.example",
                 "expires_in": 3600}
        assert openid.verify(token, server_urls=urls) == "@a:cache.example"
        assert openid.verify(token, server_urls=urls) == "@a:cache.example"
        assert len(answers) == 1
        assert openid.verify(dict(token, access_token="t2"), server_urls=urls) == "@a:cache.example"
        assert len(answers) == 2


def test_failures_are_not_cached(app):
    statuses = [401, 200]
    with ScriptedServer(lambda path, headers: json_answer(statuses.pop(0), {"sub": "@a:retry.example"})) as server:
        urls = f"retry.example={server.url}"
        token = {"access_token": "t", "token_type": "Bearer", "matrix_server_name": "retry.example"}
        with pytest.raises(InvalidOpenIdToken):
            openid.verify(token, server_urls=urls)
        assert openid.verify(token, server_urls=urls) == "@a:retry.example"


def test_server_urls_override_parsing():
    parsed = openid.parse_server_urls(" a.example=http://127.0.0.1:8008 , b.example:8448=https://hs.b.example/base/ ,"
                                      "bad entry, c.example=ftp://x")
    assert set(parsed) == {"a.example", "b.example:8448"}
    assert (parsed["a.example"].host, parsed["a.example"].port, parsed["a.example"].scheme) == ("127.0.0.1", 8008, "http")
    assert parsed["b.example:8448"].base_path == "/base" and parsed["b.example:8448"].port == 443
    assert all(destination.trusted for destination in parsed.values())


@pytest.mark.parametrize("user_id, server", [
    ("@alice:example.org", "example.org"), ("@a:localhost:8008", "localhost:8008"),
    ("@a:[::1]:8448", "[::1]:8448"), ("alice:example.org", None), ("@:example.org", None),
    ("@a b:example.org", None), ("@a:", None), (None, None), ("@" + "a" * 300 + ":x.org", None),
])
def test_user_id_server(user_id, server):
    assert openid.user_id_server(user_id) == server
