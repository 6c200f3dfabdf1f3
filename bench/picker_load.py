"""Load benchmark: the sticker picker pages and media against static files of the same size, under gunicorn.

    apt-get install wrk            # prerequisite: the load generator (Debian package)
    .venv/bin/python bench/picker_load.py [--duration 10] [--connections 16] [--workers 2] [--only picker,personal]

What it does, all on 127.0.0.1 and in a temporary folder:
1. builds a SQLite database with the real migrations and imports 10 packs x 40 generated
   256 px stickers (varied shapes and colours) through the real importer;
2. renders the picker once and writes its gzipped bytes, as a static file, into WhiteNoise's
   dist folder (app/static/dist/bench/, removed afterwards), so both URLs send the same bytes;
3. starts `.venv/bin/gunicorn --config gunicorn.conf.py wsgi:app` with DATABASE_URL,
   SECRET_KEY, PORT, MEDIA_CACHE_DIR and WEB_CONCURRENCY set;
4. runs wrk (a second process) against each URL with `Accept-Encoding: gzip`, after a short
   warm-up, alternating URLs round by round, and prints requests/s, p50 and p99 latency and ratios:
   - picker: the anonymous picker vs `static`, its gzipped bytes as a static file (target >= 0.8);
   - personal: the picker of a signed-in user (?scalar_token=, an "im" token) who added the same
     packs to their picker, vs the anonymous picker (target >= 0.5);
   - media: a sticker thumbnail at /media/<sha256>.webp vs `media-static`, the same bytes as a
     static file (target >= 0.8).
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from devtools.net import free_port  # noqa: E402

PACKS, STICKERS, SIDE = 10, 40, 256
PICKER = "/api/widgets/stickerpicker"
# (measured, baseline, target ratio of requests/s)
COMPARISONS = (("picker", "static", 0.8), ("personal", "picker", 0.5), ("media", "media-static", 0.8))


def sticker_png(rng: random.Random) -> bytes:
    """A varied 256 px image: a few random shapes in random colours on transparency."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (SIDE, SIDE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(3, 7)):
        colour = tuple(rng.randint(0, 255) for _ in range(3)) + (255,)
        x0, y0 = rng.randint(0, SIDE - 60), rng.randint(0, SIDE - 60)
        box = [x0, y0, x0 + rng.randint(40, SIDE - x0), y0 + rng.randint(40, SIDE - y0)]
        if rng.random() < 0.5:
            draw.ellipse(box, fill=colour, outline=(30, 30, 30, 255), width=4)
        else:
            points = [(rng.randint(0, SIDE), rng.randint(0, SIDE)) for _ in range(rng.randint(3, 6))]
            draw.polygon(points, fill=colour, outline=(30, 30, 30, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def write_packs(folder: str) -> list[str]:
    rng = random.Random(2024)
    paths = []
    for p in range(PACKS):
        path = os.path.join(folder, f"bench-{p}")
        os.makedirs(path)
        stickers = []
        for s in range(STICKERS):
            name = f"{s}.png"
            with open(os.path.join(path, name), "wb") as handle:
                handle.write(sticker_png(rng))
            stickers.append({"file": name, "body": f"Bench sticker {p}-{s}", "emoji": "🙂",
                             "tags": ["bench", f"pack{p}", f"s{s}"]})
        manifest = {"slug": f"bench-{p}", "name": f"Bench pack {p}", "license": "CC0-1.0",
                    "attribution": "Hexpack contributors", "stickers": stickers}
        with open(os.path.join(path, "pack.json"), "w", encoding="utf-8") as handle:
            json.dump(manifest, handle)
        paths.append(path)
    return paths


def build_database(env: dict, folders: list[str], favourites: int) -> tuple[str, str]:
    """Import the packs; a user adds them all to their picker (and stars `favourites` stickers).
    Returns that user's token and one sticker thumbnail's media path."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import create_app
    from app.auth.tokens import get_or_create_user, issue_token
    from app.extensions import db
    from app.library.services import add_favourite, add_to_picker
    from app.media.urls import media_url
    from app.models import Pack, Sticker
    from app.packs.importer import import_path
    from app.transactions import transaction

    app = create_app({"SECRET_KEY": env["SECRET_KEY"], "DATABASE_URL": env["DATABASE_URL"],
                      "MEDIA_CACHE_DIR": env["MEDIA_CACHE_DIR"], "PUBLIC_URL": env["PUBLIC_URL"], "MEDIA_BASE_URL": ""})
    with app.app_context():
        upgrade()
        for folder in folders:
            import_path(folder)
        with transaction():
            user = get_or_create_user("@bench:example.org")
        for pack in db.session.scalars(select(Pack).order_by(Pack.position)):
            add_to_picker(user=user, slug=pack.slug)
        stickers = db.session.scalars(select(Sticker).order_by(Sticker.id)).all()
        for sticker in stickers[:favourites]:
            add_favourite(user=user, sticker_id=sticker.id)
        token = issue_token(user=user, kind="im")
        media = media_url(stickers[0].thumb_sha256, stickers[0].thumb_mimetype)
        db.engine.dispose()
    return token, media


def fetch(url: str) -> tuple[bytes, dict]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read(), dict(response.headers)


def start_gunicorn(env: dict, log_path: str) -> subprocess.Popen:
    log = open(log_path, "wb")
    process = subprocess.Popen(
        [os.path.join(ROOT, ".venv", "bin", "gunicorn"), "--config", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 30
    base = f"http://127.0.0.1:{env['PORT']}"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited early; see {log_path}")
        try:
            fetch(base + "/healthz")
            return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within 30 s; see {log_path}")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=25)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def parse_ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def server_cpu_seconds(master: int) -> float:
    """User + system CPU time of gunicorn's master and workers (Linux /proc)."""
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == master or int(fields[1]) == master:  # fields[1] is the parent pid
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def wrk(url: str, *, duration: int, connections: int, threads: int, server: int, headers: tuple = ()) -> dict:
    cpu_before = server_cpu_seconds(server)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency",
               "-H", "Accept-Encoding: gzip", *headers, url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cpu = server_cpu_seconds(server) - cpu_before
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.M))
    if "99" not in latency:
        raise SystemExit(f"wrk gave no latency distribution for {url}:\n{output}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
            "p50": parse_ms(latency["50"]), "p99": parse_ms(latency["99"]),
            "errors": int(errors.group(1)) if errors else 0, "requests": requests, "cpu": cpu}


