"""Scale benchmark: the personal picker and the store API at 1 thousand and at 1 million entitlements.

    apt-get install wrk            # prerequisite: the load generator (Debian package)
    .venv/bin/python bench/scale.py [--users 100000] [--packs 10000] [--small 1000] [--large 1000000]
                                    [--connections 32] [--duration 10] [--rounds 5] [--workers 2] [--explain-only]

What it does, all on 127.0.0.1 (PostgreSQL at 127.0.0.1:5432, gunicorn started here):
1. creates a fresh database (dropped afterwards) and builds it with the real migrations; imports
   one template pack (10 generated stickers) through the real importer and a bench user through
   the app, then clones them in SQL (INSERT ... SELECT generate_series): `--packs` published packs
   (paid, but for 5 free ones) with 10 stickers each, `--users` users with an API token each;
2. gives the bench user 20 packs (granted entitlements), then `--small` entitlements in all
   (10 per user, 5% revoked) and as many orders, ANALYZE;
3. under gunicorn (`gunicorn.conf.py`, `--workers` workers), loads with wrk at `--connections`:
   - personal: the bench user's picker, `GET /api/widgets/stickerpicker?scalar_token=...`;
   - store: `GET /api/v1/store` (first page) with the bench user's Bearer token (marks `owned`);
   - store-deep: the page after the middle pack (`?cursor=`), same token;
   - store-search: `GET /api/v1/store?q=pack 77` (server-side search), same token;
   alternating URLs round by round, and prints requests/s, p50, p99;
4. grows the database to `--large` entitlements (and orders) for the same 100k users, ANALYZE,
   restarts gunicorn, measures again, and prints the large/small ratios of p50 and p99
   (target <= 1.2) and the store's p99 at `--connections` (target <= 50 ms);
5. prints EXPLAIN (ANALYZE) of every query the four requests send at the large size, and of the
   admin overview's orders query.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import create_engine, event, text  # noqa: E402

from bench.picker_load import fetch, start_gunicorn, stop, sticker_png, wrk  # noqa: E402
from devtools.net import free_port  # noqa: E402

STICKERS_PER_PACK, USER_PACKS, PER_USER, FREE_PACKS = 10, 20, 10, 5
BENCH_USER = "@bench:example.org"
URLS = ("personal", "store", "store-deep", "store-search")


def write_template(folder: str) -> str:
    import json

    rng = random.Random(11)
    path = os.path.join(folder, "template")
    os.makedirs(path)
    stickers = []
    for s in range(STICKERS_PER_PACK):
        with open(os.path.join(path, f"{s}.png"), "wb") as handle:
            handle.write(sticker_png(rng))
        stickers.append({"file": f"{s}.png", "body": f"Sticker {s}", "emoji": "🙂", "tags": ["bench"]})
    with open(os.path.join(path, "pack.json"), "w", encoding="utf-8") as handle:
        json.dump({"slug": "template", "name": "Template", "license": "CC0-1.0",
                   "attribution": "Hexpack contributors", "stickers": stickers}, handle)
    return path


def build_template(env: dict, folder: str) -> tuple[object, str]:
    """Migrate, import the template pack and create the bench user; returns (app, the user's token)."""
    from flask_migrate import upgrade

    from app import create_app
    from app.auth.tokens import get_or_create_user, issue_token
    from app.packs.importer import import_path
    from app.transactions import transaction

    app = create_app({"SECRET_KEY": env["SECRET_KEY"], "DATABASE_URL": env["DATABASE_URL"],
                      "MEDIA_CACHE_DIR": env["MEDIA_CACHE_DIR"], "PUBLIC_URL": env["PUBLIC_URL"], "MEDIA_BASE_URL": ""})
    with app.app_context():
        upgrade()
        import_path(write_template(folder))
        with transaction():
            user = get_or_create_user(BENCH_USER)
        token = issue_token(user=user, kind="im")
    return app, token


def clone_sql(conn, table: str, overrides: dict, source: str, series: str, limit: int = 1) -> None:
    """INSERT INTO table SELECT <template row's columns, with overrides> FROM <source row>, <series>."""
    columns = [row[0] for row in conn.execute(text(
        "SELECT column_name FROM information_schema.columns WHERE table_name = :t AND column_name <> 'id' "
        "ORDER BY ordinal_position"), {"t": table})]
    values = [overrides.get(column, f"t.{column}") for column in columns]
    conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "
                         f"FROM (SELECT * FROM {table} {source} LIMIT {limit}) t, {series}")


