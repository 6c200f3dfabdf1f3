"""The real gunicorn with gunicorn.conf.py: no query string in any log line, no shared control socket."""
from __future__ import annotations

import os
import socket

from tests.support.gunicorn import Gunicorn
from tests.support.wait import wait_until

TOKEN = "SeCrEtScAlArToKeN0123456789"
ONE_WORKER = {"WEB_CONCURRENCY": "1"}  # what is checked here does not depend on the worker count


def send_raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def wait_for_log(server: Gunicorn, needle: str, seconds: float = 30.0) -> str:
    """The server's log once it contains `needle`."""
    return wait_until(lambda: needle in server.log() and server.log(), timeout=seconds, interval=0.2,
                      message=lambda: f"{needle!r} in the gunicorn log:\n{server.log()}")


def test_no_log_line_carries_a_query_string(test_database, tmp_path):
    server = Gunicorn(test_database.url, str(tmp_path)).start()
    try:
        invalid = (b"GET /api/widgets/stickerpicker?scalar_token=" + TOKEN.encode()
                   + b"&x=\xff\xfe\x1b[31m HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert send_raw(server.port, invalid).startswith(b"HTTP/1.1 400")
        assert server.get(f"/api/widgets/stickerpicker?scalar_token={TOKEN}&theme=dark")[0] == 200
        assert server.get(f"/no-such-page?access_token={TOKEN}")[0] == 404
    finally:
        server.stop()
    log = wait_for_log(server, "Shutting down")
    assert "Invalid request from ip=127.0.0.1" in log  # gunicorn did log the bad request line...
    assert "/api/widgets/stickerpicker?[redacted]" in log
    assert TOKEN not in log  # ...without the token
    assert "scalar_token" not in log
    assert log.isascii() and "\x1b" not in log  # raw bytes are escaped, not written to the terminal


def ctl_sockets(directory) -> list[str]:
    return [os.path.join(root, name) for root, _, names in os.walk(directory) for name in names
            if name.endswith(".ctl")]


def test_instances_do_not_share_a_control_socket(test_database, tmp_path):
    first = Gunicorn(test_database.url, str(tmp_path), name="first", extra_env=ONE_WORKER).start()
    second = Gunicorn(test_database.url, str(tmp_path), name="second", extra_env=ONE_WORKER).start()
    try:
        assert ctl_sockets(tmp_path) == []  # neither $XDG_RUNTIME_DIR nor ~/.gunicorn gets one
        first.stop()
        assert second.get("/healthz")[0] == 200
    finally:
        first.stop()
        second.stop()


def test_a_control_socket_asked_for_is_this_instance_own(test_database, tmp_path):
    stopped = 0
    paths = [str(tmp_path / f"instance-{n}.ctl") for n in range(2)]
    servers = [Gunicorn(test_database.url, str(tmp_path), name=f"i{n}",
                        extra_env={"GUNICORN_CONTROL_SOCKET": path, **ONE_WORKER}) for n, path in enumerate(paths)]
    try:
        for server in servers:
            server.start()
        wait_until(lambda: all(os.path.exists(p) for p in paths), timeout=30, interval=0.2,
                   message="both instances' control sockets")
        assert sorted(ctl_sockets(tmp_path)) == sorted(paths)
        servers[stopped].stop()
        assert not os.path.exists(paths[stopped])
        assert os.path.exists(paths[1 - stopped])
    finally:
        for server in servers:
            server.stop()


def test_app_log_lines_lose_their_query_strings(test_database, tmp_path):
    """create_app adds its own root handler in each worker: it gets the filter too (issue: an app
    logger writing a URL printed the token)."""
    shim = tmp_path / "probe"
    shim.mkdir()
    # gunicorn puts --pythonpath ahead of its working directory: this "wsgi" is the probe
    (shim / "wsgi.py").write_text("from tests.support.log_probe import app  # noqa: F401\n")
    server = Gunicorn(test_database.url, str(tmp_path), extra_env={
        "GUNICORN_CMD_ARGS": f"--pythonpath {shim}", **ONE_WORKER}).start()
    try:
        assert server.get(f"/api/widgets/stickerpicker?scalar_token={TOKEN}")[0] == 200
    finally:
        server.stop()
    log = wait_for_log(server, "Shutting down")
    assert "app.probe: probe saw /api/widgets/stickerpicker?[redacted]" in log  # the probe did log...
    assert TOKEN not in log  # ...without the token
