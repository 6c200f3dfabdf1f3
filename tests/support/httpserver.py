"""Tiny local HTTP(S) servers for tests: a scripted homeserver, a TLS test CA, a silent socket."""
from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

Route = Callable[[str, dict], "tuple[int, dict, bytes]"]


class _ServedInThread:
    """A context manager for a server whose `httpd` runs on `_thread` until the block ends."""

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class ScriptedServer(_ServedInThread):
    """An HTTP server on 127.0.0.1 whose answers come from `route(path, headers)`.

    Stands in for peers that a real Synapse cannot play (a homeserver that lies about its
    users, a well-known file on an HTTPS host); every request is recorded.
    """

    def __init__(self, route: Route, *, tls: ssl.SSLContext | None = None):
        self.route = route
        self.requests: list[tuple[str, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server naming)
                headers = {key.lower(): value for key, value in self.headers.items()}
                server.requests.append((self.path, headers))
                status, extra, body = server.route(self.path, headers)
                self.send_response(status)
                for key, value in {"Content-Type": "application/json", **extra}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)



def json_answer(status: int, data) -> tuple[int, dict, bytes]:
    return status, {}, json.dumps(data).encode()


class SilentServer:
    """Accepts TCP connections (the kernel's backlog does) and never answers a byte."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()


class TestCA:
    """A throwaway certificate authority (openssl CLI) issuing leaf certificates for test names."""

    __test__ = False  # not a pytest test class

    def __init__(self, directory: str):
        self.dir = directory
        self.cert = os.path.join(directory, "ca.pem")
        self._openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                      "-keyout", os.path.join(directory, "ca.key"), "-out", self.cert, "-days", "2",
                      "-subj", "/CN=Hexpack Test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                      "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def _openssl(self, *args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    def server_context(self, name: str) -> ssl.SSLContext:
        """A server-side TLS context presenting a certificate for DNS name `name`."""
        key, csr = os.path.join(self.dir, f"{name}.key"), os.path.join(self.dir, f"{name}.csr")
        cert, ext = os.path.join(self.dir, f"{name}.pem"), os.path.join(self.dir, f"{name}.ext")
        with open(ext, "w", encoding="utf-8") as handle:
            handle.write(f"subjectAltName=DNS:{name}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        self._openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                      "-out", csr, "-subj", f"/CN={name}")
        self._openssl("x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey", os.path.join(self.dir, "ca.key"),
                      "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.cert)


class FaultyProxy(_ServedInThread):
    """A reverse proxy on 127.0.0.1 in front of a real server, answering scripted faults first.

    `fail(method, path_part, status, data)` queues one answer for the next request whose method
    matches and whose path contains `path_part`; every other request goes to `upstream` as is.
    Every request is recorded as (method, path, monotonic time).
    """

    def __init__(self, upstream: str):
        import requests

        self.upstream, self.session = upstream.rstrip("/"), requests.Session()
        self.faults: list[tuple[str, str, int, dict]] = []
        self.requests: list[tuple[str, str, float]] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = proxy.answer(self.command, self.path, dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = do_PUT = _handle  # noqa: N815 (http.server naming)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def fail(self, method: str, path_part: str, status: int, data: dict) -> None:
        with self.lock:
            self.faults.append((method, path_part, status, data))

    def answer(self, method: str, path: str, headers: dict, body: bytes) -> tuple[int, bytes]:
        import time

        with self.lock:
            self.requests.append((method, path, time.monotonic()))
            fault = next((f for f in self.faults if f[0] == method and f[1] in path), None)
            if fault:
                self.faults.remove(fault)
                return fault[2], json.dumps(fault[3]).encode()
        forwarded = {key: value for key, value in headers.items() if key.lower() in ("authorization", "content-type")}
        response = self.session.request(method, self.upstream + path, data=body or None, headers=forwarded, timeout=10)
        return response.status_code, response.content

