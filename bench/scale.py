"""Scale benchmark: the personal picker and the store API at 1 thousand and at 1 million entitlements.

    apt-get install wrk            # prerequisite: the load generator (Debian package)
    .venv/bin/python bench/scale.py [--users 100000] [--packs 10000] [--small 1000] [--large 1000000]
                                    [--connections 32] [--duration 6] [--rounds 5] [--workers 2]
                                    [--db-prefix hexpack_scale] [--keep] [--reuse] [--explain-only]

What it does, all on 127.0.0.1 (PostgreSQL at 127.0.0.1:5432, gunicorn started here):
1. builds `<db-prefix>_small` with the real migrations; imports one template pack (10 generated
   stickers) through the real importer and a bench user through the app, then clones them in SQL
   (INSERT ... SELECT generate_series): `--packs` published packs (paid, but for 5 free ones) with
   10 stickers each, `--users` users with an API token each; gives the bench user 20 packs, then
   `--small` entitlements in all (10 per user, 5% revoked) and as many orders; ANALYZE;
2. copies it (CREATE DATABASE ... TEMPLATE) to `<db-prefix>_large` and grows that to `--large`
   entitlements and orders for the same users; ANALYZE. Both are seeded once (`--reuse` keeps
   databases a `--keep` run left behind; otherwise they are dropped at the end);
3. starts one gunicorn per database as production does (`gunicorn.conf.py`, `--workers` gevent
   workers) and loads them with wrk (one thread, `--connections` fixed connections), round by round,
   alternating the databases (which goes first alternates too), `--duration` seconds per URL:
   - personal: the bench user's picker, `GET /api/widgets/stickerpicker?scalar_token=...`;
   - store: `GET /api/v1/store` (first page) with the bench user's Bearer token (marks `owned`);
   - store-deep: the page after the middle pack (`?cursor=`), same token;
   - store-search: `GET /api/v1/store?q=pack 77` (server-side search), same token;
   and, in every round on the small database's server, two floors for this machine: `static`, a
   file with the store page's bytes served by WhiteNoise in the same gunicorn, and `healthz`
   (Flask and one `SELECT 1`);
4. prints p50 and p99 of every round, their medians over rounds, the large/small ratios of the
   medians (target <= 1.2), the store's p99 at `--connections` (target <= 50 ms) beside the
   static file's, and /proc/loadavg before and after each round (the box is shared);
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import create_engine, event, text  # noqa: E402

from bench.picker_load import start_gunicorn, stop, sticker_png, wrk  # noqa: E402
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


def bench_app(env: dict):
    from app import create_app

    return create_app({"SECRET_KEY": env["SECRET_KEY"], "DATABASE_URL": env["DATABASE_URL"],
                       "MEDIA_CACHE_DIR": env["MEDIA_CACHE_DIR"], "PUBLIC_URL": env["PUBLIC_URL"], "MEDIA_BASE_URL": ""})


def build_template(app, folder: str) -> None:
    """Migrate, import the template pack and create the bench user."""
    from flask_migrate import upgrade

    from app.auth.tokens import get_or_create_user
    from app.packs.importer import import_path
    from app.transactions import transaction

    with app.app_context():
        upgrade()
        import_path(write_template(folder))
        with transaction():
            get_or_create_user(BENCH_USER)
        db_dispose()


def bench_token(app) -> str:
    """A fresh IM token of the bench user (the same raw token works on both databases)."""
    from app.auth.tokens import issue_token
    from app.models import User

    with app.app_context():
        from app.extensions import db

        token = issue_token(user=db.session.query(User).filter_by(matrix_id=BENCH_USER).one(), kind="im")
        db_dispose()
    return token


def db_dispose() -> None:
    from app.extensions import db

    db.session.remove()
    db.engine.dispose()


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
        # Cloned packs took revisions above the generation: move it past them, as the app would have.
        conn.execute(text("UPDATE catalogue_state SET generation = (SELECT max(revision) + 1 FROM packs)"))
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


def database_exists(admin, name: str) -> bool:
    with admin.connect() as conn:
        return conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar() is not None


def seed_databases(admin, args, env: dict, tmp: str) -> dict:
    """{stage: database URL}: `<prefix>_small` seeded, then copied to `<prefix>_large` and grown."""
    names = {"small": f"{args.db_prefix}_small", "large": f"{args.db_prefix}_large"}
    urls = {stage: args.admin_url.rsplit("/", 1)[0] + "/" + name for stage, name in names.items()}
    if args.reuse and all(database_exists(admin, name) for name in names.values()):
        print(f"Reusing {', '.join(names.values())}", flush=True)
        return urls
    started = time.monotonic()
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{names["small"]}"'))
    build_template(bench_app(dict(env, DATABASE_URL=urls["small"])), tmp)
    engine = create_engine(_driver(urls["small"]))
    seed_base(engine, packs=args.packs, users=args.users)
    grow(engine, total=args.small, packs=args.packs)
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{names["large"]}" TEMPLATE "{names["small"]}"'))
    engine = create_engine(_driver(urls["large"]))
    grow(engine, total=args.large, packs=args.packs)
    engine.dispose()
    print(f"Seeded {', '.join(names.values())} in {time.monotonic() - started:.0f} s", flush=True)
    return urls


def _driver(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def counts(url: str) -> dict:
    engine = create_engine(_driver(url))
    with engine.connect() as conn:
        found = {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                 for table in ("entitlements", "orders", "users", "packs")}
    engine.dispose()
    return found


def static_copy(app, token: str) -> tuple[str, str]:
    """The store page's bytes as a file WhiteNoise serves (no .gz sibling: sent as they are)."""
    from app.assets import DIST_DIR

    with app.app_context():
        body = app.test_client().get("/api/v1/store", headers={"Authorization": f"Bearer {token}"}).data
        db_dispose()
    folder = os.path.join(DIST_DIR, "bench")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"scale-store-{os.getpid()}.json")
    with open(path, "wb") as handle:
        handle.write(body)
    return path, f"/static/bench/{os.path.basename(path)}"


