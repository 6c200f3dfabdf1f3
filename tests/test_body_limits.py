"""Huge bodies cannot inflate a worker (issue 13, item 2), against the real gunicorn.

Before: MAX_CONTENT_LENGTH was 64 MiB and /stripe/webhook read the body before checking its
signature; ten parallel 60 MB POSTs with a bogus signature took two workers from 81 to 1,151 MB
and 99 to 740 MB. This starts gunicorn with the shipped gunicorn.conf.py (gevent workers), sends
ten parallel ~60 MB POSTs (Content-Length and chunked) with a bogus signature to the webhook and
to the widget session endpoint, checks that each is answered 413, and samples the workers' RSS
(/proc/<pid>/status) meanwhile. Generous bound: a worker may grow by less than 100 MB.
"""
from __future__ import annotations

import os
import select
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.gunicorn import Gunicorn

BODY_BYTES = 60 * 1000 * 1000
CHUNK = b"x" * (1 << 20)
MAX_GROWTH_MB = 100
REQUESTS = [(path, chunked) for path in ("/stripe/webhook", "/api/v1/session") for chunked in (False, False, False,
                                                                                                True, True)]


@pytest.fixture
def server(test_database, tmp_path):
    server = Gunicorn(test_database.url, str(tmp_path), extra_env={
        "STRIPE_SECRET_KEY": "sk_test_body_limits", "STRIPE_WEBHOOK_SECRET": "whsec_body_limits"}).start()
    yield server
    server.stop()


def _workers(master: int) -> list[int]:
    with open(f"/proc/{master}/task/{master}/children", encoding="ascii") as handle:
        return [int(pid) for pid in handle.read().split()]


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class RssSampler(threading.Thread):
    """The highest RSS each worker reaches while the uploads run."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.peak = {pid: _rss_mb(pid) for pid in pids}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.05):
            for pid in self.peak:
                self.peak[pid] = max(self.peak[pid], _rss_mb(pid))


def _post_huge(port: int, path: str, chunked: bool) -> tuple[int | None, int]:
    """(status, body bytes sent): sends until the server answers, as a careful client would."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {BODY_BYTES}"
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 f"Stripe-Signature: t=1,v1=bogus\r\n{framing}\r\n\r\n".encode())
    piece = b"%x\r\n" % len(CHUNK) + CHUNK + b"\r\n" if chunked else CHUNK
    sent = 0
    try:
        while sent < BODY_BYTES and not select.select([sock], [], [], 0)[0]:
            sock.sendall(piece)
            sent += len(CHUNK)
        answer = sock.recv(4096)
    except OSError:
        answer = b""
    finally:
        sock.close()
    status = answer.split(b" ", 2)[1] if answer.startswith(b"HTTP/1.1 ") else None
    return (int(status) if status else None), sent


def test_parallel_60_mb_bodies_are_413_and_workers_stay_small(server):
    for _ in range(4):  # warm every worker up: imports and first-request caches are not body growth
        assert server.get("/healthz")[0] == 200
    pids = _workers(server.process.pid)
    assert pids, "no gunicorn workers found"
    before = {pid: _rss_mb(pid) for pid in pids}
    sampler = RssSampler(pids)
    sampler.start()
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(len(REQUESTS)) as pool:
            results = list(pool.map(lambda request: _post_huge(server.port, *request), REQUESTS))
    finally:
        sampler.stop.set()
        sampler.join(timeout=5)
    growth = {pid: sampler.peak[pid] - before[pid] for pid in pids}
    print(f"\nbody limits: {len(REQUESTS)} parallel POSTs of {BODY_BYTES / 1e6:.0f} MB in "
          f"{time.monotonic() - started:.1f} s; statuses {[status for status, _ in results]}; body MB sent before "
          f"the answer {[round(sent / 1e6) for _, sent in results]}; worker RSS before "
          f"{[round(before[p]) for p in pids]} MB, peak {[round(sampler.peak[p]) for p in pids]} MB, "
          f"growth {[round(growth[p], 1) for p in pids]} MB")
    assert [status for status, _ in results] == [413] * len(REQUESTS), (results, server.log()[-3000:])
    assert max(growth.values()) < MAX_GROWTH_MB, growth
    assert server.get("/healthz")[0] == 200  # and the workers still serve
