"""Benchmark: cold opens of the sticker picker over emulated fast 3G (not a test).

    .venv/bin/python bench/picker_open.py [--runs 5] [--packs 10] [--stickers 40] [--keep]
        [--maunium DIR [--maunium-thumbnails 128|full]]

What it does:
1. Builds two throwaway instances in a temporary folder, each a SQLite database (real
   migrations) filled with `flask packs import`:
   - "installed": the picker as `make run` sets it up, the demo packs first (their free
     packs carry animated stickers), then the generated packs;
   - "static": the generated packs only: 10 packs x 40 stickers of 256 px drawn with Pillow
     (shapes, gradients and strokes in varied colours, so encoded sizes are realistic).
2. Runs each under gunicorn exactly as production does
   (`gunicorn --config gunicorn.conf.py wsgi:app`, env DATABASE_URL, SECRET_KEY, PORT,
   MEDIA_CACHE_DIR; plus --bind 127.0.0.1:PORT so nothing listens beyond loopback).
3. Opens each picker N times, alternating (so load from other processes hits both alike),
   in headless Debian Chromium at 300x300 (Element's popover),
   each in a fresh browser context with the cache disabled, with the network emulated
   through CDP Network.emulateNetworkConditions: latency 150 ms, 1.6 Mbit/s down,
   750 kbit/s up.

How paint is measured: an init script (run before the page's own code) gives every <img>
an `elementtiming` attribute as the parser inserts it, and a buffered PerformanceObserver
collects Element Timing entries; `renderTime` is when the image was first painted,
relative to navigation start. "First sticker" is the earliest renderTime among grid
stickers (`button.s img`); "all visible" is the latest renderTime among grid stickers
whose box intersects the 300x300 viewport once loading settles (pack tab icons are
excluded from both). As a cross-check the script also records each image's `load` event
followed by two requestAnimationFrame callbacks (load+rAF), reported alongside.
Requests and bytes come from CDP Network events (encodedDataLength: bytes on the wire,
headers included) until the network has been idle for 1 s; "bytes before all visible" counts
the bytes received (Network.dataReceived) until the last visible sticker was painted (for the
document, whose chunks Chromium reports without their wire size, its total spread over them).
Images in the page as data: URIs are not requests and are not counted as such.

With --maunium DIR (a checkout: `git clone https://github.com/maunium/stickerpicker DIR`; its
code, AGPL-3.0, is not in this repository), a third contestant: maunium's web/ with the same
generated packs in its own format, served gzip'd from 127.0.0.1 (bench/maunium_site.py says how),
measured the same way; its grid stickers are the <img> of its pack list's div.sticker cells.
The order of the contestants rotates each round.

Targets (issue 11): the installed picker within 1.15x of the static one, to the first sticker
and to all visible; both within 0.35x of maunium's times (with --maunium); at most 100 KiB
before all visible. The exit status is 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import colorsys
import json
import math
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench import maunium_site  # noqa: E402
from devtools.chromium import launch  # noqa: E402
from devtools.net import free_port  # noqa: E402

VENV_BIN = os.path.join(ROOT, ".venv", "bin")
FAST_3G = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 750e3 / 8}
DEMO_PACKS = os.path.join(ROOT, "demo_packs")
TARGETS = {"ratio": 1.15, "vs_maunium": 0.35, "kib_before_visible": 100}

INIT_SCRIPT = r"""
(() => {
  const marks = window.__bench = { loads: {}, paints: {}, seen: new Set() };
  let counter = 0;
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) {
      if (n.nodeType !== 1) continue;
      const imgs = n.tagName === "IMG" ? [n] : n.querySelectorAll ? n.querySelectorAll("img") : [];
      for (const img of imgs) if (!img.hasAttribute("elementtiming")) img.setAttribute("elementtiming", "i" + counter++);
    }
  }).observe(document, { childList: true, subtree: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (!(e.identifier in marks.paints)) marks.paints[e.identifier] = e.renderTime || e.loadTime;
    }
  }).observe({ type: "element", buffered: true });
  document.addEventListener("load", (ev) => {
    const img = ev.target;
    if (img.tagName !== "IMG") return;
    const id = img.getAttribute("elementtiming");
    if (marks.seen.has(id)) return; // an animated sticker loads again when it starts to play
    marks.seen.add(id);
    requestAnimationFrame(() => requestAnimationFrame(() => { marks.loads[id] = performance.now(); }));
  }, true);
})();
"""

# Which <img> are grid stickers (Hexpack's sticker buttons; pack tab icons are links), which box
# says a sticker is on screen (`img` or its `cell`), and the section it must be in to be shown.
# maunium's are in bench/maunium_site.py.
HEXPACK_STICKERS = {"img": "button.s img", "box": "img", "shown": ".pack:not([hidden])"}

COLLECT = r"""
(sel) => {
  const vw = innerWidth, vh = innerHeight;
  const { paints, loads } = window.__bench;
  const stickers = [...document.querySelectorAll(sel.img)];
  const visible = stickers.filter((img) => {
    const r = (sel.box === "cell" ? img.parentElement : img).getBoundingClientRect();
    return r.width > 0 && r.bottom > 0 && r.right > 0 && r.top < vh && r.left < vw && img.closest(sel.shown);
  });
  const id = (img) => img.getAttribute("elementtiming");
  return {
    visible: visible.length,
    visiblePainted: visible.filter((img) => id(img) in paints).length,
    first: Math.min(...stickers.map((img) => paints[id(img)]).filter((t) => t !== undefined)),
    allVisible: Math.max(...visible.map((img) => paints[id(img)] ?? Infinity)),
    firstLoad: Math.min(...stickers.map((img) => loads[id(img)]).filter((t) => t !== undefined)),
    allVisibleLoad: Math.max(...visible.map((img) => loads[id(img)] ?? Infinity)),
    stickerImages: stickers.length,
    loadedImages: stickers.filter((img) => img.complete && img.naturalWidth > 0 && img.getAttribute("src")).length,
  };
}
"""


# --- test data -----------------------------------------------------------------------------
def draw_sticker(rng: random.Random, size: int = 256):
    from PIL import Image, ImageDraw, ImageFilter

    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    hue = rng.random()

    def colour(shift=0.0, alpha=255):
        r, g, b = colorsys.hsv_to_rgb((hue + shift) % 1.0, rng.uniform(0.45, 0.9), rng.uniform(0.7, 1.0))
        return (int(r * 255), int(g * 255), int(b * 255), alpha)

    # A body with a vertical gradient, then features, then an outline: like a cartoon sticker.
    cx, cy = size / 2 + rng.uniform(-20, 20), size / 2 + rng.uniform(-20, 20)
    rx, ry = rng.uniform(70, 115), rng.uniform(70, 115)
    body = Image.new("L", (size, size), 0)
    ImageDraw.Draw(body).ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=255)
    gradient = Image.new("RGBA", (size, size))
    gdraw = ImageDraw.Draw(gradient)
    top, bottom = colour(0.0), colour(rng.uniform(0.05, 0.2))
    for y in range(size):
        t = y / size
        gdraw.line([(0, y), (size, y)], fill=tuple(int(top[i] * (1 - t) + bottom[i] * t) for i in range(4)))
    image.paste(gradient, (0, 0), body)
    for _ in range(rng.randint(3, 8)):
        x, y, r = rng.uniform(40, size - 40), rng.uniform(40, size - 40), rng.uniform(6, 30)
        shape = rng.choice(["ellipse", "polygon", "line", "arc"])
        fill = colour(rng.uniform(0.3, 0.7), rng.randint(180, 255))
        if shape == "ellipse":
            draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=(20, 20, 20, 255), width=2)
        elif shape == "polygon":
            n = rng.randint(3, 7)
            draw.polygon([(x + r * math.cos(2 * math.pi * k / n + hue), y + r * math.sin(2 * math.pi * k / n + hue))
                          for k in range(n)], fill=fill)
        elif shape == "line":
            draw.line([(x, y), (x + rng.uniform(-60, 60), y + rng.uniform(-60, 60))], fill=fill, width=rng.randint(3, 9))
        else:
            draw.arc((x - r, y - r, x + r, y + r), rng.randint(0, 180), rng.randint(180, 360), fill=(20, 20, 20, 255),
                     width=4)
    draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), outline=(25, 25, 25, 255), width=5)
    shadow = image.filter(ImageFilter.GaussianBlur(3))
    out = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    out.paste(shadow, (3, 4), shadow)
    out.alpha_composite(image)
    return out


def make_packs(folder: str, packs: int, per_pack: int) -> list[str]:
    rng = random.Random(20260101)
    paths = []
    for p in range(packs):
        path = os.path.join(folder, f"pack{p:02d}")
        os.makedirs(path)
        stickers = []
        for s in range(per_pack):
            draw_sticker(rng).save(os.path.join(path, f"{s:02d}.png"))
            stickers.append({"file": f"{s:02d}.png", "body": f"Sticker {p}-{s}", "emoji": "🙂",
                             "tags": [f"pack{p}", rng.choice(["happy", "sad", "angry", "sleepy", "party"])]})
        with open(os.path.join(path, "pack.json"), "w") as handle:
            json.dump({"name": f"Bench pack {p}", "slug": f"bench-{p:02d}", "license": "CC0-1.0",
                       "attribution": "generated by bench/picker_open.py", "stickers": stickers}, handle)
        paths.append(path)
    return paths


# --- the server ----------------------------------------------------------------------------
def run_flask(env, *args):
    result = subprocess.run([os.path.join(VENV_BIN, "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def start_gunicorn(env, port: int, log_path: str) -> subprocess.Popen:
    log = open(log_path, "wb")
    process = subprocess.Popen([os.path.join(VENV_BIN, "gunicorn"), "--config", "gunicorn.conf.py",
                                "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited early; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    sys.exit(f"gunicorn did not answer within 30 s; see {log_path}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


# --- one cold open -------------------------------------------------------------------------
def cold_open(browser, url: str, selectors: dict) -> dict:
    context = browser.new_context(viewport={"width": 300, "height": 300})
    try:
        page = context.new_page()
        page.add_init_script(INIT_SCRIPT)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", FAST_3G)
        requests, finished, received, last_activity = {}, {}, [], [time.monotonic()]
        started = []  # CDP timestamp (s) of the document request: close to navigation start

        def on_request(event):
            if event["request"]["url"].startswith("data:"):
                return  # an image in the page: no request on the network
            requests[event["requestId"]] = event["request"]["url"]
            if not started:
                started.append(event["timestamp"])
            last_activity[0] = time.monotonic()

        def on_data(event):
            received.append((event["requestId"], event["timestamp"], event.get("encodedDataLength", 0),
                             event.get("dataLength", 0)))

        def on_finished(event):
            finished[event["requestId"]] = event.get("encodedDataLength", 0)
            last_activity[0] = time.monotonic()

        def on_failed(event):
            finished[event["requestId"]] = 0
            last_activity[0] = time.monotonic()

        cdp.on("Network.requestWillBeSent", on_request)
        cdp.on("Network.dataReceived", on_data)
        cdp.on("Network.loadingFinished", on_finished)
        cdp.on("Network.loadingFailed", on_failed)
        page.goto(url, wait_until="load", timeout=60_000)
        page.wait_for_function(
            "(sel) => { const m = (" + COLLECT + ")(sel); return m.visible > 0 && m.visiblePainted === m.visible; }",
            arg=selectors, timeout=60_000, polling=50)
        # Let the network settle: nothing in flight and no new request for a second.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            page.wait_for_timeout(100)
            if len(finished) >= len(requests) and time.monotonic() - last_activity[0] > 1.0:
                break
        metrics = page.evaluate(COLLECT, selectors)
        metrics["requests"] = len(requests)
        metrics["bytes"] = sum(finished.values())
        cutoff = started[0] + metrics["allVisible"] / 1000
        metrics["bytesBeforeVisible"] = bytes_before(received, finished, cutoff)
        metrics["by_type"] = {}
        for request_id, request_url in requests.items():
            kind = request_kind(request_url)
            entry = metrics["by_type"].setdefault(kind, [0, 0])
            entry[0] += 1
            entry[1] += finished.get(request_id, 0)
        return metrics
    finally:
        context.close()


def bytes_before(received: list[tuple], finished: dict, cutoff: float) -> float:
    """Bytes on the wire received until `cutoff` (a CDP timestamp). Chromium reports no encoded length
    in a navigation's Network.dataReceived (only its total, in loadingFinished): that total is
    spread over the document's chunks by their decoded lengths."""
    encoded, decoded = {}, {}
    for request_id, _at, encoded_length, decoded_length in received:
        encoded[request_id] = encoded.get(request_id, 0) + encoded_length
        decoded[request_id] = decoded.get(request_id, 0) + decoded_length
    total = 0.0
    for request_id, at, encoded_length, decoded_length in received:
        if at > cutoff:
            continue
        if encoded[request_id] == 0 and decoded[request_id]:
            encoded_length = finished.get(request_id, 0) * decoded_length / decoded[request_id]
        total += encoded_length
    return total


