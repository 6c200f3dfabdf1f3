"""The shipped server configuration keeps answering while idle and slowloris connections hang on.

Issue 13, item 1: with gthread workers, 10 connections sending one header byte per second (or 200
that send nothing) starved every normal request. This starts the real gunicorn with
gunicorn.conf.py, opens 200 idle and 50 dripping connections on loopback, and polls the anonymous
picker and /healthz meanwhile. Generous bounds: it checks that answers come, not how fast.
"""
from __future__ import annotations

import socket
import statistics
import threading
import time

import pytest

from tests.support.gunicorn import Gunicorn

IDLE_CONNECTIONS = 200
SLOWLORIS_CONNECTIONS = 50
LOAD_SECONDS = 15
POLL_INTERVAL = 0.5
PATHS = ("/api/widgets/stickerpicker", "/healthz")


@pytest.fixture
def server(test_database, tmp_path):
    server = Gunicorn(test_database.url, str(tmp_path)).start()
    yield server
    server.stop()


def _open(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.settimeout(1)
    return sock


def _drip(sockets: list[socket.socket], stop: threading.Event) -> None:
    """One header byte per second on every slowloris connection, never finishing the request."""
    request = b"GET /api/widgets/stickerpicker HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 4000
    position = 0
    while not stop.wait(1.0) and position < len(request):
        for sock in sockets:
            try:
                sock.send(request[position:position + 1])
            except OSError:
                pass  # the server may close a slow client: that is allowed too
        position += 1


def _poll(server: Gunicorn, seconds: float) -> list[tuple[str, int | None, float]]:
    results = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in PATHS:
            started = time.monotonic()
            status, _ = server.get(path, timeout=5)
            results.append((path, status, time.monotonic() - started))
        time.sleep(POLL_INTERVAL)
    return results


def test_normal_clients_are_served_while_idle_and_slowloris_connections_are_open(server):
    assert server.get("/api/widgets/stickerpicker")[0] == 200
    idle = [_open(server.port) for _ in range(IDLE_CONNECTIONS)]
    slow = [_open(server.port) for _ in range(SLOWLORIS_CONNECTIONS)]
    stop = threading.Event()
    dripper = threading.Thread(target=_drip, args=(slow, stop), daemon=True)
    dripper.start()
    try:
        results = _poll(server, LOAD_SECONDS)
    finally:
        stop.set()
        dripper.join(timeout=5)
        for sock in idle + slow:
            sock.close()

    answered = [seconds for _, status, seconds in results if status == 200]
    latencies = sorted(answered) or [0.0]
    print(f"\nslow clients: {len(answered)}/{len(results)} normal requests answered 200 under "
          f"{IDLE_CONNECTIONS} idle + {SLOWLORIS_CONNECTIONS} slowloris connections; latency "
          f"median {statistics.median(latencies) * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
    for path in PATHS:
        per_path = [status for p, status, _ in results if p == path]
        assert per_path.count(200) >= 0.9 * len(per_path), (path, per_path)
    assert len(results) >= 10  # the loop really polled while the connections were open
