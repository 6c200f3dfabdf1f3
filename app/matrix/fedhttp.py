"""The one HTTP client for homeservers (urllib3): vetted IPs, verified TLS, timeouts, capped bodies.

The address is resolved once, every resolved address is checked against the SSRF blocklist,
and the connection goes to the vetted IP itself (so a second DNS answer cannot swap in a
private address), with the Host header and TLS verification for the server's name.
Operator-configured servers (trusted_destination) skip only the address vetting.
"""
from __future__ import annotations

import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError, ReadTimeoutError, SSLError

from app.exceptions import BlockedDestination, HomeserverTimeout, UpstreamError
from app.matrix import netguard

DEFAULT_TIMEOUT = 5.0  # seconds for one whole request: connect, send, read
CONNECT_TIMEOUT = 3.0
DEFAULT_MAX_BYTES = 16 * 1024
MAX_ADDRESSES_TRIED = 3
USER_AGENT = "Hexpack (Matrix integration manager)"


@dataclass(frozen=True)
class Destination:
    """Where a request goes, as server discovery decided it."""

    host: str  # hostname or IP literal (no brackets) to connect to
    port: int
    host_header: str  # Host: the server name (with port, if it had one)
    tls_name: str  # the name (or IP) the certificate must be valid for
    scheme: str = "https"
    base_path: str = ""  # path prefix of an operator-configured base URL
    trusted: bool = False  # an operator override: reachable even on a private address


@dataclass(frozen=True)
class Outgoing:
    method: str
    path: str  # with the destination's base path and the query
    body: bytes | None
    headers: dict


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict = field(default_factory=dict)  # lower-case names
    body: bytes = b""


class TooLarge(UpstreamError):
    pass


def trusted_destination(base_url: str) -> Destination:
    """An operator-configured http(s) base URL: reachable even on a private address.

    Raises ValueError when `base_url` is not http(s)://host[:port][/path].
    """
    parts = urlsplit(base_url.strip())
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s):// URL: {base_url!r}")
    return Destination(host=parts.hostname, port=port, host_header=parts.netloc, tls_name=parts.hostname,
                       scheme=parts.scheme, base_path=parts.path.rstrip("/"), trusted=True)


def _system_addresses(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        if sockaddr[0] not in seen:
            seen.append(sockaddr[0])
    return seen


class Fetcher:
    """Requests to homeservers. The lookups and the TLS context are seams for tests."""

    def __init__(self, *, addresses: Callable[[str, int], list[str]] = _system_addresses,
                 is_blocked: Callable[[str], bool] = netguard.is_blocked,
                 ssl_context: ssl.SSLContext | None = None, timeout: float = DEFAULT_TIMEOUT,
                 max_bytes: int = DEFAULT_MAX_BYTES):
        self.addresses = addresses
        self.is_blocked = is_blocked
        self.ssl_context = ssl_context
        self.timeout = timeout
        self.max_bytes = max_bytes

    def vetted_addresses(self, host: str, port: int) -> list[str]:
        """Resolve `host`; refuse if any answer is a blocked address (DNS answers can be mixed)."""
        if host == "localhost" or host.endswith(".localhost"):
            raise BlockedDestination(f"Refusing to contact {host}: it is a loopback name.")
        try:
            found = self.addresses(host, port)
        except (OSError, UnicodeError):
            raise UpstreamError(f"Could not resolve the homeserver host {host}.") from None
        if not found:
            raise UpstreamError(f"Could not resolve the homeserver host {host}.")
        blocked = [address for address in found if self.is_blocked(address)]
        if blocked:
            raise BlockedDestination(
                f"Refusing to contact {host}: it resolves to a private, loopback, link-local or "
                f"otherwise non-public address ({blocked[0]})."
            )
        return found

    def get(self, destination: Destination, path: str, *, max_bytes: int | None = None,
            deadline: float | None = None) -> Response:
        return self.request("GET", destination, path, max_bytes=max_bytes, deadline=deadline)

    def request(self, method: str, destination: Destination, path: str, *, body: bytes | None = None,
                headers: dict | None = None, max_bytes: int | None = None,
                deadline: float | None = None) -> Response:
        """Send `method` `path` (with query) to `destination`; raise a domain error on any failure.

        The request ends after `self.timeout` seconds or at `deadline` (time.monotonic()),
        whichever comes first. Any HTTP status is returned, redirects are not followed.
        """
        deadline = min(time.monotonic() + self.timeout, deadline or float("inf"))
        if deadline - time.monotonic() <= 0.05:
            raise HomeserverTimeout(f"The homeserver {destination.host_header} did not answer in time.")
        limit = max_bytes or self.max_bytes
        if destination.trusted:
            addresses = [destination.host]  # operator-configured: no vetting
        else:
            addresses = self.vetted_addresses(destination.host, destination.port)
        error: Exception | None = None
        outgoing = Outgoing(method, destination.base_path + path, body, headers or {})
        for address in addresses[:MAX_ADDRESSES_TRIED]:
            if time.monotonic() >= deadline:
                break
            try:
                return self._request(address, destination, outgoing, deadline, limit)
            except ConnectTimeoutError as failure:  # NewConnectionError is a subclass
                error = failure  # try the next address (e.g. IPv6 unreachable, IPv4 fine)
        if isinstance(error, NewConnectionError):
            raise UpstreamError(f"Could not connect to the homeserver {destination.host_header}.")
        raise HomeserverTimeout(f"The homeserver {destination.host_header} did not answer in time.")

    def _pool(self, address: str, destination: Destination, remaining: float):
        timeout = urllib3.Timeout(connect=min(CONNECT_TIMEOUT, remaining), read=remaining)
        if destination.scheme == "http":
            return urllib3.HTTPConnectionPool(address, destination.port, timeout=timeout, retries=False)
        context = self.ssl_context or ssl.create_default_context()
        return urllib3.HTTPSConnectionPool(
            address, destination.port, timeout=timeout, retries=False, cert_reqs="CERT_REQUIRED",
            ssl_context=context, server_hostname=destination.tls_name, assert_hostname=destination.tls_name,
        )

    def _request(self, address: str, destination: Destination, outgoing: Outgoing, deadline: float,
                 limit: int) -> Response:
        pool = self._pool(address, destination, max(0.05, deadline - time.monotonic()))
        headers = {"Host": destination.host_header, "Accept": "application/json",
                   "Accept-Encoding": "identity", "User-Agent": USER_AGENT, **outgoing.headers}
        try:
            response = pool.urlopen(outgoing.method, outgoing.path, body=outgoing.body, headers=headers,
                                    redirect=False, retries=False, preload_content=False, decode_content=False)
            try:
                body = _read_capped(response, deadline, limit, destination.host_header)
            finally:
                response.release_conn()
        except ConnectTimeoutError:
            raise
        except ReadTimeoutError:
            raise HomeserverTimeout(f"The homeserver {destination.host_header} did not answer in time.") from None
        except SSLError:
            raise UpstreamError(
                f"The TLS certificate of {destination.host_header} is not valid for {destination.tls_name}."
            ) from None
        except (HTTPError, OSError):
            raise UpstreamError(f"The connection to the homeserver {destination.host_header} failed.") from None
        finally:
            pool.close()
        return Response(status=response.status, body=body,
                        headers={key.lower(): value for key, value in response.headers.items()})


def _read_capped(response, deadline: float, limit: int, name: str) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"The homeserver {name} sent a response larger than {limit} bytes.")
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise HomeserverTimeout(f"The homeserver {name} did not answer in time.")
        chunk = response.read(4096)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"The homeserver {name} sent a response larger than {limit} bytes.")
        chunks.append(chunk)
