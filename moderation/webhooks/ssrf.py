"""Where a webhook may go: public addresses only, checked once and then pinned.

An editor types the URL, the service calls it: without this check that URL could reach the
service's own network, its loopback or a cloud metadata endpoint (server-side request
forgery). A name is judged by every address it resolves to, never by the name itself, and
the sender connects to exactly the addresses checked here, so a second DNS answer cannot
point it elsewhere (DNS rebinding).
"""

from __future__ import annotations

import re
import socket
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Any
from urllib.parse import SplitResult, quote, urlsplit

IPAddress = IPv4Address | IPv6Address
# socket.getaddrinfo's shape: (family, type, proto, canonname, (address, port, ...)).
Resolver = Callable[[str, int], Iterable[tuple[Any, ...]]]

DEFAULT_PORTS = {"http": 80, "https": 443}


class UnsafeTarget(ValueError):
    """A webhook URL the service refuses to call; the message says why."""


@dataclass(frozen=True)
class CheckedTarget:
    """A URL that passed the checks. ``host`` goes into the Host header and TLS SNI; the
    connection goes to ``addresses`` and nowhere else."""

    scheme: str
    host: str
    port: int
    path: str  # with the query, without the fragment
    addresses: tuple[str, ...]


# IANA's special-purpose registries, spelled out rather than left to ``is_global``, whose
# answers differ between Python releases (3.11 calls 224.0.0.1 and ::ffff:10.0.0.1 global).
_IPV4_BLOCKED = [(IPv4Network(net), why) for net, why in [
    ("0.0.0.0/8", "unspecified (this network)"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "in the shared address space of carrier-grade NAT"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local (where cloud metadata services answer)"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved for IETF protocol assignments"),
    ("192.0.2.0/24", "reserved for documentation"),
    ("192.88.99.0/24", "in the retired 6to4 relay range"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "reserved for benchmarking"),
    ("198.51.100.0/24", "reserved for documentation"),
    ("203.0.113.0/24", "reserved for documentation"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved or broadcast"),
]]
_IPV6_BLOCKED = [(IPv6Network(net), why) for net, why in [
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("::/96", "an IPv4-compatible address (deprecated)"),
    ("64:ff9b:1::/48", "a local-use NAT64 address"),
    ("100::/64", "discard-only"),
    ("2001::/32", "a Teredo tunnel address"),
    ("2001::/23", "reserved for IETF protocol assignments"),
    ("2001:db8::/32", "reserved for documentation"),
    ("3fff::/20", "reserved for documentation"),
    ("fc00::/7", "unique-local (private)"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast"),
]]
_GLOBAL_UNICAST = IPv6Network("2000::/3")
_NAT64 = IPv6Network("64:ff9b::/96")

_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
# A last label that is a number makes resolvers read the whole host as an IPv4 address.
_NUMBER = re.compile(r"[0-9]+|0x[0-9a-f]*")


def check_url(url: str, *, allowed_hosts: frozenset[str] = frozenset(),
              resolve: Resolver = socket.getaddrinfo) -> CheckedTarget:
    """Check a webhook URL and pin the addresses to connect to, or raise ``UnsafeTarget``.

    Only http and https, no credentials, a valid host and port. Every address the host
    resolves to must be globally routable: one private answer among public ones is enough
    to refuse, since the sender might connect to it. IPv6 forms that embed an IPv4 address
    (mapped, NAT64, 6to4) are judged by that address. ``allowed_hosts`` (for development
    and tests) names hosts and addresses exempt from the address rules.
    """
    if any(c <= " " or c == "\x7f" for c in url):
        raise UnsafeTarget("the URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeTarget(f"not a valid URL: {error}") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise UnsafeTarget("only http and https URLs can receive webhooks")
    if "@" in parts.netloc:
        raise UnsafeTarget("the URL must not contain credentials")
    if port is None:
        port = DEFAULT_PORTS[parts.scheme]
    elif port == 0:
        raise UnsafeTarget("port 0 cannot be connected to")
    host = _host(parts)
    allowed = {_normalise(h) for h in allowed_hosts}
    addresses = _addresses(host, port, resolve)
    for address in addresses:
        why = None if host in allowed or str(address) in allowed else _why_blocked(address)
        if why:
            shown = str(address) if host == str(address) else f"{host} resolves to {address}, which"
            raise UnsafeTarget(f"{shown} is {why}")
    path = quote(parts.path or "/", safe=string.punctuation)
    if parts.query:
        path += "?" + quote(parts.query, safe=string.punctuation)
    return CheckedTarget(parts.scheme, host, port, path, tuple(str(a) for a in addresses))


def _host(parts: SplitResult) -> str:
    """The host in one canonical form: an IPv6 or dotted-quad IPv4 address, or an ASCII name.

    Other spellings of an IPv4 address ("127.1", "0x7f.0.0.1", "2130706433", "0177.0.0.1")
    are refused, not normalised: resolvers, proxies and libraries disagree on what they mean.
    """
    raw = parts.hostname
    if not raw:
        raise UnsafeTarget("the URL has no host")
    if "%" in raw:  # percent-encoded names and IPv6 zone ids
        raise UnsafeTarget(f"{raw!r}: no percent signs in the host")
    if parts.netloc.startswith("["):
        try:
            return str(IPv6Address(raw))
        except ValueError:
            raise UnsafeTarget(f"{raw!r} is not an IPv6 address") from None
    try:
        # IDNA also maps look-alikes such as fullwidth digits and ideographic full stops.
        name = raw.encode("idna").decode("ascii").lower().removesuffix(".")
    except UnicodeError:
        raise UnsafeTarget(f"{raw!r} is not a valid host name") from None
    labels = name.split(".")
    if _NUMBER.fullmatch(labels[-1]):
        try:
            address = str(IPv4Address(name))
        except ValueError:
            address = None
        if address != name:
            raise UnsafeTarget(f"{raw!r} is not an IPv4 address in dotted-quad form")
        return address
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise UnsafeTarget(f"{raw!r} is not a valid host name")
    return name


def _normalise(host: str) -> str:
    host = host.strip().lower().removesuffix(".").removeprefix("[").removesuffix("]")
    try:
        return str(ip_address(host))
    except ValueError:
        return host


def _addresses(host: str, port: int, resolve: Resolver) -> list[IPAddress]:
    """The host's addresses: itself if it is one, else every answer of the resolver."""
    try:
        return [ip_address(host)]
    except ValueError:
        pass
    try:
        answers = list(resolve(host, port))
    except OSError as error:
        raise UnsafeTarget(f"cannot resolve {host}: {error}") from None
    try:
        addresses = list(dict.fromkeys(ip_address(answer[4][0]) for answer in answers))
    except ValueError:
        raise UnsafeTarget(f"{host} resolves to something that is not an address") from None
    if not addresses:
        raise UnsafeTarget(f"{host} resolves to no address")
    return addresses


def _why_blocked(address: IPAddress) -> str | None:
    """Why the address is not a public one, or ``None`` when it is."""
    if isinstance(address, IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded:
            form, ipv4 = embedded
            why = _why_blocked(ipv4)
            return f"{form} of {ipv4}, which is {why}" if why else None
        blocked, outside_unicast = _IPV6_BLOCKED, address not in _GLOBAL_UNICAST
    else:
        blocked, outside_unicast = _IPV4_BLOCKED, False
    for network, why in blocked:
        if address in network:
            return why
    if outside_unicast:
        return "outside the global unicast range"
    return None if address.is_global else "not globally routable"


def _embedded_ipv4(address: IPv6Address) -> tuple[str, IPv4Address] | None:
    if address.ipv4_mapped is not None:
        return "an IPv4-mapped address", address.ipv4_mapped
    if address in _NAT64:
        return "a NAT64 address", IPv4Address(int(address) & 0xFFFF_FFFF)
    if address.sixtofour is not None:
        return "a 6to4 address", address.sixtofour
    return None
