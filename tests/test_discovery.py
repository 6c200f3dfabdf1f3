"""Server discovery (server-server spec), the SSRF blocklist and the guarded HTTP client."""
import json
import time

import pytest

from app.exceptions import BlockedDestination, HomeserverTimeout, InvalidInput, UpstreamError
from app.matrix import netguard
from app.matrix.discovery import Resolver, order_srv, parse_server_name, parse_well_known, resolve
from app.matrix.fedhttp import Destination, Fetcher
from tests.support.httpserver import ScriptedServer, SilentServer, TestCA, json_answer


# --- server names -------------------------------------------------------------------------
@pytest.mark.parametrize("name, expected", [
    ("matrix.org", ("matrix.org", None)),
    ("matrix.org:8448", ("matrix.org", 8448)),
    ("1.2.3.4", ("1.2.3.4", None)),
    ("1.2.3.4:1234", ("1.2.3.4", 1234)),
    ("[1234:5678::abcd]", ("[1234:5678::abcd]", None)),
    ("[1234:5678::abcd]:5678", ("[1234:5678::abcd]", 5678)),
    ("localhost:8008", ("localhost", 8008)),
])
def test_parse_server_name(name, expected):
    assert parse_server_name(name) == expected


@pytest.mark.parametrize("name", [
    "", "matrix.org:", "matrix.org:0", "matrix.org:65536", "matrix.org:123456", "[1234:5678::abcd",
    "[not-ipv6]", "1.2.3.400", "a/b", "user@example.org", "exa mple.org", ".example.org", "a..b",
    "x" * 256, "https://matrix.org",
])
def test_parse_server_name_rejects(name):
    with pytest.raises(InvalidInput):
        parse_server_name(name)


# --- the decision steps, with recorded lookups ----------------------------------------------
class Lookups:
    """Records what discovery asked for and answers from fixed tables."""

    def __init__(self, well_known=None, srv=None):
        self.table_well_known = well_known or {}
        self.table_srv = srv or {}
        self.calls = []

    def well_known(self, host):
        self.calls.append(("well-known", host))
        return self.table_well_known.get(host)

    def srv(self, name):
        self.calls.append(("srv", name))
        return self.table_srv.get(name, [])

    def resolve(self, name):
        return resolve(name, well_known=self.well_known, srv=self.srv)


def test_ip_literal_uses_ip_and_default_port_without_lookups():
    lookups = Lookups()
    assert lookups.resolve("203.0.113.7") == Destination(host="203.0.113.7", port=8448,
                                                         host_header="203.0.113.7", tls_name="203.0.113.7")
    assert lookups.resolve("[2001:db8::1]:8080") == Destination(
        host="2001:db8::1", port=8080, host_header="[2001:db8::1]:8080", tls_name="2001:db8::1")
    assert lookups.calls == []


def test_explicit_port_uses_host_and_port_without_lookups():
    lookups = Lookups(well_known={"example.org": ("elsewhere.org", None)})
    assert lookups.resolve("example.org:1234") == Destination(
        host="example.org", port=1234, host_header="example.org:1234", tls_name="example.org")
    assert lookups.calls == []


def test_well_known_delegation_then_srv_on_the_delegated_name():
    lookups = Lookups(well_known={"example.org": ("matrix.example.org", None)},
                      srv={"_matrix-fed._tcp.matrix.example.org": [(10, 0, 8443, "hs1.example.net.")]})
    assert lookups.resolve("example.org") == Destination(
        host="hs1.example.net", port=8443, host_header="matrix.example.org", tls_name="matrix.example.org")
    assert lookups.calls == [("well-known", "example.org"), ("srv", "_matrix-fed._tcp.matrix.example.org")]


def test_well_known_delegation_with_port_skips_srv():
    lookups = Lookups(well_known={"example.org": ("matrix.example.org", 443)})
    assert lookups.resolve("example.org") == Destination(
        host="matrix.example.org", port=443, host_header="matrix.example.org:443", tls_name="matrix.example.org")
    assert ("srv", "_matrix-fed._tcp.matrix.example.org") not in lookups.calls


def test_well_known_delegation_to_an_ip_literal():
    lookups = Lookups(well_known={"example.org": ("[2001:db8::5]", None)})
    assert lookups.resolve("example.org") == Destination(
        host="2001:db8::5", port=8448, host_header="[2001:db8::5]", tls_name="2001:db8::5")


def test_well_known_delegation_without_srv_uses_8448_on_the_delegated_name():
    lookups = Lookups(well_known={"example.org": ("matrix.example.org", None)})
    assert lookups.resolve("example.org") == Destination(
        host="matrix.example.org", port=8448, host_header="matrix.example.org", tls_name="matrix.example.org")
    assert lookups.calls[1:] == [("srv", "_matrix-fed._tcp.matrix.example.org"),
                                 ("srv", "_matrix._tcp.matrix.example.org")]