def seed_base(engine, *, packs: int, users: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE packs SET price_amount = 100, position = 0 WHERE slug = 'template'"))
        clone_sql(conn, "packs", {"slug": "'bench-' || n", "name": "'Bench pack ' || n", "position": "n",
                                  "description": "'Generated pack number ' || n || ' for the scale bench'",
                                  "author": "'Author ' || mod(n, 97)", "revision": "t.revision + n",
                                  "price_amount": f"CASE WHEN n <= {FREE_PACKS} THEN 0 ELSE 100 END"},
                  "WHERE slug = 'template'", f"generate_series(1, {packs - 1}) n")
        conn.execute(text("UPDATE catalogue_generation SET value = (SELECT max(revision) + 1 FROM packs)")
                     if _has_table(conn, "catalogue_generation") else text("SELECT 1"))
        clone_sql(conn, "stickers", {"pack_id": "p.id"}, "WHERE pack_id = (SELECT id FROM packs WHERE slug = 'template')",
                  "packs p WHERE p.slug <> 'template'", limit=STICKERS_PER_PACK)
        clone_sql(conn, "users", {"matrix_id": "'@u' || n || ':example.org'"}, f"WHERE matrix_id = '{BENCH_USER}'",
                  f"generate_series(1, {users}) n")
        clone_sql(conn, "api_tokens", {"user_id": "u.id", "token_hash": "md5(u.matrix_id) || md5(u.matrix_id || 'x')"},
                  "", f"users u WHERE u.matrix_id <> '{BENCH_USER}'")
        # The bench user's 20 packs: paid packs spread over the catalogue.
        conn.execute(text(
            "INSERT INTO entitlements (user_id, pack_id, source, granted_at) "
            "SELECT u.id, p.id, 'grant', now() FROM users u, packs p "
            f"WHERE u.matrix_id = '{BENCH_USER}' AND p.price_amount > 0 AND p.position % {max(2, packs // 21)} = 1 "
            f"ORDER BY p.position LIMIT {USER_PACKS}"))


def _has_table(conn, name: str) -> bool:
    return conn.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar() is not None


def grow(engine, *, total: int, packs: int) -> int:
    """Entitlements up to `total`: 10 per user (distinct packs, 5% revoked), each from a paid or refunded
    order, plus one pending order per user."""
    with engine.begin() as conn:
        have = conn.execute(text("SELECT count(*) FROM entitlements")).scalar()
        first_pack = conn.execute(text("SELECT min(id) FROM packs")).scalar()
        users = (total - have + PER_USER - 1) // PER_USER
        done = max(0, have - USER_PACKS) // PER_USER
        conn.execute(text(
            "INSERT INTO orders (public_id, user_id, pack_id, amount, currency, status, amount_refunded, "
            "created_at, updated_at) "
            f"SELECT 'ord_' || u.id || '_' || k, u.id, {first_pack} + ((u.id * 7 + k * 613) % {packs}), 100, 'usd', "
            f"CASE WHEN k = {PER_USER} THEN 'pending' WHEN k = 1 THEN 'refunded' ELSE 'paid' END, 0, "
            "now() - (u.id % 365) * interval '1 day', now() "
            f"FROM (SELECT id FROM users WHERE matrix_id <> '{BENCH_USER}' ORDER BY id OFFSET {done} LIMIT {users}) u, "
            f"generate_series(0, {PER_USER}) k"))
        conn.execute(text(
            "INSERT INTO entitlements (user_id, pack_id, source, order_id, granted_at, revoked_at, revoke_reason) "
            "SELECT o.user_id, o.pack_id, 'purchase', o.id, o.created_at, "
            "CASE WHEN o.status = 'refunded' AND o.user_id % 2 = 0 THEN now() END, "
            "CASE WHEN o.status = 'refunded' AND o.user_id % 2 = 0 THEN 'refund' END "
            "FROM orders o WHERE o.status <> 'pending' AND NOT EXISTS "
            "(SELECT 1 FROM entitlements e WHERE e.order_id = o.id)"))
        conn.execute(text("ANALYZE"))
        return conn.execute(text("SELECT count(*) FROM entitlements")).scalar()


def measure(env: dict, tmp: str, paths: dict, token: str, args) -> dict:
    base = f"http://127.0.0.1:{env['PORT']}"
    server = start_gunicorn(env, os.path.join(tmp, "gunicorn.log"))
    headers = {"store", "store-deep", "store-search"}
    results = {label: [] for label in URLS}
    try:
        for label in URLS:  # warm-up (and a check that each answers 200)
            fetch_ok(base + paths[label], token if label in headers else None)
            wrk(base + paths[label], duration=2, connections=args.connections, threads=1, server=server.pid,
                headers=_auth(token) if label in headers else ())
        for _ in range(args.rounds):
            for label in URLS:
                results[label].append(wrk(base + paths[label], duration=args.duration / args.rounds,
                                          connections=args.connections, threads=1, server=server.pid,
                                          headers=_auth(token) if label in headers else ()))
    finally:
        stop(server)
    return results


def _auth(token: str) -> tuple[str, ...]:
    return ("-H", f"Authorization: Bearer {token}")


def fetch_ok(url: str, token: str | None) -> None:
    import urllib.request

    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200, url


def summary(runs: list[dict]) -> dict:
    seconds = sum(r["requests"] / r["rps"] for r in runs if r["rps"])
    return {"rps": sum(r["requests"] for r in runs) / seconds if seconds else 0.0,
            "p50": sorted(r["p50"] for r in runs)[len(runs) // 2],
            "p99": sorted(r["p99"] for r in runs)[len(runs) // 2],
            "errors": sum(r["errors"] for r in runs)}


def report(sizes: dict, results: dict, args) -> None:
    print(f"\nwrk -t1 -c{args.connections}, {args.rounds} alternating rounds, {args.duration:g} s per URL; "
          f"gunicorn {args.workers} workers; medians over rounds (p99: median of the rounds' p99)")
    print(f"{'':14} {'entitlements':>12} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    table = {}
    for stage, count in sizes.items():
        for label in URLS:
            table[stage, label] = s = summary(results[stage][label])
            print(f"{label:14} {count:12,d} {s['rps']:8.0f} {s['p50']:8.2f} {s['p99']:8.2f} {s['errors']:7d}")
    small, large = list(sizes)
    for label in URLS:
        a, b = table[small, label], table[large, label]
        p50, p99 = b["p50"] / a["p50"], b["p99"] / a["p99"]
        verdict = "meets" if max(p50, p99) <= 1.2 else "MISSES"
        print(f"{label:14} {large}/{small}: p50 {p50:.2f}x, p99 {p99:.2f}x ({verdict} the 1.2x target)")
    p99 = table[large, "store"]["p99"]
    print(f"store p99 at {args.connections} concurrent with {args.packs:,d} published packs: {p99:.1f} ms "
          f"({'meets' if p99 <= 50 else 'MISSES'} the 50 ms target)")


def explain(app, token: str, paths: dict) -> None:
    """EXPLAIN ANALYZE every SELECT the requests send (through the app in this process)."""
    from app.extensions import db

    seen: list[tuple[str, object]] = []
    with app.app_context():
        engine = db.engine

        def capture(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith("SELECT") and "pg_" not in statement:
                seen.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", capture)
        client = app.test_client()
        for label in URLS:
            headers = {"Authorization": f"Bearer {token}"} if label != "personal" else {}
            seen.append((f"-- {label}: GET {paths[label]}", None))
            assert client.get(paths[label], headers=headers).status_code == 200
        event.remove(engine, "before_cursor_execute", capture)
        seen.append(("-- admin overview: paid orders of the last 30 days", None))
        seen.append(("SELECT count(*), sum(amount) FROM orders WHERE status IN ('paid', 'refunded') "
                     "AND created_at >= now() - interval '30 days'", {}))
        with engine.connect() as conn:
            for statement, parameters in seen:
                if parameters is None:
                    print("\n" + statement)
                    continue
                print("  " + " ".join(statement.split())[:300])
                plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF) " + statement, parameters)
                for (line,) in plan:
                    print("    " + line)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--packs", type=int, default=10_000, help="published packs")
    parser.add_argument("--small", type=int, default=1_000, help="entitlements at the first measurement")
    parser.add_argument("--large", type=int, default=1_000_000, help="entitlements at the second")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per URL and size, in all")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY for gunicorn")
    parser.add_argument("--explain-only", action="store_true", help="seed the large size and print the plans only")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None and not args.explain_only:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    name = f"hexpack_scale_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = args.admin_url.rsplit("/", 1)[0] + "/" + name
    tmp = tempfile.mkdtemp(prefix="hexpack-scale-")
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="bench-" + os.urandom(8).hex(), PORT=str(port),
               MEDIA_CACHE_DIR=os.path.join(tmp, "media"), WEB_CONCURRENCY=str(args.workers),
               PUBLIC_URL=f"http://127.0.0.1:{port}")
    for variable in ("MATRIX_HOMESERVER_URL", "MATRIX_ACCESS_TOKEN", "MEDIA_BASE_URL", "STRIPE_SECRET_KEY"):
        env.pop(variable, None)
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    app = None
    try:
        started = time.monotonic()
        app, token = build_template(env, tmp)
        seed_base(engine, packs=args.packs, users=args.users)
        paths = urls(engine, token, args.packs)
        sizes, results = {}, {}
        for stage, total in (("small", args.small), ("large", args.large)):
            if args.explain_only and stage == "small":
                continue
            count = grow(engine, total=total, packs=args.packs)
            print(f"Seeded {stage}: {count:,d} entitlements, {args.users:,d} users, {args.packs:,d} packs "
                  f"({time.monotonic() - started:.0f} s so far)", flush=True)
            sizes[stage] = count
            if not args.explain_only:
                results[stage] = measure(env, tmp, paths, token, args)
        if not args.explain_only:
            report(sizes, results, args)
        explain(app, token, paths)
    finally:
        if app is not None:
            with app.app_context():
                from app.extensions import db

                db.engine.dispose()
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)


def urls(engine, token: str, packs: int) -> dict:
    with engine.connect() as conn:
        position, pack_id = conn.execute(text(
            "SELECT position, id FROM packs WHERE status = 'published' ORDER BY position, id OFFSET :half LIMIT 1"),
            {"half": packs // 2 - 1}).one()
    return {"personal": f"/api/widgets/stickerpicker?scalar_token={token}", "store": "/api/v1/store",
            "store-deep": f"/api/v1/store?cursor={position}.{pack_id}", "store-search": "/api/v1/store?q=pack%2077"}


if __name__ == "__main__":
    main()
