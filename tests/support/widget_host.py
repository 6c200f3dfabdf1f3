"""Serve the widget host page (tests/widget_host) on 127.0.0.1, on its own origin.

The host page plays Element: it embeds the picker from the app's origin, so every
postMessage between them crosses a real origin boundary. A second server on another port
gives tests a third origin to send unwelcome messages from.
"""
from __future__ import annotations

import os
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

from devtools.net import free_port

HOST_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "widget_host")
BUNDLE = os.path.join(HOST_DIR, "dist", "host.js")
SERVED = {"/host.html", "/blank.html", "/dist/host.js"}


def ensure_bundle() -> str:
    """Path of dist/host.js, rebuilt with esbuild when host.js is newer; a clear error if npm ci never ran."""
    source = os.path.join(HOST_DIR, "host.js")
    if os.path.exists(BUNDLE) and os.path.getmtime(BUNDLE) >= os.path.getmtime(source):
        return BUNDLE
    if not os.path.isdir(os.path.join(HOST_DIR, "node_modules", "matrix-widget-api")):
        raise RuntimeError("The widget host bundle is not built: run 'make setup-test' "
                           "(npm ci && npm run build in tests/widget_host).")
    subprocess.run(["npm", "run", "--silent", "build"], cwd=HOST_DIR, check=True, capture_output=True)
    return BUNDLE


class _Handler(SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=HOST_DIR, **kwargs)

    def do_GET(self):  # noqa: N802 (http.server naming)
        if self.path.split("?", 1)[0] not in SERVED:
            self.send_error(404)
            return
        super().do_GET()

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format, *args):  # quiet
        pass


class StaticServer:
    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "StaticServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class WidgetHost:
    """The host origin (host.html) and another origin (blank.html) for intruder frames."""

    def __init__(self):
        ensure_bundle()
        self.host = StaticServer().start()
        self.other = StaticServer().start()

    @property
    def url(self) -> str:
        return self.host.url + "/host.html"

    @property
    def origin(self) -> str:
        return self.host.url

    def stop(self) -> None:
        self.host.stop()
        self.other.stop()
