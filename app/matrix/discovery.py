"""Server discovery as the server-server API specifies it ("Resolving server names").

1. IP literal: that IP, given port or 8448.  2. Hostname with port: that host and port.
3. `https://<host>/.well-known/matrix/server` delegation (whose result follows the same rules,
   then SRV on the delegated name, then port 8448).  4. SRV `_matrix-fed._tcp.<host>`,
5. deprecated SRV `_matrix._tcp.<host>`.  6. `<host>:8448`.
The decision logic takes its lookups as arguments, so it is tested without DNS or HTTP.
"""
from __future__ import annotations

import ipaddress
import json
import re
import threading
import time
from collections import OrderedDict
from typing import Callable
from urllib.parse import urljoin, urlsplit

from app.exceptions import AppError, BlockedDestination, InvalidInput
from app.matrix import netguard
from app.matrix.fedhttp import Destination, Fetcher

DEFAULT_PORT = 8448
DNS_TIMEOUT = 3.0
WELL_KNOWN_MAX_BYTES = 16 * 1024
WELL_KNOWN_MAX_REDIRECTS = 3
CACHE_SECONDS = 3600  # the spec's suggested cache lifetime for well-known answers
FAILURE_CACHE_SECONDS = 120  # a failed fetch is retried soon (Synapse uses 2 minutes)
GOOD_ANSWER_KEPT_SECONDS = 48 * 3600  # a last good answer still serves while fetches fail

_SERVER_NAME_RE = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?$")
_IPV4_SHAPE = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,3}){3}$")

SrvRecord = tuple[int, int, int, str]  # priority, weight, port, target
SrvLookup = Callable[[str], list[SrvRecord]]
DnsSrv = Callable[[str, float], list[SrvRecord]]  # (name, seconds allowed) -> records
WellKnownLookup = Callable[[str], "tuple[str, int | None] | None"]


def parse_server_name(name: str) -> tuple[str, int | None]:
    """Split a server name into (host, port); IPv6 hosts keep their brackets. Raise InvalidInput."""
    match = _SERVER_NAME_RE.match(name) if isinstance(name, str) and len(name) <= 255 else None
    if match is None:
        raise InvalidInput(f"{name!r} is not a valid Matrix server name.")
    host, port = match.group("host"), match.group("port")
    if host.startswith("["):
        if not isinstance(netguard.parse_ip(host), ipaddress.IPv6Address):
            raise InvalidInput(f"{name!r} is not a valid Matrix server name.")
    elif _IPV4_SHAPE.match(host) and netguard.parse_ip(host) is None:
        raise InvalidInput(f"{name!r} is not a valid Matrix server name.")
    elif not _IPV4_SHAPE.match(host) and (host.startswith((".", "-")) or ".." in host):
        raise InvalidInput(f"{name!r} is not a valid Matrix server name.")
    if port is not None and not 1 <= int(port) <= 65535:
        raise InvalidInput(f"{name!r} has an invalid port.")
    return host, int(port) if port is not None else None


def ip_literal(host: str) -> str | None:
    """The bare IP of an IP-literal host ("[::1]" -> "::1"), or None for a DNS name."""
    if host.startswith("[") or _IPV4_SHAPE.match(host):
        address = netguard.parse_ip(host)
        return str(address) if address is not None else None
    return None


