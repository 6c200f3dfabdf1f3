"""A database outage: the anonymous picker and media keep serving from their last good data,
everything else answers 503 with Retry-After, the log gets a line per kind and interval instead
of a traceback per request, and the workers recover by themselves."""
from __future__ import annotations

import http.client
import logging
import os
import time

import pytest
from sqlalchemy.engine import make_url

from app import create_app, outage
from app.extensions import db
from app.packs.catalogue import KEYS_TTL
from app.storage import media_filename
from tests.factories import imported_pack, signed_in_user
from tests.support.gunicorn import Gunicorn
from tests.support.tcpproxy import TcpProxy

PICKER = "/api/widgets/stickerpicker"
ME = "/api/v1/me"


def media_path(pack) -> str:
    sticker = pack.stickers[0]
    return "/media/" + media_filename(sticker.thumb_sha256, sticker.thumb_mimetype)


def media_status(client, path: str) -> int:
    response = client.get(path)
    response.close()  # send_file's open file
    return response.status_code


def assert_unavailable(response, *, json: bool) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(outage.RETRY_AFTER_SECONDS)
    if json:
        assert response.json["errcode"] == "M_UNAVAILABLE"
    else:
        assert response.mimetype == "text/html"


@pytest.fixture
def fresh_throttle(monkeypatch):
    """Other tests may have logged an outage within the interval: start this one's count at zero."""
    monkeypatch.setattr(outage, "_throttle", outage.Throttle())


def test_an_unreachable_sqlite_database_gives_503s_and_the_cached_picker(app_config, tmp_path, caplog,
                                                                         fresh_throttle):
    folder, away = tmp_path / "db", tmp_path / "db-away"
    folder.mkdir()
    app = create_app({**app_config, "DATABASE_URL": f"sqlite:///{folder}/hexpack.sqlite3"})
    with app.app_context():
        db.create_all()
        pack, person = imported_pack(tmp_path / "cats", "cats", count=2), signed_in_user(kind="widget")
        client, media = app.test_client(), media_path(pack)
        warm = client.get(PICKER)
        assert warm.status_code == 200 and b'data-pack="cats"' in warm.data
        assert media_status(client, media) == 200
        assert client.get(ME, headers=person.headers).status_code == 200
        db.session.remove()
        db.engine.dispose()
        folder.rename(away)  # the database file cannot be opened any more
        time.sleep(KEYS_TTL + 0.1)  # the picker's pack keys are due for a refresh
        with caplog.at_level(logging.INFO):
            for _ in range(5):
                picker = client.get(PICKER)
                assert picker.status_code == 200 and picker.data == warm.data
                assert media_status(client, media) == 200
                assert_unavailable(client.get(ME, headers=person.headers), json=True)
                assert_unavailable(client.get("/packs", headers={"Accept": "text/html"}), json=False)
        reports = [record for record in caplog.records if record.name == "app.outage"]
        assert len(reports) == 1 and "OperationalError" in reports[0].getMessage()
        assert not any(record.exc_info for record in caplog.records)
        away.rename(folder)
        assert client.get(ME, headers=person.headers).status_code == 200  # no restart needed
        db.session.remove()
        db.engine.dispose()


def test_a_sql_error_that_is_not_an_outage_stays_a_500(app, client):
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError, ProgrammingError

    assert outage.is_database_unavailable(OperationalError("SELECT 1", {}, Exception("connection refused")))
    assert not outage.is_database_unavailable(ProgrammingError("SELECT", {}, Exception("syntax error")))

    @app.get("/test-broken-sql")
    def broken():
        db.session.execute(text("SELEC 1"))

    response = client.get("/test-broken-sql", headers={"Accept": "application/json"})
    assert response.status_code in (500,) and "Retry-After" not in response.headers


def test_a_failure_kind_is_logged_once_per_interval_with_the_count_held_back():
    throttle = outage.Throttle(interval=0.3)
    assert throttle.allow("refused") == 0 and throttle.allow("closed") == 0
    assert throttle.allow("refused") is None and throttle.allow("refused") is None
    time.sleep(0.35)
    assert throttle.allow("refused") == 2 and throttle.allow("closed") == 0