def request_kind(url: str) -> str:
    path = urllib.parse.urlsplit(url).path
    if "/packs/thumbnails/" in path:
        return "png"  # maunium's thumbnails have no extension
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1] if "." in name else "page"


# --- the instances -------------------------------------------------------------------------
class Instance:
    """One database and media folder, served by its own gunicorn on loopback."""

    selectors = HEXPACK_STICKERS

    def __init__(self, name: str, workdir: str, pack_paths: list[str]):
        self.name, self.port = name, free_port()
        folder = os.path.join(workdir, name)
        os.makedirs(folder)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("MATRIX_", "STRIPE_", "MEDIA_BASE_URL"))}
        self.env.update(DATABASE_URL="sqlite:///" + os.path.join(folder, "bench.sqlite3"),
                        SECRET_KEY="bench-" + os.urandom(8).hex(), PORT=str(self.port),
                        MEDIA_CACHE_DIR=os.path.join(folder, "media"), WEB_CONCURRENCY="2",
                        PUBLIC_URL=f"http://127.0.0.1:{self.port}")
        self.log = os.path.join(folder, "gunicorn.log")
        run_flask(self.env, "db", "upgrade")
        run_flask(self.env, "packs", "import", *pack_paths)
        self.server = None
        self.url = (f"http://127.0.0.1:{self.port}/api/widgets/stickerpicker?theme=light&widgetId=bench"
                    "&parentUrl=" + urllib.request.quote("https://element.example/", safe=""))

    def start(self) -> None:
        self.server = start_gunicorn(self.env, self.port, self.log)
        for _ in range(4):  # warm the workers' page caches; the browser side stays cold
            urllib.request.urlopen(self.url, timeout=10).read()

    def stop(self) -> None:
        if self.server is not None:
            stop(self.server)


