"""Rate limits: shared through Redis (REDIS_URL, or RATELIMIT_STORAGE_URI first) by every worker and
instance; per process otherwise, which start-up says; a Redis that does not answer stops the start."""
from __future__ import annotations

import http.client
import logging
import uuid

import pytest
import redis

from app import create_app
from app.ratelimits import storage_uri
from devtools.net import free_port
from tests.support.gunicorn import Gunicorn

REDIS_URL = "redis://127.0.0.1:6379/0"
REGISTER = "/_matrix/integrations/v1/account/register"


@pytest.fixture
def redis_prefix():
    """A key prefix of this run's own, so parallel runs never share counters; its keys go afterwards."""
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("needs Redis on 127.0.0.1:6379")
    prefix = f"hexpack-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    for key in client.scan_iter(match=f"*{prefix}*"):
        client.delete(key)
    client.close()


def post(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", path, body=b"{}", headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def two_instances(test_database, tmp_path, **env) -> list[Gunicorn]:
    env = {"WEB_CONCURRENCY": "1", "RATELIMIT_OPENID": "3 per minute", **env}
    return [Gunicorn(test_database.url, str(tmp_path), name=name, extra_env=env) for name in ("first", "second")]


def sign_ins(servers: list[Gunicorn]) -> list[int]:
    """Two sign-in attempts on each instance, then two more on the first: the limit is 3 per client."""
    order = [servers[0], servers[0], servers[1], servers[1], servers[0], servers[0]]
    return [post(server.port, REGISTER) for server in order]


def run(servers: list[Gunicorn]) -> list[int]:
    try:
        for server in servers:
            server.start()
        return sign_ins(servers)
    finally:
        for server in servers:
            server.stop()


def test_two_instances_share_one_limit_through_redis(test_database, tmp_path, redis_prefix):
    servers = two_instances(test_database, tmp_path, REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=redis_prefix)
    statuses = run(servers)
    assert all(status != 429 for status in statuses[:3])  # a refused sign-in (400) still counts
    assert statuses[3:] == [429, 429, 429]  # the second instance knows of the first one's attempts
    for server in servers:
        assert "rate limits are shared through redis://127.0.0.1:6379/0" in server.log()


def test_without_redis_each_process_counts_alone_and_says_so(test_database, tmp_path):
    servers = two_instances(test_database, tmp_path, REDIS_URL="", RATELIMIT_STORAGE_URI="")
    statuses = run(servers)
    assert 429 not in statuses[:5] and statuses[5] == 429  # each instance counts its own attempts only
    for server in servers:
        assert "rate limits are per process (memory storage)" in server.log()


def test_ratelimit_storage_uri_wins_over_redis_url():
    assert storage_uri({"RATELIMIT_STORAGE_URI": "memory://", "REDIS_URL": REDIS_URL}) == "memory://"
    assert storage_uri({"RATELIMIT_STORAGE_URI": "", "REDIS_URL": REDIS_URL}) == REDIS_URL
    assert storage_uri({"RATELIMIT_STORAGE_URI": "", "REDIS_URL": ""}) == "memory://"


def test_a_redis_that_does_not_answer_stops_the_start(app_config, caplog):
    dead = f"redis://:s3cret@127.0.0.1:{free_port()}/0"
    with pytest.raises(RuntimeError) as raised:
        create_app({**app_config, "REDIS_URL": dead})
    message = str(raised.value)
    assert "does not answer" in message and "REDIS_URL" in message and "s3cret" not in message
    with caplog.at_level(logging.INFO, logger="app.ratelimits"):
        create_app(app_config)  # and a working start afterwards, with memory storage
    assert any("per process" in record.getMessage() for record in caplog.records)


def test_a_redis_outage_lets_requests_through_and_logs_once(app_config, redis_prefix, caplog, monkeypatch):
    from app import outage
    from app.extensions import db, limiter
    from tests.support.tcpproxy import TcpProxy

    monkeypatch.setattr(outage, "_throttle", outage.Throttle())
    # The process-wide Limiter keeps the first app's key prefix (one app per process in production);
    # forget it so this app's own prefix is used.
    monkeypatch.setattr(limiter, "_key_prefix", "")
    proxy = TcpProxy("127.0.0.1", 6379)
    app = create_app({**app_config, "REDIS_URL": f"redis://127.0.0.1:{proxy.port}/0",
                      "RATELIMIT_KEY_PREFIX": redis_prefix, "RATELIMIT_OPENID": "3 per minute"})
    client = app.test_client()
    try:
        assert [client.post(REGISTER, json={}).status_code for _ in range(2)] == [400, 400]
        proxy.cut()
        with caplog.at_level(logging.INFO):
            assert [client.post(REGISTER, json={}).status_code for _ in range(5)] == [400] * 5  # not 500
        lines = [record for record in caplog.records if record.name == "flask-limiter"]
        assert len(lines) == 1 and lines[0].exc_info is None
        proxy.restore()
        # Counting goes on in Redis (the attempts made during the outage were not counted).
        assert [client.post(REGISTER, json={}).status_code for _ in range(2)] == [400, 429]
    finally:
        limiter.storage.storage.close()  # its sockets, rather than whenever the collector finds them
        proxy.close()
        with app.app_context():
            db.engine.dispose()
