"""Benchmark: cold opens of the sticker picker over emulated fast 3G (not a test).

    .venv/bin/python bench/picker_open.py [--runs 5] [--packs 10] [--stickers 40] [--keep]

What it does:
1. Builds a throwaway instance in a temporary folder: SQLite database (real migrations),
   10 packs x 40 stickers of 256 px drawn with Pillow (shapes, gradients and strokes in
   varied colours, so encoded sizes are realistic), imported with `flask packs import`.
2. Runs the app under gunicorn exactly as production does
   (`gunicorn --config gunicorn.conf.py wsgi:app`, env DATABASE_URL, SECRET_KEY, PORT,
   MEDIA_CACHE_DIR; plus --bind 127.0.0.1:PORT so nothing listens beyond loopback).
3. Opens the picker N times in headless Debian Chromium at 300x300 (Element's popover),
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
headers included) until the network has been idle for 1 s.
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
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from devtools.chromium import launch  # noqa: E402
from devtools.net import free_port  # noqa: E402

VENV_BIN = os.path.join(ROOT, ".venv", "bin")
FAST_3G = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 750e3 / 8}
TARGETS = {"first": 0.7, "visible": 1.3, "kib": 360}

INIT_SCRIPT = r"""
(() => {
  const marks = window.__bench = { loads: {}, paints: {} };
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
    requestAnimationFrame(() => requestAnimationFrame(() => { marks.loads[id] = performance.now(); }));
  }, true);
})();
"""

COLLECT = r"""
() => {
  const vw = innerWidth, vh = innerHeight;
  const { paints, loads } = window.__bench;
  const stickers = [...document.querySelectorAll("button.s img")];
  const visible = stickers.filter((img) => {
    const r = img.getBoundingClientRect();
    return r.width > 0 && r.bottom > 0 && r.right > 0 && r.top < vh && r.left < vw && img.closest(".pack:not([hidden])");
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
def cold_open(browser, url: str) -> dict:
    context = browser.new_context(viewport={"width": 300, "height": 300})
    try:
        page = context.new_page()
        page.add_init_script(INIT_SCRIPT)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", FAST_3G)
        requests, finished, last_activity = {}, {}, [time.monotonic()]

        def on_request(event):
            requests[event["requestId"]] = event["request"]["url"]
            last_activity[0] = time.monotonic()

        def on_finished(event):
            finished[event["requestId"]] = event.get("encodedDataLength", 0)
            last_activity[0] = time.monotonic()

        def on_failed(event):
            finished[event["requestId"]] = 0
            last_activity[0] = time.monotonic()

        cdp.on("Network.requestWillBeSent", on_request)
        cdp.on("Network.loadingFinished", on_finished)
        cdp.on("Network.loadingFailed", on_failed)
        page.goto(url, wait_until="load", timeout=60_000)
        page.wait_for_function(
            "(() => { const m = (" + COLLECT + ")(); return m.visible > 0 && m.visiblePainted === m.visible; })()",
            timeout=60_000, polling=50)
        # Let the network settle: nothing in flight and no new request for a second.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            page.wait_for_timeout(100)
            if len(finished) >= len(requests) and time.monotonic() - last_activity[0] > 1.0:
                break
        metrics = page.evaluate(COLLECT)
        metrics["requests"] = len(requests)
        metrics["bytes"] = sum(finished.values())
        metrics["by_type"] = {}
        for request_id, request_url in requests.items():
            kind = request_url.rsplit(".", 1)[-1] if "/media/" in request_url or "/static/" in request_url else "page"
            entry = metrics["by_type"].setdefault(kind, [0, 0])
            entry[0] += 1
            entry[1] += finished.get(request_id, 0)
        return metrics
    finally:
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--packs", type=int, default=10)
    parser.add_argument("--stickers", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance folder")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    workdir = tempfile.mkdtemp(prefix="hexpack-bench-")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MATRIX_", "STRIPE_", "MEDIA_BASE_URL"))}
    env.update(DATABASE_URL="sqlite:///" + os.path.join(workdir, "bench.sqlite3"), SECRET_KEY="bench-" + os.urandom(8).hex(),
               PORT=str(port), MEDIA_CACHE_DIR=os.path.join(workdir, "media"), WEB_CONCURRENCY="2",
               PUBLIC_URL=f"http://127.0.0.1:{port}")
    server = None
    try:
        print(f"Instance in {workdir}; drawing {args.packs} packs x {args.stickers} stickers ...", flush=True)
        paths = make_packs(os.path.join(workdir, "packs"), args.packs, args.stickers)
        run_flask(env, "db", "upgrade")
        run_flask(env, "packs", "import", *paths)
        server = start_gunicorn(env, port, os.path.join(workdir, "gunicorn.log"))
        base = f"http://127.0.0.1:{port}"
        url = (base + "/api/widgets/stickerpicker?theme=light&widgetId=bench"
               "&parentUrl=" + urllib.request.quote("https://element.example/", safe=""))
        for _ in range(4):  # warm the workers' page caches; the browser side stays cold
            urllib.request.urlopen(url, timeout=10).read()
        results = []
        with sync_playwright() as playwright:
            browser = launch(playwright)
            try:
                for run in range(1, args.runs + 1):
                    m = cold_open(browser, url)
                    results.append(m)
                    print(f"run {run}: first {m['first']:.0f} ms, all {m['visible']} visible {m['allVisible']:.0f} ms "
                          f"(load+rAF {m['firstLoad']:.0f}/{m['allVisibleLoad']:.0f} ms), {m['requests']} requests, "
                          f"{m['bytes'] / 1024:.1f} KiB, {m['loadedImages']}/{m['stickerImages']} sticker images loaded",
                          flush=True)
            finally:
                browser.close()
        median = {key: statistics.median(r[key] for r in results)
                  for key in ("first", "allVisible", "firstLoad", "allVisibleLoad", "requests", "bytes")}
        print("\nBreakdown of the last run (requests, KiB):")
        for kind, (count, size) in sorted(results[-1]["by_type"].items()):
            print(f"  {kind:6} {count:4} {size / 1024:8.1f}")
        print(f"\nMedians of {args.runs} cold opens, 300x300, fast 3G (150 ms, 1.6 Mbit/s down, 750 kbit/s up):")
        rows = [
            ("time to first sticker painted", median["first"] / 1000, TARGETS["first"], "s"),
            ("time to all visible stickers painted", median["allVisible"] / 1000, TARGETS["visible"], "s"),
            ("bytes transferred", median["bytes"] / 1024, TARGETS["kib"], "KiB"),
        ]
        failed = False
        for label, value, target, unit in rows:
            ok = value <= target
            failed |= not ok
            print(f"  {label:38} {value:8.3f} {unit:3} target <= {target:g} {unit:3} {'PASS' if ok else 'FAIL'}")
        print(f"  {'requests':38} {median['requests']:8.0f}")
        print(f"  {'(load+rAF cross-check: first / all)':38} {median['firstLoad'] / 1000:.3f} / "
              f"{median['allVisibleLoad'] / 1000:.3f} s")
        return 1 if failed else 0
    finally:
        if server is not None:
            stop(server)
        if args.keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
