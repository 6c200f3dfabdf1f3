"""A real Synapse homeserver for the test suite: 127.0.0.1, SQLite, shared-secret registration.

Synapse runs from its own virtualenv (.venv-synapse, made by `make test`), so its pinned
dependencies never clash with the app's.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import uuid
from dataclasses import dataclass

import requests

from devtools.net import free_port
from tests.support.wait import wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SYNAPSE_PYTHON = os.environ.get("SYNAPSE_PYTHON", os.path.join(ROOT, ".venv-synapse", "bin", "python"))
SHARED_SECRET = "hexpack-test-registration-secret"


@dataclass
class MatrixUser:
    user_id: str
    access_token: str


class SynapseServer:
    def __init__(self, workdir: str):
        self.workdir = workdir
        self.port = free_port()
        self.server_name = f"localhost:{self.port}"
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.http = requests.Session()

    def start(self, timeout: float = 90) -> None:
        if not os.path.exists(SYNAPSE_PYTHON):
            raise RuntimeError(f"Synapse is not installed at {SYNAPSE_PYTHON}: run 'make test' (it installs it).")
        config_path = self._write_config()
        self._log = open(os.path.join(self.workdir, "synapse.log"), "wb")
        self.process = subprocess.Popen(
            [SYNAPSE_PYTHON, "-m", "synapse.app.homeserver", "--config-path", config_path],
            cwd=self.workdir, stdout=self._log, stderr=subprocess.STDOUT,
        )
        try:
            wait_until(self._healthy, timeout=timeout, interval=0.2, message="Synapse's /health")
        except AssertionError:
            raise RuntimeError(f"Synapse did not start within {timeout}s; see {self.workdir}/synapse.log") from None

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"Synapse exited early; see {self.workdir}/synapse.log")
        try:
            return self.http.get(self.base_url + "/health", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if getattr(self, "_log", None):
            self._log.close()

    def _write_config(self) -> str:
        signing_key = os.path.join(self.workdir, "signing.key")
        subprocess.run([SYNAPSE_PYTHON, "-m", "synapse._scripts.generate_signing_key", "-o", signing_key],
                       check=True, capture_output=True)
        generous = {"per_second": 1000, "burst_count": 1000}
        config = {
            "server_name": self.server_name,
            "public_baseurl": self.base_url + "/",
            "pid_file": os.path.join(self.workdir, "homeserver.pid"),
            "listeners": [{"port": self.port, "bind_addresses": ["127.0.0.1"], "type": "http",
                           "tls": False, "x_forwarded": False,
                           "resources": [{"names": ["client", "federation", "openid"], "compress": False}]}],
            "database": {"name": "sqlite3", "args": {"database": os.path.join(self.workdir, "homeserver.db")}},
            "media_store_path": os.path.join(self.workdir, "media"),
            "signing_key_path": signing_key,
            "registration_shared_secret": SHARED_SECRET,
            "report_stats": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "url_preview_enabled": False,
            "enable_metrics": False,
            "presence": {"enabled": False},
            "federation_domain_whitelist": [],
            "rc_message": generous, "rc_registration": generous, "rc_joins": {"local": generous},
            "rc_login": {"address": generous, "account": generous, "failed_attempts": generous},
            "rc_admin_redaction": generous,
            "log_config": self._write_log_config(),
            "macaroon_secret_key": uuid.uuid4().hex,
            "form_secret": uuid.uuid4().hex,
        }
        path = os.path.join(self.workdir, "homeserver.yaml")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(config, handle, indent=1)  # JSON is valid YAML
        return path

    def _write_log_config(self) -> str:
        path = os.path.join(self.workdir, "log.yaml")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump({"version": 1, "formatters": {"p": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
                       "handlers": {"c": {"class": "logging.StreamHandler", "formatter": "p"}},
                       "root": {"level": "WARNING", "handlers": ["c"]}}, handle)
        return path

    # --- helpers for tests ---
    def register_user(self, localpart: str | None = None, *, admin: bool = False) -> MatrixUser:
        localpart = localpart or "u" + uuid.uuid4().hex[:10]
        url = self.base_url + "/_synapse/admin/v1/register"
        nonce = self.http.get(url, timeout=10).json()["nonce"]
        password = uuid.uuid4().hex
        body = {"nonce": nonce, "username": localpart, "password": password, "admin": admin}
        # HMAC-SHA1 over the NUL-joined fields, exactly as Synapse's register_new_matrix_user does.
        mac = hmac.new(SHARED_SECRET.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join(p.encode() for p in (nonce, localpart, password,
                                                       "admin" if admin else "notadmin")))
        body["mac"] = mac.hexdigest()
        response = self.http.post(url, json=body, timeout=10)
        response.raise_for_status()
        data = response.json()
        return MatrixUser(user_id=data["user_id"], access_token=data["access_token"])

    def client(self, user: MatrixUser, method: str, path: str, **kwargs) -> dict:
        response = self.http.request(method, self.base_url + path, timeout=10,
                                     headers={"Authorization": f"Bearer {user.access_token}"}, **kwargs)
        response.raise_for_status()
        return response.json()

    def create_room(self, user: MatrixUser) -> str:
        return self.client(user, "POST", "/_matrix/client/v3/createRoom", json={"preset": "private_chat"})["room_id"]

    def openid_token(self, user: MatrixUser) -> dict:
        """A real OpenID token object, as a widget gets from the client (MSC1960)."""
        from urllib.parse import quote

        return self.client(user, "POST", f"/_matrix/client/v3/user/{quote(user.user_id)}/openid/request_token",
                           json={})

    def room_events(self, user: MatrixUser, room_id: str, event_type: str) -> list[dict]:
        from urllib.parse import quote

        data = self.client(user, "GET", f"/_matrix/client/v3/rooms/{quote(room_id)}/messages",
                           params={"dir": "b", "limit": 50})
        return [event for event in data["chunk"] if event["type"] == event_type]