def loadavg() -> str:
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def measure(servers: dict, ports: dict, paths: dict, tokens: dict, args) -> tuple[dict, list]:
    """{(stage, label): [wrk result per round]} and the load averages around each round."""
    results, loads = {}, []

    def run(stage: str, label: str, seconds: float) -> dict:
        token = tokens[stage] if label.startswith("store") else None
        return wrk(f"http://127.0.0.1:{ports[stage]}{paths[stage][label]}", duration=seconds,
                   connections=args.connections, threads=1, server=servers[stage].pid,
                   headers=_auth(token) if token else ())

    for stage in servers:  # warm-up: caches filled, connections open
        for label in paths[stage]:
            fetch_ok(f"http://127.0.0.1:{ports[stage]}{paths[stage][label]}",
                     tokens[stage] if label.startswith("store") else None)
            run(stage, label, 2)
    for round_index in range(args.rounds):
        before = loadavg()
        order = list(servers) if round_index % 2 == 0 else list(reversed(servers))
        for stage in order:
            for label in paths[stage]:
                results.setdefault((stage, label), []).append(run(stage, label, args.duration))
        loads.append((before, loadavg()))
        print(f"round {round_index + 1}/{args.rounds} done, loadavg {before} -> {loads[-1][1]}", flush=True)
    return results, loads


def _auth(token: str) -> tuple[str, ...]:
    return ("-H", f"Authorization: Bearer {token}")


