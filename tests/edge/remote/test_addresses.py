"""The address gate: only globally routable unicast addresses, embedded IPv4 included."""

from __future__ import annotations

import ipaddress

import pytest

from edge.remote.addresses import address_is_public


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.0.9",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "100.127.255.254",
        "0.0.0.0",
        "0.1.2.3",
        "255.255.255.255",
        "224.0.0.1",
        "240.0.0.1",
        "198.18.0.1",
        "192.0.0.170",
        "192.0.2.1",
        "::",
        "::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:10.0.0.1",
        "::ffff:0:a00:1",  # IPv4-translated 10.0.0.1
        "::127.0.0.1",  # IPv4-compatible
        "::a9fe:a9fe",
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b::7f00:1",
        "64:ff9b:1::808:808",  # local-use NAT64
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "2001:db8::1",
        "2001:2::1",  # benchmarking
        "3fff::1",  # documentation (2024)
        "5f00::1",  # SRv6
        "fe80::1",
        "fe80::1%1",
        "fd00:ec2::254",
        "fc00::1",
        "fec0::1",
        "ff02::1",
        "100::1",
        "::1:0:0:1",  # reserved ::/8
    ],
)
def test_non_public_addresses(address: str) -> None:
    assert address_is_public(ipaddress.ip_address(address)) is False


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "8.8.8.8",
        "1.1.1.1",
        "2606:4700::1111",
        "2a00:1450:4001:80b::200e",
        "::ffff:8.8.8.8",  # mapped, but a public IPv4
        "64:ff9b::808:808",  # NAT64 of a public IPv4
        "2002:808:808::1",  # 6to4 of a public IPv4
    ],
)
def test_public_addresses(address: str) -> None:
    assert address_is_public(ipaddress.ip_address(address)) is True
