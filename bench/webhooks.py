"""Webhook throughput and correctness under load (a benchmark, not a test).

    .venv/bin/python bench/webhooks.py [--events 2000] [--concurrency 16] [--workers 2]

Creates a fresh PostgreSQL database next to `postgres` at 127.0.0.1:5432, builds the schema with
the real migrations, creates orders through the app's own services (each with a Session on a
local fake Stripe), pays them on the fake, then runs the app under gunicorn (127.0.0.1) and
delivers signed `checkout.session.completed` events from a thread pool in this process: 10% of
deliveries are duplicates, many sent at the same moment as their original. Reports events/s and
latency percentiles, then reconciles: every paid order is paid and entitled exactly once, every
unpaid order is untouched, every event id is recorded once. Drops the database afterwards.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import requests  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from devtools.fake_stripe import FakeStripe  # noqa: E402
from devtools.net import free_port  # noqa: E402

SECRET_KEY = "sk_test_hexpack_bench"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000, help="deliveries in total (default 2000)")
    parser.add_argument("--duplicates", type=float, default=0.10, help="share of the deliveries that are duplicates")
    parser.add_argument("--unpaid", type=int, default=100, help="orders left unpaid (must stay pending)")
    parser.add_argument("--concurrency", type=int, default=16, help="deliveries in flight at once")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (5 threads each)")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    name = f"hexpack_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.admin_url.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = args.admin_url.rsplit("/", 1)[0] + "/" + name
    fake = FakeStripe(auto_deliver=False).start()
    server = None
    try:
        unique = args.events - round(args.events * args.duplicates)
        app, events, unpaid = prepare(database_url, fake, paid=unique, unpaid=args.unpaid)
        server, base = start_gunicorn(database_url, fake, workers=args.workers)
        deliveries = schedule(events, total=args.events)
        print(f"Delivering {len(deliveries)} signed events ({len(deliveries) - len(events)} duplicates) "
              f"to gunicorn ({args.workers} workers x 5 threads), {args.concurrency} at a time ...")
        results, elapsed = deliver(fake, base + "/stripe/webhook", deliveries, args.concurrency)
        report(results, elapsed)
        ok = reconcile(app, events, unpaid) and all(status == 200 for status, _o, _t in results)
    finally:
        if server is not None:
            server.terminate()
            server.wait(20)
        fake.stop()
        if "app" in locals():
            with app.app_context():
                from app.extensions import db

                db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print("RECONCILED: OK" if ok else "RECONCILED: MISMATCH")
    return 0 if ok else 1


def prepare(database_url: str, fake: FakeStripe, *, paid: int, unpaid: int):
    """Schema by migrations; orders by the app's services; payments on the fake (not delivered)."""
    from flask_migrate import upgrade

    from app import create_app
    from app.auth.tokens import get_or_create_user
    from app.extensions import db
    from app.models import Pack
    from app.payments.services import start_checkout

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": database_url,
                      "STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_API_BASE": fake.api_base,
                      "STRIPE_WEBHOOK_SECRET": fake.webhook_secret, "PUBLIC_URL": "http://127.0.0.1"})
    started = time.monotonic()
    with app.app_context():
        upgrade()
        packs = [Pack(slug=f"bench-{i}", name=f"Bench {i}", price_amount=50 + i, currency="usd",
                      license="CC0-1.0") for i in range(20)]
        db.session.add_all(packs)
        db.session.commit()
        slugs = [pack.slug for pack in packs]
        orders = []
        for index in range(paid + unpaid):
            user = get_or_create_user(f"@bench{index // len(slugs)}:example.org")
            db.session.commit()
            order = start_checkout(user=user, slug=slugs[index % len(slugs)],
                                   success_url="http://127.0.0.1/s?session_id={CHECKOUT_SESSION_ID}",
                                   cancel_url="http://127.0.0.1/c")
            orders.append((order.public_id, order.checkout_session_id))
        events = []
        for public_id, session_id in orders[:paid]:
            completion = [e for e in fake.pay(session_id, deliver=False) if e["type"] == "checkout.session.completed"]
            events.append((public_id, completion[0]))
        unpaid_ids = [public_id for public_id, _session in orders[paid:]]
    print(f"Prepared {paid} paid and {unpaid} unpaid orders through the services in "
          f"{time.monotonic() - started:.1f}s")
    return app, events, unpaid_ids