def static_copy_of(page: bytes, media: bytes) -> tuple[str, str, str]:
    """Put the picker's gzipped bytes (WhiteNoise serves the .gz sibling) and a sticker's bytes
    into WhiteNoise's dist folder."""
    from app.assets import DIST_DIR

    folder = os.path.join(DIST_DIR, "bench")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "picker-copy.html")
    with open(path, "wb") as handle:
        handle.write(gzip.decompress(page))
    with open(path + ".gz", "wb") as handle:
        handle.write(page)
    with open(os.path.join(folder, "media-copy.webp"), "wb") as handle:
        handle.write(media)
    return folder, "/static/bench/picker-copy.html", "/static/bench/media-copy.webp"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Picker pages and media vs static files under gunicorn, loaded by wrk.")
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per URL, in all")
    parser.add_argument("--rounds", type=int, default=5, help="alternations of the URLs")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (the server needs the CPUs)")
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY for gunicorn")
    parser.add_argument("--favourites", type=int, default=0, help="stickers the signed-in user starred")
    parser.add_argument("--only", default="", help="comma-separated comparisons to run: picker, personal, media")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    wanted = [c for c in COMPARISONS if not args.only or c[0] in args.only.split(",")]
    tmp = tempfile.mkdtemp(prefix="hexpack-bench-")
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3", SECRET_KEY="bench-" + os.urandom(8).hex(),
               PORT=str(port), MEDIA_CACHE_DIR=os.path.join(tmp, "media"), WEB_CONCURRENCY=str(args.workers),
               PUBLIC_URL=f"http://127.0.0.1:{port}")
    for name in ("MATRIX_HOMESERVER_URL", "MATRIX_ACCESS_TOKEN", "MEDIA_BASE_URL"):
        env.pop(name, None)
    print(f"Building {PACKS} packs x {STICKERS} stickers in {tmp} ...", flush=True)
    token, media_path = build_database(env, write_packs(os.path.join(tmp, "packs")), args.favourites)
    base = f"http://127.0.0.1:{env['PORT']}"
    server = start_gunicorn(env, os.path.join(tmp, "gunicorn.log"))
    static_folder = None
    try:
        page, headers = fetch(base + PICKER)
        assert headers.get("Content-Encoding") == "gzip" and b"data-sticker-id" in gzip.decompress(page)
        personal, _ = fetch(base + PICKER + "?scalar_token=" + token)
        assert b'data-identified="true"' in gzip.decompress(personal)
        media, _ = fetch(base + media_path)
        stop(server)  # WhiteNoise indexes files at start-up: restart with the static copies in place
        static_folder, static_path, media_static_path = static_copy_of(page, media)
        server = start_gunicorn(env, os.path.join(tmp, "gunicorn.log"))
        static, static_headers = fetch(base + static_path)
        assert static == page and static_headers.get("Content-Encoding") == "gzip"
        assert fetch(base + media_static_path)[0] == media
        paths = {"static": static_path, "picker": PICKER, "personal": PICKER + "?scalar_token=" + token,
                 "media": media_path, "media-static": media_static_path}
        labels = list(dict.fromkeys(label for measured, baseline, _ in wanted for label in (baseline, measured)))
        results = {label: [] for label in labels}
        for label in labels:
            wrk(base + paths[label], duration=2, connections=args.connections, threads=args.threads,
                server=server.pid)  # warm-up
        for _ in range(args.rounds):  # alternate, so load from other processes hits all alike
            for label in labels:
                results[label].append(wrk(base + paths[label], duration=args.duration / args.rounds,
                                          connections=args.connections, threads=args.threads,
                                          server=server.pid))
    finally:
        stop(server)
        if static_folder:
            shutil.rmtree(static_folder, ignore_errors=True)
    sizes = {"picker": len(page), "personal": len(personal), "media": len(media)}
    report(results, sizes, wanted, args)
    shutil.rmtree(tmp, ignore_errors=True)


