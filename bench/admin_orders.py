"""The admin orders screen on a large table (a benchmark, not a test).

    .venv/bin/python bench/admin_orders.py [--orders 100000] [--repeat 20]

Creates a fresh PostgreSQL database next to `postgres` at 127.0.0.1:5432, builds the schema with the
real migrations, bulk-inserts `--orders` orders (2,000 buyers, 50 packs, a spread of statuses over
90 days), then times the use cases the console, the API and the CLI share, in process: a page of
the list (first, deep in the history, filtered by user, pack, status, dates), the overview's
numbers, and the whole CSV export's rows. Reports the median and the worst of `--repeat` runs in
milliseconds. Drops the database afterwards.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import create_engine, insert, text  # noqa: E402

STATUSES = ["paid"] * 70 + ["expired"] * 15 + ["pending"] * 5 + ["refunded"] * 5 + ["processing"] * 3 + \
           ["disputed"] * 1 + ["failed"] * 1


def seed(count: int) -> None:
    from app.extensions import db
    from app.models import Order, Pack, User

    rng = random.Random(8)
    db.session.execute(insert(User), [{"matrix_id": f"@buyer{i}:example.org"} for i in range(2000)])
    db.session.execute(insert(Pack), [{"slug": f"pack-{i}", "name": f"Pack {i}", "price_amount": 100 + i,
                                       "currency": "usd" if i % 5 else "eur", "status": "published",
                                       "author": "Bench", "license": "CC0", "attribution": "-"}
                                      for i in range(50)])
    now = datetime.now(timezone.utc)
    rows = []
    for index in range(count):
        status = rng.choice(STATUSES)
        created = now - timedelta(days=90) * (1 - index / count)
        rows.append({"public_id": f"ord_{index:024x}", "user_id": rng.randint(1, 2000), "pack_id": rng.randint(1, 50),
                     "amount": 500, "currency": "usd", "status": status, "created_at": created, "updated_at": created,
                     "amount_refunded": 500 if status == "refunded" else 0,
                     "payment_intent_id": f"pi_{index}" if status not in ("pending", "expired") else None})
        if len(rows) == 5000:
            db.session.execute(insert(Order), rows)
            rows = []
    if rows:
        db.session.execute(insert(Order), rows)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def timed(label: str, action, repeat: int) -> None:
    from app.extensions import db

    times = []
    for _ in range(repeat):
        db.session.expire_all()
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    print(f"{label:44} median {statistics.median(times):8.1f} ms   worst {max(times):8.1f} ms")


def run(database_url: str, count: int, repeat: int) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app.admin import orders_services as orders
    from app.admin.overview_services import needs_attention, sales_summary

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": database_url})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        seed(count)
        print(f"seeded {count} orders in {time.perf_counter() - started:.1f} s")
        middle = str(count // 2)
        since = (datetime.now(timezone.utc) - timedelta(days=3)).date().isoformat()
        cases = [
            ("list: newest 50", {}, None),
            ("list: 50 from the middle (cursor)", {}, middle),
            ("list: one buyer", {"user": "@buyer7:example.org"}, None),
            ("list: one pack", {"pack": "pack-3"}, None),
            ("list: status processing", {"status": "processing"}, None),
            ("list: status disputed, one pack", {"status": "disputed", "pack": "pack-3"}, None),
            ("list: last 3 days", {"since": since}, None),
        ]
        for label, args, cursor in cases:
            filters = orders.parse_filters(args)
            timed(label, lambda: orders.list_orders(filters, cursor=cursor), repeat)
        timed("overview: sales (3 windows)", sales_summary, repeat)
        timed("overview: needs attention (3 counts)", needs_attention, repeat)
        timed("detail of one order", lambda: orders.order_detail(f"ord_{count // 3:024x}"), repeat)
        timed("CSV rows: every order", lambda: sum(1 for _ in orders.export_rows(orders.OrderFilters())),
              max(1, repeat // 10))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    name = f"hexpack_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.admin_url.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        run(args.admin_url.rsplit("/", 1)[0] + "/" + name, args.orders, args.repeat)
    finally:
        from app.extensions import db

        try:
            db.engine.dispose()
        except RuntimeError:
            pass
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0


if __name__ == "__main__":
    sys.exit(main())
