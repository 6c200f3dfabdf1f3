"""gunicorn runs the app in gevent workers: its blocking calls must yield to other greenlets.

psycopg 3 cooperates with gevent only when it notices the patching at import and leaves its C wait
function (wait_c) for a selector-based one; requests/urllib3 (Stripe, homeservers) go through the
patched socket module. tests/support/gevent_probe.py imports them as the worker does and counts
how often another greenlet ran during a 1 s PostgreSQL query and a 1 s Stripe call.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.support.httpserver import ScriptedServer
from tests.support.gunicorn import ROOT

CALL_SECONDS = 1.0
TICK = 0.05


def slow_customer(path, headers):
    time.sleep(CALL_SECONDS)
    return 200, {}, json.dumps({"id": "cus_slow", "object": "customer"}).encode()


@pytest.fixture
def probe(test_database):
    def run():
        with ScriptedServer(slow_customer) as stripe_api:
            done = subprocess.run([sys.executable, "-m", "tests.support.gevent_probe", test_database.url,
                                   stripe_api.url], cwd=ROOT, capture_output=True, text=True, timeout=60,
                                  env={**os.environ, "PYTHONPATH": ROOT})
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])
    return run


def test_psycopg_leaves_its_c_wait_function_under_gevent(probe):
    assert probe()["wait"] != "wait_c"


def test_a_stripe_call_lets_other_greenlets_run(probe):
    # 1 s at one tick per 50 ms is 20 ticks; a blocked process would count 0.
    assert probe()["stripe_ticks"] >= 5


def test_a_postgresql_query_lets_other_greenlets_run(probe, test_database):
    if not test_database.is_postgres:
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    assert probe()["postgres_ticks"] >= 5