def test_srv_matrix_fed_comes_before_the_deprecated_matrix_srv():
    lookups = Lookups(srv={"_matrix-fed._tcp.example.org": [(0, 0, 8001, "new.example.org")],
                           "_matrix._tcp.example.org": [(0, 0, 8002, "old.example.org")]})
    assert lookups.resolve("example.org").host == "new.example.org"
    assert lookups.calls == [("well-known", "example.org"), ("srv", "_matrix-fed._tcp.example.org")]


def test_deprecated_matrix_srv_is_the_fallback():
    lookups = Lookups(srv={"_matrix._tcp.example.org": [(0, 0, 8002, "old.example.org")]})
    destination = lookups.resolve("example.org")
    assert (destination.host, destination.port, destination.host_header) == ("old.example.org", 8002, "example.org")
    assert lookups.calls == [("well-known", "example.org"), ("srv", "_matrix-fed._tcp.example.org"),
                             ("srv", "_matrix._tcp.example.org")]


def test_nothing_found_means_port_8448():
    assert Lookups().resolve("example.org") == Destination(
        host="example.org", port=8448, host_header="example.org", tls_name="example.org")


def test_srv_order_priority_then_weight_and_dot_means_none():
    records = [(20, 100, 1, "c."), (10, 5, 2, "b."), (10, 50, 3, "a."), (0, 0, 4, ".")]
    assert order_srv(records) == [("a", 3), ("b", 2), ("c", 1)]


@pytest.mark.parametrize("body, expected", [
    (b'{"m.server": "matrix.example.org"}', ("matrix.example.org", None)),
    (b'{"m.server": "matrix.example.org:443"}', ("matrix.example.org", 443)),
    (b'{"m.server": "[2001:db8::1]:8448"}', ("[2001:db8::1]", 8448)),
    (b'{"m.server": "https://matrix.example.org"}', None),
    (b'{"m.server": 5}', None),
    (b'{"other": "x"}', None),
    (b'["m.server"]', None),
    (b"<html>", None),
])
def test_parse_well_known(body, expected):
    assert parse_well_known(body) == expected


# --- the SSRF blocklist ---------------------------------------------------------------------
@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.1.2.3", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "255.255.255.255", "224.0.0.1", "192.0.2.1", "198.18.0.1",
    "::", "::1", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12:3456::1", "ff02::1", "2001:db8::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "[::ffff:192.168.0.1]",
    "::127.0.0.1",  # IPv4-compatible (deprecated)
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "not an address",
])
def test_blocklist_refuses(address):
    assert netguard.is_blocked(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8",
                                     "64:ff9b::808:808"])
def test_blocklist_allows_public_addresses(address):
    assert not netguard.is_blocked(address)


def test_vetting_refuses_when_any_resolved_address_is_private():
    fetcher = Fetcher(addresses=lambda host, port: ["8.8.8.8", "10.0.0.5"])
    with pytest.raises(BlockedDestination, match="10.0.0.5"):
        fetcher.vetted_addresses("mixed.example.org", 8448)
    assert Fetcher(addresses=lambda host, port: ["8.8.4.4"]).vetted_addresses("ok.example.org", 8448) == ["8.8.4.4"]


def test_vetting_refuses_localhost_names_without_looking_them_up():
    def no_lookup(host, port):
        raise AssertionError("looked up")

    for name in ("localhost", "foo.localhost"):
        with pytest.raises(BlockedDestination):
            Fetcher(addresses=no_lookup).vetted_addresses(name, 8448)


def test_fetcher_refuses_a_private_ip_literal_before_connecting():
    destination = Destination(host="127.0.0.1", port=8448, host_header="127.0.0.1:8448", tls_name="127.0.0.1")
    with pytest.raises(BlockedDestination):
        Fetcher().get(destination, "/")


# --- the guarded client against local servers -----------------------------------------------
def loopback_fetcher(ca, **kwargs):
    """The real client with two seams opened: names resolve to 127.0.0.1, loopback allowed."""
    return Fetcher(addresses=lambda host, port: ["127.0.0.1"], is_blocked=lambda address: False,
                   ssl_context=ca.client_context() if ca else None, **kwargs)


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    return TestCA(str(tmp_path_factory.mktemp("ca")))


def test_tls_connects_to_the_vetted_ip_and_verifies_the_hostname(ca):
    with ScriptedServer(lambda path, headers: json_answer(200, {"ok": True}),
                        tls=ca.server_context("hs.test")) as server:
        destination = Destination(host="hs.test", port=server.port, host_header="hs.test", tls_name="hs.test")
        response = loopback_fetcher(ca).get(destination, "/x?y=1")
        assert response.status == 200 and json.loads(response.body) == {"ok": True}
        assert server.requests == [("/x?y=1", server.requests[0][1])]
        assert server.requests[0][1]["host"] == "hs.test"

        wrong_name = Destination(host="hs.test", port=server.port, host_header="other.test", tls_name="other.test")
        with pytest.raises(UpstreamError, match="certificate"):
            loopback_fetcher(ca).get(wrong_name, "/")
        with pytest.raises(UpstreamError, match="certificate"):
            Fetcher(addresses=lambda host, port: ["127.0.0.1"], is_blocked=lambda a: False).get(destination, "/")