def test_a_library_traceback_per_failure_becomes_one_line_per_interval(caplog):
    logger = logging.getLogger("tests.outage.pool")
    logger.addFilter(outage.ThrottledExceptions(outage.Throttle(interval=60)))
    with caplog.at_level(logging.ERROR, logger=logger.name):
        for _ in range(3):
            try:
                raise ConnectionResetError("server closed the connection")
            except ConnectionResetError:
                logger.error("Exception during reset or similar", exc_info=True)
    [record] = [r for r in caplog.records if r.name == logger.name]
    assert record.exc_info is None and "Traceback" not in caplog.text
    assert record.getMessage() == ("Exception during reset or similar "
                                   "(ConnectionResetError: server closed the connection)")


# --- PostgreSQL under the real gunicorn, through a proxy the test cuts ---------------------------------
def request(port: int, path: str, headers: dict | None = None) -> tuple[int | None, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    except OSError:
        return None, {}, b""
    finally:
        connection.close()


def through(proxy: TcpProxy, url: str) -> str:
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


def test_a_postgresql_outage_under_gunicorn(test_database, app, tmp_path):
    if not test_database.is_postgres:
        pytest.skip("a PostgreSQL outage (TEST_DATABASE_URL=postgresql://...)")
    pack, person = imported_pack(tmp_path / "cats", "cats", count=2), signed_in_user(kind="im")
    media, bearer = media_path(pack), {"Authorization": f"Bearer {person.token}"}
    target = make_url(test_database.url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    # One worker: the cut must find it warm (which of two workers gets a request is the kernel's choice).
    server = Gunicorn(through(proxy, test_database.url), str(tmp_path), extra_env={"WEB_CONCURRENCY": "1"})
    try:
        server.start()
        figures = _outage_figures(server.port, proxy, media, bearer)
    finally:
        server.stop()
        proxy.close()
    log = server.log()
    figures["outage_log_lines"] = log.count("database unavailable")
    figures["tracebacks"] = log.count("Traceback")
    figures["log_bytes"] = len(log)
    print("outage figures:", figures)
    print("\n".join(line for line in log.splitlines() if "ERROR" in line or "WARNING" in line))
    assert figures["picker"] == {200: figures["rounds"]} and figures["media"] == {200: figures["rounds"]}
    assert figures["api"] == {503: figures["rounds"]} and figures["page"] == {503: figures["rounds"]}
    assert figures["tracebacks"] == 0 and 1 <= figures["outage_log_lines"] <= 4
    assert figures["recovered_after_s"] < 15


def _outage_figures(port: int, proxy: TcpProxy, media: str, bearer: dict) -> dict:
    for path in (PICKER, media):
        assert request(port, path)[0] == 200
    assert request(port, ME, bearer)[0] == 200
    proxy.cut()
    counts = {"picker": {}, "media": {}, "api": {}, "page": {}}
    deadline, rounds = time.monotonic() + 5, 0
    while time.monotonic() < deadline:  # a 5-second outage, as in issue 13
        rounds += 1
        for name, path, headers in (("picker", PICKER, {}), ("media", media, {}), ("api", ME, bearer),
                                    ("page", "/packs", {"Accept": "text/html"})):
            status, answer_headers, body = request(port, path, headers)
            counts[name][status] = counts[name].get(status, 0) + 1
            if status == 503:
                assert answer_headers.get("Retry-After") == str(outage.RETRY_AFTER_SECONDS)
                assert (b'"M_UNAVAILABLE"' in body) if name == "api" else (b"<html" in body.lower())
    proxy.restore()
    restored = time.monotonic()
    while request(port, ME, bearer)[0] != 200 and time.monotonic() - restored < 30:
        time.sleep(0.2)
    return {**counts, "rounds": rounds, "refused_connections": proxy.refused,
            "recovered_after_s": round(time.monotonic() - restored, 2)}
