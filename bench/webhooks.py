"""Webhook throughput and correctness under load (a benchmark, not a test).

    .venv/bin/python bench/webhooks.py [--events 2000] [--concurrency 16] [--workers 2] [--sender wrk|python]

Creates a fresh PostgreSQL database next to `postgres` at 127.0.0.1:5432, builds the schema with
the real migrations, creates orders through the app's own services (each with a Session on a
local fake Stripe), pays them on the fake, then moves the fake into a process of its own (it
answers the app's re-read of each Session; in this process it would share a GIL with the
sender) and runs the app under gunicorn (127.0.0.1). Every delivery of `checkout.session.completed`
is then signed (10% are duplicates, many sent right after their original, so often concurrently)
and sent by the sender: wrk with bench/webhooks.lua (default), or this process's thread pool of
`requests` sessions (`--sender python`, the old sender). Before the deliveries the same sender
measures its ceiling against the same server's /healthz (one `SELECT 1`), so the reader sees
whether the server or the sender limits. Reports events/s, latency percentiles, the load average
(the machine is shared: run it several times), then reconciles: every paid order is paid and
entitled exactly once, every unpaid order is untouched, every event id is recorded once. Drops
the database afterwards.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
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
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (gevent)")
    parser.add_argument("--sender", choices=("wrk", "python"), default="wrk")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    name = f"hexpack_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.admin_url.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = args.admin_url.rsplit("/", 1)[0] + "/" + name
    fake = FakeStripe(auto_deliver=False).start()
    server = fake_pid = None
    ok = False
    try:
        unique = args.events - round(args.events * args.duplicates)
        app, events, unpaid = prepare(database_url, fake, paid=unique, unpaid=args.unpaid)
        fake_pid = detach(fake)
        server, base = start_gunicorn(database_url, fake, workers=args.workers)
        deliveries = schedule(events, total=args.events)
        send = send_wrk if args.sender == "wrk" else send_python
        send(fake, base, None, args.concurrency)  # warm-up: every worker imported, connected and compiled
        print(f"load average before: {loadavg()}")
        ceilings = [ceiling_of(send, fake, base, args, "before")]
        print(f"Delivering {len(deliveries)} signed events ({len(deliveries) - len(events)} duplicates) "
              f"to gunicorn ({args.workers} gevent workers), {args.concurrency} at a time, with {args.sender} ...")
        results = send(fake, base, deliveries, args.concurrency)
        ceilings.append(ceiling_of(send, fake, base, args, "after"))
        report(results, statistics.mean(ceilings))
        print(f"load average after: {loadavg()}")
        ok = reconcile(app, events, unpaid) and results["statuses"] == {200: len(deliveries)}
    finally:
        if server is not None:
            server.terminate()
            server.wait(20)
        if fake_pid is not None:
            os.kill(fake_pid, signal.SIGTERM)
            os.waitpid(fake_pid, 0)
        else:
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


def ceiling_of(send, fake: FakeStripe, base: str, args, when: str) -> float:
    """The sender's requests/s against the same server's /healthz (one SELECT 1), printed."""
    ceiling = send(fake, base, None, args.concurrency)
    rate = ceiling["count"] / ceiling["elapsed"]
    print(f"sender ceiling {when} ({args.sender}, {args.concurrency} connections) on /healthz: {rate:.0f} req/s, "
          f"{latencies(ceiling)}")
    return rate


def loadavg() -> str:
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def detach(fake: FakeStripe) -> int:
    """Serve the fake from a forked child (same ports, same state) so it does not share our GIL."""
    servers = (fake._api, fake._checkout)
    for server in servers:
        server.shutdown()  # this process stops serving; the listening sockets stay open for the child
    pid = os.fork()
    if pid == 0:  # the child: serve until SIGTERM; never returns into the bench
        try:
            for server in servers:
                threading.Thread(target=server.serve_forever, daemon=True).start()
            while True:
                time.sleep(3600)
        finally:
            os._exit(0)
    for server in servers:
        server.server_close()  # our copy of the socket only
    return pid


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


def send_wrk(fake: FakeStripe, base: str, plan: list[dict] | None, concurrency: int) -> dict:
    """wrk, one thread: the plan's deliveries once each (signed just before), or /healthz for 5 s (plan=None)."""
    with tempfile.NamedTemporaryFile("w", suffix=".plan", delete=False) as handle:
        for event in plan or []:
            body = json.dumps(event, separators=(",", ":"))
            handle.write(f"{fake.sign(body.encode())}\t{body}\n")
    done = handle.name + ".done"
    try:
        wrk = subprocess.Popen(
            ["wrk", "-t1", f"-c{concurrency}", "-d5s" if plan is None else f"-d{60 + len(plan) // 5}s", "--timeout",
             "30s", "-s", os.path.join(ROOT, "bench", "webhooks.lua"), base, "--", handle.name, "/stripe/webhook",
             "/healthz", str(concurrency), done], stdout=subprocess.PIPE, text=True)
        while plan is not None and wrk.poll() is None and not os.path.exists(done):
            time.sleep(0.05)
        if wrk.poll() is None and plan is not None:
            wrk.send_signal(signal.SIGINT)  # wrk waits out -d otherwise; SIGINT makes it report now
        output = wrk.communicate()[0]
    finally:
        for path in (handle.name, done):
            if os.path.exists(path):
                os.unlink(path)
    found = {key: [line.split()[1:] for line in output.splitlines() if line.startswith(key + " ")]
             for key in ("STATUS", "OUTCOME", "DURATION_US", "REQUESTS", "LATENCY_US", "ERRORS", "SENT", "DELIVERY_US")}
    sent, answered, fillers = map(int, found["SENT"][0])
    if plan is not None and (sent, answered) != (len(plan), len(plan)):
        print(f"WARNING: wrk sent {sent} of {len(plan)} deliveries and got {answered} answers")
    statuses = {int(status): int(count) for status, count in found["STATUS"]}
    errors = dict(zip(("connect", "read", "write", "status", "timeout"), map(int, found["ERRORS"][0])))
    return {"count": sum(statuses.values()) if plan is not None else int(found["REQUESTS"][0][0]),
            "elapsed": int(found["DURATION_US" if plan is None else "DELIVERY_US"][0][0]) / 1e6,
            "statuses": statuses, "fillers": fillers,
            "outcomes": {outcome: int(count) for outcome, count in found["OUTCOME"]},
            "latency_ms": {int(p): int(us) / 1000 for p, us in found["LATENCY_US"]},
            "socket_errors": {name: count for name, count in errors.items() if count and name != "status"}}


