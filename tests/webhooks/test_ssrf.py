"""The SSRF check: only public addresses, every resolved one, however the URL spells them."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from moderation.webhooks.ssrf import CheckedTarget, UnsafeTarget, check_url
from tests.webhooks.endpoints import resolver

PUBLIC_V4, PUBLIC_V6 = "93.184.216.34", "2606:2800:220:1::1"

DNS = resolver({
    "hooks.example.com": [PUBLIC_V4, PUBLIC_V6],
    "metadata.google.internal": ["169.254.169.254"],
    "localhost": ["127.0.0.1", "::1"],
    "mixed.example.com": [PUBLIC_V4, "10.0.0.1"],
    "mapped.example.com": ["::ffff:192.168.0.1"],
    "rebind.example.com": ["127.0.0.1"],
    "empty.example.com": [],
    "broken.example.com": ["not-an-address"],
    "xn--bcher-kva.example": [PUBLIC_V4],
})


def no_dns(host, port):
    raise AssertionError(f"{host} must be judged without asking a resolver")


def refused(url: str, resolve=no_dns, **options) -> str:
    with pytest.raises(UnsafeTarget) as caught:
        check_url(url, resolve=resolve, **options)
    return str(caught.value)


BLOCKED_LITERALS = [
    ("http://10.0.0.1/", "private"),
    ("http://172.16.5.4/", "private"),
    ("http://172.31.255.255/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://127.0.0.1/", "loopback"),
    ("http://127.255.255.254:8080/", "loopback"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://169.254.0.1/", "link-local"),
    ("http://100.64.0.1/", "carrier-grade NAT"),
    ("http://100.127.255.255/", "carrier-grade NAT"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://0.1.2.3/", "unspecified"),
    ("http://224.0.0.1/", "multicast"),
    ("http://239.255.255.250/", "multicast"),
    ("http://198.18.0.1/", "benchmarking"),
    ("http://198.19.255.255/", "benchmarking"),
    ("http://192.0.2.1/", "documentation"),
    ("http://198.51.100.7/", "documentation"),
    ("http://203.0.113.9/", "documentation"),
    ("http://192.0.0.8/", "IETF protocol assignments"),
    ("http://192.88.99.1/", "6to4 relay"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "broadcast"),
    ("http://10.0.0.1./", "private"),  # the trailing dot of a fully qualified name
    ("http://[::1]/", "loopback"),
    ("http://[0:0:0:0:0:0:0:1]/", "loopback"),
    ("http://[::]/", "unspecified"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[febf::1]/", "link-local"),
    ("http://[fc00::1]/", "unique-local"),
    ("http://[fd12:3456:789a::1]/", "unique-local"),
    ("http://[fec0::1]/", "site-local"),
    ("http://[ff02::1]/", "multicast"),
    ("http://[2001:db8::1]/", "documentation"),
    ("http://[3fff::1]/", "documentation"),
    ("http://[100::1]/", "discard"),
    ("http://[2001:2::1]/", "IETF protocol assignments"),  # benchmarking
    ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "Teredo"),
    ("http://[::10.0.0.1]/", "IPv4-compatible"),
    ("http://[::7f00:1]/", "IPv4-compatible"),
    ("http://[::8.8.8.8]/", "IPv4-compatible"),
    ("http://[5f00::1]/", "outside the global unicast range"),
    ("http://[4000::1]/", "outside the global unicast range"),
    ("http://[::ffff:10.0.0.1]/", "IPv4-mapped address of 10.0.0.1, which is private"),
    ("http://[::ffff:7f00:1]/", "IPv4-mapped address of 127.0.0.1, which is loopback"),
    ("http://[::ffff:169.254.169.254]/", "IPv4-mapped address of 169.254.169.254"),
    ("http://[64:ff9b::a00:1]/", "NAT64 address of 10.0.0.1, which is private"),
    ("http://[64:ff9b::169.254.169.254]/", "NAT64 address of 169.254.169.254"),
    ("http://[64:ff9b:1::a00:1]/", "local-use NAT64"),
    ("http://[2002:a00:1::1]/", "6to4 address of 10.0.0.1, which is private"),
    ("http://[2002:7f00:1::]/", "6to4 address of 127.0.0.1, which is loopback"),
    ("http://[2002:a9fe:a9fe::1]/", "6to4 address of 169.254.169.254"),
]


@pytest.mark.parametrize(("url", "why"), BLOCKED_LITERALS)
def test_an_address_that_is_not_public_is_refused(url, why):
    assert why in refused(url)


NON_CANONICAL = [
    "http://0x7f.1/",  # hex
    "http://0x7f.0x0.0x0.0x1/",
    "http://0x7f000001/",
    "http://2130706433/",  # decimal
    "http://127.1/",  # short forms
    "http://127.0.1/",
    "http://0177.0.0.1/",  # octal
    "http://0177.1/",
    "http://017700000001/",
    "http://127.0.0.01/",  # leading zero
    "http://1.2.3.4.5/",
    "http://example.0x10/",
    "http://1572395042/",  # the public 93.184.216.34: refused too, not normalised
    "http://0x5d.0xb8.0xd8.0x22/",
]


@pytest.mark.parametrize("url", NON_CANONICAL)
def test_an_address_in_an_unusual_notation_is_refused_before_any_lookup(url):
    assert "dotted-quad" in refused(url)


@pytest.mark.parametrize(("url", "why"), [
    ("http://１２７.0.0.1/", "127.0.0.1 is loopback"),  # fullwidth digits
    ("http://127。0。0。1/", "127.0.0.1 is loopback"),  # ideographic full stops
    ("http://%31%32%37.0.0.1/", "percent"),
    ("http://[fe80::1%25eth0]/", "percent"),
])
def test_look_alike_and_encoded_hosts_do_not_slip_through(url, why):
    assert why in refused(url)


@pytest.mark.parametrize(("url", "why"), [
    ("http://metadata.google.internal/computeMetadata/v1/",
     "metadata.google.internal resolves to 169.254.169.254, which is link-local"),
    ("http://localhost:8080/", "localhost resolves to 127.0.0.1, which is loopback"),
    ("http://mixed.example.com/", "resolves to 10.0.0.1, which is private"),
    ("http://mapped.example.com/", "IPv4-mapped address of 192.168.0.1"),
    ("http://empty.example.com/", "resolves to no address"),
    ("http://broken.example.com/", "not an address"),
    ("http://unknown.example.com/", "cannot resolve unknown.example.com"),
])
def test_a_name_is_judged_by_every_address_it_resolves_to(url, why):
    assert why in refused(url, DNS)


@pytest.mark.parametrize(("url", "why"), [
    ("file:///etc/passwd", "only http and https"),
    ("ftp://hooks.example.com/", "only http and https"),
    ("gopher://hooks.example.com:70/_GET", "only http and https"),
    ("javascript:alert(1)", "only http and https"),
    ("//hooks.example.com/hook", "only http and https"),
    ("hooks.example.com/hook", "only http and https"),
    ("http:///hook", "no host"),
    ("http://:8080/hook", "no host"),
    ("http://user:passwort@hooks.example.com/", "credentials"),
    ("http://user@hooks.example.com/", "credentials"),
    ("http://hooks.example.com@127.0.0.1/", "credentials"),
    ("http://hooks.example.com\\@127.0.0.1/", "credentials"),
    ("http://hooks.example.com:0/", "port 0"),
    ("http://hooks.example.com:65536/", "not a valid URL"),
    ("http://hooks.example.com:http/", "not a valid URL"),
    ("http://hooks.example.com:-1/", "not a valid URL"),
    ("http://[::1/", "not a valid URL"),
    ("http://hooks example.com/", "spaces or control"),
    ("http://hooks.example.com/\r\nX-Injected: 1", "spaces or control"),
    ("http://hooks.example.com\t/", "spaces or control"),
    ("http://-hooks.example.com/", "not a valid host name"),
    ("http://hooks..example.com/", "not a valid host name"),
    ("http://hooks.example.com$/", "not a valid host name"),
])
def test_urls_that_are_not_plain_http_to_a_host_are_refused(url, why):
    assert why in refused(url, DNS)


@pytest.mark.parametrize(("url", "address"), [
    (f"https://{PUBLIC_V4}/hook", PUBLIC_V4),
    (f"https://[{PUBLIC_V6}]/hook", PUBLIC_V6),
    ("https://8.8.8.8/hook", "8.8.8.8"),
    ("http://[::ffff:93.184.216.34]/", "::ffff:5db8:d822"),  # embeds a public address
    ("http://[64:ff9b::5db8:d822]/", "64:ff9b::5db8:d822"),
    ("http://[2002:5db8:d822::1]/", "2002:5db8:d822::1"),
])
def test_public_addresses_are_allowed(url, address):
    (checked,) = check_url(url, resolve=no_dns).addresses
    assert ip_address(checked) == ip_address(address)  # Python 3.13 prints mapped ones apart


def test_the_checked_target_pins_every_address_the_name_resolved_to():
    calls = []

    def resolve(host, port):
        calls.append((host, port))
        return DNS(host, port) * 2  # getaddrinfo repeats addresses, once per socket type

    target = check_url("https://Hooks.Example.COM/webhooks/größe?artikel=köln&x=1#teil",
                       resolve=resolve)
    assert target == CheckedTarget(scheme="https", host="hooks.example.com", port=443,
                                   path="/webhooks/gr%C3%B6%C3%9Fe?artikel=k%C3%B6ln&x=1",
                                   addresses=(PUBLIC_V4, PUBLIC_V6))
    assert calls == [("hooks.example.com", 443)]


@pytest.mark.parametrize(("url", "host", "port", "path"), [
    ("http://hooks.example.com", "hooks.example.com", 80, "/"),
    ("http://hooks.example.com.:8080/a%20b", "hooks.example.com", 8080, "/a%20b"),
    ("HTTPS://hooks.example.com:/x?", "hooks.example.com", 443, "/x"),
    ("https://Bücher.example/hook", "xn--bcher-kva.example", 443, "/hook"),
    ("http://[2606:2800:0220:0001:0:0:0:1]:8443/", PUBLIC_V6, 8443, "/"),
])
def test_the_target_is_in_canonical_form(url, host, port, path):
    target = check_url(url, resolve=DNS)
    assert (target.host, target.port, target.path) == (host, port, path)


def test_an_unsafe_target_is_a_value_error():
    assert issubclass(UnsafeTarget, ValueError)


@pytest.mark.parametrize(("url", "allowed", "addresses"), [
    ("http://127.0.0.1:8080/hook", {"127.0.0.1"}, ("127.0.0.1",)),
    ("http://localhost:8080/hook", {"localhost"}, ("127.0.0.1", "::1")),
    ("http://localhost:8080/hook", {"LOCALHOST."}, ("127.0.0.1", "::1")),
    ("http://[::1]:8080/hook", {"::1"}, ("::1",)),
    ("http://[::1]:8080/hook", {"[0::1]"}, ("::1",)),
    # An allowed address is allowed whatever name leads to it.
    ("http://rebind.example.com/", {"127.0.0.1"}, ("127.0.0.1",)),
])
def test_allowed_hosts_let_private_targets_through_for_development(url, allowed, addresses):
    assert check_url(url, allowed_hosts=frozenset(allowed), resolve=DNS).addresses == addresses


@pytest.mark.parametrize(("url", "allowed", "why"), [
    ("http://mixed.example.com/", {PUBLIC_V4}, "10.0.0.1, which is private"),
    ("http://localhost/", {"127.0.0.1"}, "::1, which is loopback"),
    ("http://127.0.0.2/", {"127.0.0.1"}, "loopback"),
    ("http://127.1/", {"127.0.0.1"}, "dotted-quad"),
    ("ftp://127.0.0.1/", {"127.0.0.1"}, "only http and https"),
    ("http://admin:geheim@127.0.0.1/", {"127.0.0.1"}, "credentials"),
])
def test_allowed_hosts_lift_the_address_rules_for_those_hosts_only(url, allowed, why):
    assert why in refused(url, DNS, allowed_hosts=frozenset(allowed))
