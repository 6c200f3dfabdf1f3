"""Run in a child process as gunicorn's gevent worker runs the app: patched first, then imported.

Usage: python -m tests.support.gevent_probe DATABASE_URL SLOW_STRIPE_URL
Prints JSON: psycopg's wait function and, for each blocking call the app makes (a PostgreSQL query,
a Stripe API call through requests/urllib3), how often a second greenlet ran meanwhile. A call that
blocked the whole process would let it run 0 times.
"""
from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import sys  # noqa: E402

import gevent  # noqa: E402
import psycopg.waiting  # noqa: E402
import stripe  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from app.config import normalise_database_url  # noqa: E402

TICK = 0.05


def ticks_during(call) -> int:
    count = 0

    def ticker():
        nonlocal count
        while True:
            gevent.sleep(TICK)
            count += 1

    background = gevent.spawn(ticker)
    gevent.sleep(0)
    try:
        call()
    finally:
        background.kill()
    return count


def postgres_sleep(database_url: str) -> None:
    engine = create_engine(normalise_database_url(database_url))
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_sleep(1.0)"))
    engine.dispose()


def stripe_call(api_base: str) -> None:
    client = stripe.StripeClient("sk_test_probe", base_addresses={"api": api_base}, max_network_retries=0,
                                 http_client=stripe.RequestsClient(timeout=(3, 10)))
    client.v1.customers.retrieve("cus_slow")


def main() -> None:
    database_url, api_base = sys.argv[1], sys.argv[2]
    result = {"wait": psycopg.waiting.wait.__name__, "stripe_ticks": ticks_during(lambda: stripe_call(api_base))}
    if database_url.startswith("postgres"):
        result["postgres_ticks"] = ticks_during(lambda: postgres_sleep(database_url))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