def start_gunicorn(database_url: str, fake: FakeStripe, *, workers: int):
    port = free_port()
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    log = open(os.path.join(ROOT, "bench", "results", "gunicorn.log"), "wb")
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench-secret-key-" + uuid.uuid4().hex,
           "STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_API_BASE": fake.api_base,
           "STRIPE_WEBHOOK_SECRET": fake.webhook_secret, "WEB_CONCURRENCY": str(workers),
           "PUBLIC_URL": f"http://127.0.0.1:{port}",
           # A local run with a test key: skip the production checks (PUBLIC_URL must be https://).
           "HEXPACK_DEV": "1"}
    server = subprocess.Popen(
        [os.path.join(ROOT, ".venv", "bin", "gunicorn"), "--config", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=1).status_code == 200:
                return server, base
        except requests.RequestException:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start; see bench/results/gunicorn.log")


def schedule(events: list, *, total: int) -> list[dict]:
    """Originals in random order; duplicates right next to their original (so often concurrent) or later."""
    rng = random.Random(7)
    order = [event for _public_id, event in events]
    rng.shuffle(order)
    plan = list(order)
    for _ in range(total - len(order)):
        event = rng.choice(order)
        position = plan.index(event) + 1 if rng.random() < 0.5 else rng.randrange(len(plan) + 1)
        plan.insert(position, event)
    return plan


def deliver(fake: FakeStripe, url: str, plan: list[dict], concurrency: int):
    local = threading.local()

    def send(event):
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        body, headers = fake.webhook_request(event)  # signed now, as Stripe signs each attempt
        started = time.perf_counter()
        try:
            response = session.post(url, data=body, headers=headers, timeout=30)
            status, outcome = response.status_code, (response.json().get("outcome") if response.ok else None)
        except requests.RequestException:
            status, outcome = 0, None
        return status, outcome, time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(send, plan))
    return results, time.perf_counter() - started


def report(results, elapsed: float) -> None:
    latencies = sorted(latency * 1000 for _s, _o, latency in results)

    def pct(p):
        return latencies[min(len(latencies) - 1, int(round(p / 100 * len(latencies))) - 1)]

    print(f"{len(results)} deliveries in {elapsed:.2f}s: {len(results) / elapsed:.0f} events/s")
    print(f"latency ms: p50 {pct(50):.1f}  p95 {pct(95):.1f}  p99 {pct(99):.1f}  max {latencies[-1]:.1f}  "
          f"mean {statistics.mean(latencies):.1f}")
    print("HTTP statuses:", dict(Counter(status for status, _o, _l in results)))
    print("outcomes:", dict(Counter(outcome for _s, outcome, _l in results)))


def reconcile(app, events: list, unpaid: list[str]) -> bool:
    from app.extensions import db
    from app.models import Entitlement, Order, StripeEvent

    paid_ids = {public_id for public_id, _event in events}
    with app.app_context():
        orders = {o.public_id: o for o in db.session.scalars(select(Order))}
        entitlements = db.session.scalars(select(Entitlement)).all()
        recorded = db.session.scalar(select(func.count()).select_from(StripeEvent))
        by_order = Counter(e.order_id for e in entitlements)
        by_id = {o.id: o for o in orders.values()}
        checks = {
            "every paid order is paid": all(orders[i].status == "paid" for i in paid_ids),
            "every unpaid order is still pending": all(orders[i].status == "pending" for i in unpaid),
            "one entitlement per paid order": len(entitlements) == len(paid_ids)
            and all(by_order[orders[i].id] == 1 for i in paid_ids),
            "entitlements belong to their order's user and pack": all(
                (e.user_id, e.pack_id) == (by_id[e.order_id].user_id, by_id[e.order_id].pack_id)
                for e in entitlements),
            "no revoked entitlements": all(e.revoked_at is None for e in entitlements),
            "each event recorded once": recorded == len(events),
            "every paid order has its charge and receipt": all(
                orders[i].charge_id and orders[i].receipt_url for i in paid_ids),
        }
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAIL'}] {name}")
    print(f"  orders {len(orders)} ({len(paid_ids)} paid, {len(unpaid)} unpaid), entitlements "
          f"{len(entitlements)}, stripe_events {recorded}")
    return all(checks.values())


if __name__ == "__main__":
    sys.exit(main())