def test_response_size_is_capped():
    with ScriptedServer(lambda path, headers: (200, {}, b"x" * 20000)) as server:
        destination = Destination(host="127.0.0.1", port=server.port, host_header="h", tls_name="h", scheme="http")
        with pytest.raises(UpstreamError, match="larger than"):
            loopback_fetcher(None).get(destination, "/")


def test_a_silent_server_times_out_quickly():
    with SilentServer() as silent:
        destination = Destination(host="127.0.0.1", port=silent.port, host_header="h", tls_name="h", scheme="http")
        started = time.monotonic()
        with pytest.raises(HomeserverTimeout):
            loopback_fetcher(None, timeout=1.0).get(destination, "/")
        assert time.monotonic() - started < 6  # generous: it would otherwise hang for good


def test_well_known_over_tls_with_redirects_and_host_header(ca):
    def route(path, headers):
        if path == "/.well-known/matrix/server":
            return 302, {"Location": "/moved"}, b""
        return json_answer(200, {"m.server": "matrix.hs.test:443"})

    with ScriptedServer(route, tls=ca.server_context("hs.test")) as server:
        resolver = Resolver(fetcher=loopback_fetcher(ca), srv=lambda name, lifetime: [], well_known_port=server.port)
        assert resolver.resolve("hs.test") == Destination(
            host="matrix.hs.test", port=443, host_header="matrix.hs.test:443", tls_name="matrix.hs.test")
        assert [path for path, _ in server.requests] == ["/.well-known/matrix/server", "/moved"]
        assert server.requests[0][1]["host"] == f"hs.test:{server.port}"
        resolver.resolve("hs.test")
        assert len(server.requests) == 2  # cached


def test_well_known_redirect_to_a_private_address_is_not_followed(ca):
    def route(path, headers):
        return 302, {"Location": "https://10.0.0.1/.well-known/matrix/server"}, b""

    with ScriptedServer(route, tls=ca.server_context("hs.test")) as server:
        fetcher = Fetcher(addresses=lambda host, port: [host if host[0].isdigit() else "127.0.0.1"],
                          is_blocked=lambda address: address != "127.0.0.1", ssl_context=ca.client_context())
        resolver = Resolver(fetcher=fetcher, srv=lambda name, lifetime: [], well_known_port=server.port)
        assert resolver.well_known("hs.test") is None
        assert len(server.requests) == 1


def test_discovery_keeps_to_one_overall_deadline():
    asked = []
    with SilentServer() as silent:  # the well-known host accepts and never answers
        fetcher = Fetcher(addresses=lambda host, port: ["127.0.0.1"], is_blocked=lambda address: False, timeout=5.0)
        resolver = Resolver(fetcher=fetcher, srv=lambda name, lifetime: asked.append(lifetime) or [],
                            well_known_port=silent.port)
        started = time.monotonic()
        destination = resolver.resolve("hang.example", deadline=started + 1.0)
        elapsed = time.monotonic() - started
    assert destination.port == 8448 and destination.host == "hang.example"
    assert elapsed < 4  # the 1 s deadline, not the fetcher's 5 s timeout (generous for a busy CI)
    assert all(lifetime <= 1.0 for lifetime in asked)


def test_localhost_names_are_refused_before_any_lookup():
    def no_lookup(*args):
        raise AssertionError("looked up")

    resolver = Resolver(fetcher=Fetcher(addresses=no_lookup), srv=no_lookup)
    for name in ("localhost", "matrix.localhost", "localhost:8448"):
        with pytest.raises(BlockedDestination):
            resolver.resolve(name)


def test_a_failed_well_known_fetch_is_retried_soon_and_keeps_the_last_good_answer(monkeypatch):
    """One timeout must not pin a server to 'no delegation' for an hour."""
    from app.exceptions import HomeserverTimeout
    from app.matrix import discovery

    answers = [("delegated.example", 443), HomeserverTimeout("slow"), HomeserverTimeout("slow")]
    calls = []

    def fetch(self, host, deadline):
        calls.append(host)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(discovery.Resolver, "_fetch_well_known", fetch)
    clock = [1000.0]
    monkeypatch.setattr(discovery.time, "monotonic", lambda: clock[0])
    resolver = discovery.Resolver()
    assert resolver.well_known("example.org") == ("delegated.example", 443)
    clock[0] += discovery.CACHE_SECONDS + 1  # the good answer expires; the next fetch fails
    assert resolver.well_known("example.org") == ("delegated.example", 443)  # last good answer
    assert len(calls) == 2
    clock[0] += discovery.FAILURE_CACHE_SECONDS + 1  # the failure is cached briefly only
    resolver.well_known("example.org")
    assert len(calls) == 3


def test_siit_translated_ipv4_addresses_are_blocked():
    from app.matrix.netguard import is_blocked

    assert is_blocked("::ffff:0:7f00:1")  # ::ffff:0:127.0.0.1
    assert is_blocked("::ffff:0:a00:1")  # 10.0.0.1