def report(results: dict, sizes: dict, wanted, args) -> None:
    print(f"\nGET with Accept-Encoding: gzip; bytes per response: {sizes}; gunicorn gevent, {args.workers} workers; "
          f"wrk -t{args.threads} -c{args.connections}, {args.rounds} alternating rounds, {args.duration:g} s per URL")
    print(f"{'':12} {'round':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'server CPU/req':>15}")
    for label, runs in results.items():
        for index, r in enumerate(runs, start=1):
            print(f"{label:12} {index:5d} {r['rps']:9.0f} {r['p50']:8.2f} {r['p99']:8.2f} {r['errors']:7d}"
                  f" {r['cpu'] / r['requests'] * 1e6:12.0f} us")
    total = {}
    for label, runs in results.items():
        seconds = sum(r["requests"] / r["rps"] for r in runs)
        requests = sum(r["requests"] for r in runs)
        total[label] = (requests / seconds, sum(r["cpu"] for r in runs) / requests)
        p50 = sorted(r["p50"] for r in runs)[len(runs) // 2]
        print(f"{label:12} {'all':>5} {total[label][0]:9.0f} {p50:8.2f} {max(r['p99'] for r in runs):8.2f}"
              f" {sum(r['errors'] for r in runs):7d} {total[label][1] * 1e6:12.0f} us")
    for measured, baseline, target in wanted:
        ratio = total[measured][0] / total[baseline][0]
        cpu_ratio = total[baseline][1] / total[measured][1]
        verdict = "meets" if ratio >= target else "MISSES"
        print(f"{measured}/{baseline} throughput: {ratio:.2f} ({verdict} the {target} target); "
              f"by server CPU per request: {cpu_ratio:.2f} (steadier when other processes share the CPUs)")


if __name__ == "__main__":
    main()