def fetch_ok(url: str, token: str | None) -> None:
    import urllib.request

    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200, url


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def report(sizes: dict, results: dict, loads: list, args) -> None:
    print(f"\nwrk -t1 -c{args.connections} -d{args.duration:g}s per URL, {args.rounds} rounds alternating the "
          f"databases; gunicorn.conf.py, {args.workers} gevent workers per server; medians over rounds")
    print("(cpu ms/req: gunicorn's CPU time per request, which other load on the box disturbs least)")
    print(f"{'':14}{'entitlements':>13}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'cpu ms/req':>11}{'errors':>7}"
          "  p50/p99 per round (ms)")
    table = {}
    for (stage, label), runs in results.items():
        table[stage, label] = row = {key: median([run[key] for run in runs]) for key in ("rps", "p50", "p99")}
        row["cpu"] = median([1000 * run["cpu"] / max(1, run["requests"]) for run in runs])
        rounds = " ".join(f"{run['p50']:.0f}/{run['p99']:.0f}" for run in runs)
        print(f"{label:14}{sizes[stage]:13,d}{row['rps']:8.0f}{row['p50']:8.1f}{row['p99']:8.1f}{row['cpu']:11.2f}"
              f"{sum(run['errors'] for run in runs):7d}  {rounds}")
    for label in URLS:
        small, large = table["small", label], table["large", label]
        p50, p99 = large["p50"] / small["p50"], large["p99"] / small["p99"]
        print(f"{label:14} large/small: p50 {p50:.2f}x, p99 {p99:.2f}x "
              f"({'meets' if max(p50, p99) <= 1.2 else 'MISSES'} the 1.2x target)")
    store, static, health = table["large", "store"]["p99"], table["small", "static"]["p99"], table["small", "healthz"]["p99"]
    print(f"store p99 at {args.connections} connections with {args.packs:,d} published packs: {store:.1f} ms "
          f"({'meets' if store <= 50 else 'MISSES'} the 50 ms target); static file of the same bytes: "
          f"{static:.1f} ms (store/static {store / static:.2f}x), /healthz {health:.1f} ms")
    print("loadavg per round (before -> after): " + "; ".join(f"{a} -> {b}" for a, b in loads))


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
        db_dispose()


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--packs", type=int, default=10_000, help="published packs")
    parser.add_argument("--small", type=int, default=1_000, help="entitlements in the small database")
    parser.add_argument("--large", type=int, default=1_000_000, help="entitlements in the large one")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=6, help="seconds of load per URL, database and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY for gunicorn")
    parser.add_argument("--db-prefix", default="hexpack_scale", help="databases <prefix>_small and <prefix>_large")
    parser.add_argument("--keep", action="store_true", help="keep the databases (for --reuse)")
    parser.add_argument("--reuse", action="store_true", help="use the databases a --keep run left")
    parser.add_argument("--explain-only", action="store_true", help="seed and print the large size's plans only")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    if shutil.which("wrk") is None and not args.explain_only:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    admin = create_engine(_driver(args.admin_url), isolation_level="AUTOCOMMIT")
    tmp = tempfile.mkdtemp(prefix="hexpack-scale-")
    env = dict(os.environ, SECRET_KEY="bench-" + os.urandom(8).hex(), MEDIA_CACHE_DIR=os.path.join(tmp, "media"),
               WEB_CONCURRENCY=str(args.workers))
    for variable in ("MATRIX_HOMESERVER_URL", "MATRIX_ACCESS_TOKEN", "MEDIA_BASE_URL", "STRIPE_SECRET_KEY"):
        env.pop(variable, None)
    database_urls, static_file, servers = {}, None, {}
    try:
        database_urls = seed_databases(admin, args, dict(env, PUBLIC_URL="http://127.0.0.1"), tmp)
        ports = {stage: free_port() for stage in database_urls}
        envs = {stage: dict(env, DATABASE_URL=url, PORT=str(ports[stage]), PUBLIC_URL=f"http://127.0.0.1:{ports[stage]}")
                for stage, url in database_urls.items()}
        apps = {stage: bench_app(envs[stage]) for stage in envs}
        tokens = {stage: bench_token(app) for stage, app in apps.items()}
        sizes = {stage: counts(url)["entitlements"] for stage, url in database_urls.items()}
        print(f"Entitlements: {sizes}; {counts(database_urls['large'])}", flush=True)
        paths = {stage: urls(database_urls[stage], tokens[stage], args.packs) for stage in database_urls}
        if not args.explain_only:
            static_file, static_path = static_copy(apps["small"], tokens["small"])
            paths["small"].update(static=static_path, healthz="/healthz")
            for stage in envs:
                servers[stage] = start_gunicorn(envs[stage], os.path.join(tmp, f"gunicorn-{stage}.log"))
            results, loads = measure(servers, ports, paths, tokens, args)
            report(sizes, results, loads, args)
        explain(apps["large"], tokens["large"], paths["large"])
    finally:
        for server in servers.values():
            stop(server)
        if static_file:
            os.remove(static_file)
        if not args.keep:
            with admin.connect() as conn:
                for url in database_urls.values():
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)


def urls(database_url: str, token: str, packs: int) -> dict:
    engine = create_engine(_driver(database_url))
    with engine.connect() as conn:
        position, pack_id = conn.execute(text(
            "SELECT position, id FROM packs WHERE status = 'published' ORDER BY position, id OFFSET :half LIMIT 1"),
            {"half": packs // 2 - 1}).one()
    engine.dispose()
    return {"personal": f"/api/widgets/stickerpicker?scalar_token={token}", "store": "/api/v1/store",
            "store-deep": f"/api/v1/store?cursor={position}.{pack_id}", "store-search": "/api/v1/store?q=pack%2077"}


if __name__ == "__main__":
    main()