def parse_well_known(body: bytes) -> tuple[str, int | None] | None:
    """The delegated (host, port) from a /.well-known/matrix/server body, or None if invalid."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    target = data.get("m.server") if isinstance(data, dict) else None
    if not isinstance(target, str):
        return None
    try:
        return parse_server_name(target)
    except InvalidInput:
        return None


def order_srv(records: list[SrvRecord]) -> list[tuple[str, int]]:
    """Targets in the order to try: lowest priority first, then heaviest weight (RFC 2782)."""
    usable = [r for r in records if r[3] not in ("", ".")]
    return [(target.rstrip("."), port) for _prio, _weight, port, target in
            sorted(usable, key=lambda r: (r[0], -r[1]))]


def _srv_destination(host: str, srv: SrvLookup) -> Destination | None:
    for service in ("_matrix-fed._tcp.", "_matrix._tcp."):  # the second one is deprecated
        targets = order_srv(srv(service + host))
        if targets:
            target, port = targets[0]
            return Destination(host=target, port=port, host_header=host, tls_name=host)
    return None


def resolve(server_name: str, *, well_known: WellKnownLookup, srv: SrvLookup) -> Destination:
    """Where to send federation requests for `server_name` (the spec's decision steps)."""
    host, port = parse_server_name(server_name)
    ip = ip_literal(host)
    if ip is not None:
        return Destination(host=ip, port=port or DEFAULT_PORT, host_header=server_name, tls_name=ip)
    if port is not None:
        return Destination(host=host, port=port, host_header=server_name, tls_name=host)
    delegated = well_known(host)
    if delegated is not None:
        d_host, d_port = delegated
        d_name = d_host + (f":{d_port}" if d_port else "")
        d_ip = ip_literal(d_host)
        if d_ip is not None:
            return Destination(host=d_ip, port=d_port or DEFAULT_PORT, host_header=d_name, tls_name=d_ip)
        if d_port is not None:
            return Destination(host=d_host, port=d_port, host_header=d_name, tls_name=d_host)
        return (_srv_destination(d_host, srv)
                or Destination(host=d_host, port=DEFAULT_PORT, host_header=d_host, tls_name=d_host))
    return _srv_destination(host, srv) or Destination(host=host, port=DEFAULT_PORT, host_header=host,
                                                      tls_name=host)


def dns_srv(name: str, lifetime: float = DNS_TIMEOUT) -> list[SrvRecord]:
    """SRV records through the system's DNS servers; [] when there are none or DNS fails."""
    import dns.exception
    import dns.resolver

    try:
        answer = dns.resolver.resolve(name, "SRV", lifetime=lifetime)
    except dns.exception.DNSException:
        return []
    return [(r.priority, r.weight, r.port, r.target.to_text(omit_final_dot=True)) for r in answer]


class TTLCache:
    def __init__(self, size: int = 512):
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.items.get(key)
            if entry is None or entry[0] < time.monotonic():
                self.items.pop(key, None)
                return None
            self.items.move_to_end(key)
            return entry

    def put(self, key, value, ttl: float) -> None:
        with self.lock:
            self.items[key] = (time.monotonic() + ttl, value)
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


class Resolver:
    """Discovery with real lookups (well-known over guarded HTTPS, SRV over DNS), cached."""

    def __init__(self, *, fetcher: Fetcher | None = None, srv: DnsSrv = dns_srv, well_known_port: int = 443):
        self.fetcher = fetcher or Fetcher()
        self.srv = srv
        self.well_known_port = well_known_port  # 443 by the spec; tests serve it elsewhere
        self._well_known = TTLCache()
        self._well_known_good = TTLCache()

    def resolve(self, server_name: str, *, deadline: float | None = None) -> Destination:
        """Discovery for `server_name`, all lookups finished by `deadline` (time.monotonic())."""
        deadline = deadline or time.monotonic() + 2 * DNS_TIMEOUT + self.fetcher.timeout
        host, _port = parse_server_name(server_name)
        if host == "localhost" or host.endswith(".localhost"):  # RFC 6761: always loopback
            raise BlockedDestination(f"Refusing to contact {host}: it is a loopback name.")

        def srv(name: str) -> list[SrvRecord]:
            remaining = deadline - time.monotonic()
            return self.srv(name, min(DNS_TIMEOUT, remaining)) if remaining > 0.1 else []

        return resolve(server_name, well_known=lambda h: self.well_known(h, deadline=deadline), srv=srv)

    def well_known(self, host: str, *, deadline: float | None = None) -> tuple[str, int | None] | None:
        cached = self._well_known.get(host)
        if cached is not None:
            return cached[1]
        try:
            result = self._fetch_well_known(host, deadline)
        except AppError:
            # Unreachable, refused or blocked: no delegation for a short while (as Synapse does),
            # or the last good answer, so one timeout does not lock a server's users out.
            last_good = self._well_known_good.get(host)
            result = last_good[1] if last_good is not None else None
            self._well_known.put(host, result, FAILURE_CACHE_SECONDS)
            return result
        self._well_known.put(host, result, CACHE_SECONDS)
        self._well_known_good.put(host, result, GOOD_ANSWER_KEPT_SECONDS)
        return result

    def _fetch_well_known(self, host: str, deadline: float | None) -> tuple[str, int | None] | None:
        port = "" if self.well_known_port == 443 else f":{self.well_known_port}"
        url = f"https://{host}{port}/.well-known/matrix/server"
        for _hop in range(WELL_KNOWN_MAX_REDIRECTS + 1):
            parts = urlsplit(url)
            if parts.scheme != "https" or not parts.hostname:
                return None
            name = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
            port = parts.port or 443
            destination = Destination(host=parts.hostname, port=port, tls_name=parts.hostname,
                                      host_header=name + (f":{parts.port}" if parts.port else ""))
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            response = self.fetcher.get(destination, path, max_bytes=WELL_KNOWN_MAX_BYTES, deadline=deadline)
            if response.status in (301, 302, 303, 307, 308) and response.headers.get("location"):
                url = urljoin(url, response.headers["location"])
                continue  # each hop is vetted again by the fetcher
            return parse_well_known(response.body) if response.status == 200 else None
        return None

    def clear_cache(self) -> None:
        self._well_known.clear()
        self._well_known_good.clear()
