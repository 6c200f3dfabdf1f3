"""SSRF guard for outbound requests to user-chosen homeservers: which IP addresses we refuse.

Mirrors Synapse's default `ip_range_blacklist` and Sydent's expansion of IPv4 ranges to
their IPv6 encodings (IPv4-mapped, IPv4-compatible, 6to4, Teredo, NAT64).
"""
from __future__ import annotations

import ipaddress
from typing import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

BLOCKED_NETWORKS = tuple(ipaddress.ip_network(net) for net in (
    # IPv4: "this network", private, loopback, CGNAT, link-local, IETF/test/benchmark, multicast, reserved
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    # IPv6: unspecified, loopback, discard, local NAT64, documentation, ULA, site/link-local, multicast
    "::/128", "::1/128", "100::/64", "64:ff9b:1::/48", "2001:db8::/32", "fc00::/7", "fe80::/10",
    "fec0::/10", "ff00::/8",
))
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT (RFC 2765): ::ffff:0:a.b.c.d


def parse_ip(text: str) -> IPAddress | None:
    """The address in `text` (brackets and an IPv6 zone are tolerated), or None if it is not one."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    text = text.split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries, so ::ffff:127.0.0.1 is judged as 127.0.0.1."""
    found = []
    if address.ipv4_mapped:
        found.append(address.ipv4_mapped)
    if address.sixtofour:
        found.append(address.sixtofour)
    if address.teredo:
        found.extend(address.teredo)
    if address in NAT64 or address in IPV4_TRANSLATED or (address in IPV4_COMPATIBLE and int(address) > 1):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def is_blocked(address: IPAddress | str) -> bool:
    """True for addresses a public homeserver never has: private, loopback, link-local, unspecified..."""
    if isinstance(address, str):
        parsed = parse_ip(address)
        if parsed is None:
            return True  # not an address at all: refuse rather than guess
        address = parsed
    if isinstance(address, ipaddress.IPv6Address):
        if any(is_blocked(inner) for inner in _embedded_ipv4(address)):
            return True
    if any(address in network for network in BLOCKED_NETWORKS if network.version == address.version):
        return True
    # Belt and braces: anything the IANA registries do not call globally reachable.
    return not address.is_global


def first_blocked(addresses: Iterable[str]) -> str | None:
    """The first refused address among `addresses`, or None when all of them are acceptable."""
    for address in addresses:
        if is_blocked(address):
            return address
    return None
