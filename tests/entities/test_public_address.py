"""``is_public_address``: the one "is this address public?" test, shared by ioc, ti and triage."""

from __future__ import annotations

import pytest

from asisdk.entities import IpAddress, is_public_address


@pytest.mark.parametrize(
    ("value", "public"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("[2606:4700:4700::1111]", True),
        ("::ffff:8.8.8.8", True),  # IPv4-mapped: judged by its IPv4 address
        ("::ffff:10.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("127.0.0.1", False),
        ("169.254.1.1", False),
        ("fe80::1%eth0", False),  # link-local, with a zone
        ("224.0.0.1", False),
        ("0.0.0.0", False),
        ("192.0.2.10", False),  # documentation
        ("fc00::1", False),
        ("not an address", False),
        ("", False),
    ],
)
def test_is_public_address(value: str, public: bool) -> None:
    assert is_public_address(value) is public


@pytest.mark.parametrize("value", ["8.8.8.8", "10.0.0.1", "::ffff:8.8.8.8", "fe80::1"])
def test_the_entity_agrees(value: str) -> None:
    assert IpAddress(address=value).is_public is is_public_address(value)
