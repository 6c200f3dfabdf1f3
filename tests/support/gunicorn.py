"""The real gunicorn with the shipped gunicorn.conf.py, on a free loopback port, for tests."""
from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys

from devtools.net import free_port
from tests.support.wait import wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUNICORN = os.path.join(os.path.dirname(sys.executable), "gunicorn")


class Gunicorn:
    """`gunicorn --config gunicorn.conf.py wsgi:app` as the Procfile runs it, logs in a file."""

    def __init__(self, database_url: str, workdir: str, *, extra_env: dict | None = None, name: str = "gunicorn"):
        self.port = free_port()
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.env = {
            **os.environ, "PORT": str(self.port), "HOST": "127.0.0.1", "DATABASE_URL": database_url,
            "SECRET_KEY": "gunicorn-test-secret", "MEDIA_CACHE_DIR": os.path.join(workdir, f"{name}-media"),
            "PUBLIC_URL": f"http://127.0.0.1:{self.port}", "STRIPE_SECRET_KEY": "", "HOME": workdir,
            "XDG_RUNTIME_DIR": workdir, **(extra_env or {}),
        }
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 45.0) -> "Gunicorn":
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([GUNICORN, "--config", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                                            env=self.env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until(self._healthy, timeout=timeout, interval=0.3, message="gunicorn's /healthz")
        except AssertionError:
            self.stop()
            raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.log()}") from None
        return self

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{self.log()}")
        return self.get("/healthz", timeout=2)[0] == 200

    def get(self, path: str, timeout: float = 5.0) -> tuple[int | None, bytes]:
        """(status, body), or (None, b"") when the server does not answer in time."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        except OSError:
            return None, b""
        finally:
            connection.close()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