def send_python(fake: FakeStripe, base: str, plan: list[dict] | None, concurrency: int) -> dict:
    """The old sender: a thread pool of requests sessions in this process; /healthz 2000 times for plan=None."""
    local = threading.local()

    def send(event):
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        started = time.perf_counter()
        try:
            if event is None:
                response = session.get(base + "/healthz", timeout=30)
            else:
                body, headers = fake.webhook_request(event)  # signed now, as Stripe signs each attempt
                response = session.post(base + "/stripe/webhook", data=body, headers=headers, timeout=30)
            status, outcome = response.status_code, (response.json().get("outcome") if response.ok else None)
        except requests.RequestException:
            status, outcome = 0, None
        return status, outcome, time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(send, plan if plan is not None else [None] * 2000))
    elapsed = time.perf_counter() - started
    ordered = sorted(latency * 1000 for _s, _o, latency in results)
    return {"count": len(results), "elapsed": elapsed, "statuses": dict(Counter(s for s, _o, _l in results)),
            "outcomes": dict(Counter(o for _s, o, _l in results)),
            "latency_ms": {p: ordered[max(0, min(len(ordered), round(p / 100 * len(ordered))) - 1)]
                           for p in (50, 95, 99, 100)}}


def latencies(result: dict) -> str:
    latency = result["latency_ms"]
    return f"latency ms p50 {latency[50]:.1f}  p95 {latency[95]:.1f}  p99 {latency[99]:.1f}  max {latency[100]:.1f}"


def report(result: dict, limit: float) -> None:
    rate = result["count"] / result["elapsed"]
    print(f"{result['count']} deliveries in {result['elapsed']:.2f}s: {rate:.0f} events/s "
          f"({rate / limit:.2f}x the sender's mean ceiling on /healthz, {limit:.0f} req/s)")
    print(latencies(result))
    print("HTTP statuses:", result["statuses"], " socket errors:", result.get("socket_errors") or "none")
    print("outcomes:", result["outcomes"])


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