def demo_pack_paths() -> list[str]:
    return sorted(os.path.join(DEMO_PACKS, name) for name in os.listdir(DEMO_PACKS)
                  if os.path.exists(os.path.join(DEMO_PACKS, name, "pack.json")))


def print_run(name: str, run: int, m: dict) -> None:
    print(f"{name:9} run {run}: first {m['first']:.0f} ms, all {m['visible']} visible {m['allVisible']:.0f} ms "
          f"(load+rAF {m['firstLoad']:.0f}/{m['allVisibleLoad']:.0f} ms), {m['requests']} requests, "
          f"{m['bytesBeforeVisible'] / 1024:.1f} KiB before all visible, {m['bytes'] / 1024:.1f} KiB in all, "
          f"{m['loadedImages']}/{m['stickerImages']} sticker images loaded", flush=True)


KEYS = ("first", "allVisible", "firstLoad", "allVisibleLoad", "requests", "bytes", "bytesBeforeVisible")


def report(results: dict, runs: int) -> bool:
    median = {name: {key: statistics.median(r[key] for r in rs) for key in KEYS} for name, rs in results.items()}
    for name, rs in results.items():
        print(f"\nBreakdown of the last {name} run (requests, KiB):")
        for kind, (count, size) in sorted(rs[-1]["by_type"].items()):
            print(f"  {kind:6} {count:4} {size / 1024:8.1f}")
    print(f"\nMedians of {runs} cold opens each, alternating, 300x300, fast 3G (150 ms, 1.6 Mbit/s down, 750 kbit/s up):")
    names = list(median)
    print(f"  {'':34}" + "".join(f" {name:>10}" for name in names))
    rows = (("time to first sticker painted (ms)", "first", 1), ("time to all visible painted (ms)", "allVisible", 1),
            ("load+rAF first (ms)", "firstLoad", 1), ("load+rAF all visible (ms)", "allVisibleLoad", 1),
            ("KiB before all visible", "bytesBeforeVisible", 1024), ("KiB in all (network idle 1 s)", "bytes", 1024),
            ("requests", "requests", 1))
    for label, key, scale in rows:
        print(f"  {label:34}" + "".join(f" {median[name][key] / scale:10.1f}" for name in names))
    print("\nTargets (issue 11):")
    failed = False

    def check(label: str, value: float, limit: float) -> None:
        nonlocal failed
        failed |= value > limit
        print(f"  {label:48} {value:7.2f}  <= {limit}  {'PASS' if value <= limit else 'FAIL'}")

    pairs = [("installed", "static", TARGETS["ratio"])]
    pairs += [(name, "maunium", TARGETS["vs_maunium"]) for name in ("static", "installed") if "maunium" in median]
    for top, bottom, limit in pairs:
        for what, key in (("first sticker", "first"), ("all visible", "allVisible")):
            check(f"{top} / {bottom}, {what}", median[top][key] / median[bottom][key], limit)
    for name in ("installed", "static"):
        check(f"{name}: KiB before all visible", median[name]["bytesBeforeVisible"] / 1024,
              TARGETS["kib_before_visible"])
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--packs", type=int, default=10)
    parser.add_argument("--stickers", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance folder")
    parser.add_argument("--maunium", metavar="DIR", help="a checkout of maunium/stickerpicker to compare with")
    parser.add_argument("--maunium-thumbnails", choices=("128", "full"), default="128",
                        help="maunium's thumbnails: 128 px PNG (the issue's dataset) or full size (its tool's output)")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    workdir = tempfile.mkdtemp(prefix="hexpack-bench-")
    instances = []
    try:
        print(f"Instances in {workdir}; drawing {args.packs} packs x {args.stickers} stickers ...", flush=True)
        paths = make_packs(os.path.join(workdir, "packs"), args.packs, args.stickers)
        instances = [Instance("installed", workdir, demo_pack_paths() + paths), Instance("static", workdir, paths)]
        if args.maunium:
            site = maunium_site.build(args.maunium, paths, os.path.join(workdir, "maunium"), args.maunium_thumbnails)
            instances.append(maunium_site.Server(site, free_port()))
        for instance in instances:
            instance.start()
        results = {instance.name: [] for instance in instances}
        with sync_playwright() as playwright:
            browser = launch(playwright)
            try:
                for run in range(1, args.runs + 1):
                    shift = run % len(instances)  # each instance takes each place in the order in turn
                    for instance in instances[shift:] + instances[:shift]:
                        m = cold_open(browser, instance.url, instance.selectors)
                        results[instance.name].append(m)
                        print_run(instance.name, run, m)
            finally:
                browser.close()
        return 1 if report(results, args.runs) else 0
    finally:
        for instance in instances:
            instance.stop()
        if args.keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
