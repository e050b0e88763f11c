"""The webhook address guard (SSRF): IPv6 addresses that carry an IPv4 address are judged by the
IPv4 address they reach (IPv4-mapped and -compatible, NAT64, 6to4, Teredo), when a webhook is
saved (an address literal) and when the worker connects (what a name resolves to)."""
from __future__ import annotations

import ipaddress
import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliberate.webhooks import delivery, signing

PRIVATE_V4 = ["127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
              "192.0.2.45", "224.0.0.1", "255.255.255.255"]
PUBLIC_V4 = ["8.8.8.8", "1.1.1.1", "93.184.216.34"]


def v4(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def nat64(inner: str) -> str:
    return str(ipaddress.IPv6Address((0x0064_FF9B << 96) | v4(inner)))


def nat64_local(inner: str) -> str:
    """RFC 6052 layout for a /48 prefix: IPv4 bits 0-15 at bits 48-63, bits 16-31 at 72-87."""
    value = v4(inner)
    return str(ipaddress.IPv6Address((0x0064_FF9B_0001 << 80) | ((value >> 16) << 64) | ((value & 0xFFFF) << 40)))


def six_to_four(inner: str) -> str:
    return str(ipaddress.IPv6Address((0x2002 << 112) | (v4(inner) << 80) | 1))


def teredo(server: str, client: str, port: int = 0x63BF) -> str:
    return str(ipaddress.IPv6Address((0x2001_0000 << 96) | (v4(server) << 64) | (0x8000 << 48) | ((port ^ 0xFFFF) << 32)
                                     | (v4(client) ^ 0xFFFFFFFF)))


def mapped(inner: str) -> str:
    return f"::ffff:{inner}"


def compatible(inner: str) -> str:
    return str(ipaddress.IPv6Address(v4(inner)))


WRAPPERS = {"nat64": nat64, "nat64 local": nat64_local, "6to4": six_to_four, "mapped": mapped, "compatible": compatible,
            "teredo client": lambda inner: teredo("65.54.227.120", inner),
            "teredo server": lambda inner: teredo(inner, "8.8.8.8")}


def public(text: str) -> bool:
    return signing.is_public_address(ipaddress.ip_address(text))


@pytest.mark.parametrize("inner", PRIVATE_V4)
@pytest.mark.parametrize("wrap", WRAPPERS, ids=list(WRAPPERS))
def test_an_ipv6_address_carrying_a_private_ipv4_address_is_not_public(wrap, inner):
    address = WRAPPERS[wrap](inner)
    assert not public(address), address


@pytest.mark.parametrize("inner", PUBLIC_V4)
@pytest.mark.parametrize("wrap", ["nat64", "6to4", "mapped"])
def test_an_ipv6_address_carrying_a_public_ipv4_address_is_public(wrap, inner):
    address = WRAPPERS[wrap](inner)
    assert public(address), address


@pytest.mark.parametrize("wrap", ["nat64 local", "compatible"])
def test_deprecated_or_local_translation_prefixes_are_never_public(wrap):
    assert not public(WRAPPERS[wrap]("8.8.8.8"))


def test_the_embedded_addresses_are_found():
    ip = ipaddress.ip_address
    assert signing.embedded_ipv4(ip(nat64("10.1.2.3"))) == (ip("10.1.2.3"),)
    assert signing.embedded_ipv4(ip(nat64_local("10.1.2.3"))) == (ip("10.1.2.3"),)
    assert signing.embedded_ipv4(ip(six_to_four("10.1.2.3"))) == (ip("10.1.2.3"),)
    assert signing.embedded_ipv4(ip(mapped("10.1.2.3"))) == (ip("10.1.2.3"),)
    assert signing.embedded_ipv4(ip(compatible("10.1.2.3"))) == (ip("10.1.2.3"),)
    # RFC 4380's own example: server 65.54.227.120, client 192.0.2.45 behind a NAT (port 40000).
    example = ip("2001:0000:4136:e378:8000:63bf:3fff:fdd2")
    assert signing.embedded_ipv4(example) == (ip("65.54.227.120"), ip("192.0.2.45"))
    assert example.teredo == signing.embedded_ipv4(example)  # the standard library agrees
    assert signing.embedded_ipv4(ip("2606:4700::1111")) == ()


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_every_wrapper_is_public_only_if_its_ipv4_address_is(value):
    inner = str(ipaddress.IPv4Address(value))
    inner_public = public(inner)
    for wrap in ("nat64", "6to4", "mapped"):
        assert public(WRAPPERS[wrap](inner)) == inner_public, (wrap, inner)
    for wrap in ("nat64 local", "compatible", "teredo client"):
        assert not public(WRAPPERS[wrap](inner)) or inner_public, (wrap, inner)


@pytest.mark.parametrize("address", [nat64("127.0.0.1"), six_to_four("10.0.0.1"), teredo("65.54.227.120", "10.0.0.1"),
                                     compatible("127.0.0.1"), mapped("169.254.169.254"), nat64_local("8.8.8.8")])
def test_saving_a_webhook_to_such_an_address_is_refused(address):
    with pytest.raises(signing.UnsafeURL) as refused:
        signing.check_url(f"https://[{address}]/hooks", allow_private=False)
    assert refused.value.code == "private"
    assert signing.check_url(f"https://[{address}]/hooks", allow_private=True)


@pytest.mark.parametrize("address", [nat64("127.0.0.1"), six_to_four("192.168.0.1"), teredo("65.54.227.120", "10.0.0.1"),
                                     compatible("10.0.0.1")])
def test_the_worker_refuses_a_name_that_resolves_to_such_an_address(monkeypatch, address):
    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(delivery._Refused):
        delivery._resolve("hooks.example.org", 443, allow_private=False)
    assert delivery._resolve("hooks.example.org", 443, allow_private=True) == address
