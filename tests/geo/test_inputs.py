"""Input classification shared by every source: the public shortcut equals ip_type_of."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from asisdk._geo_inputs import classify, fast_ip_type
from asisdk.entities import IpAddress, IpType
from asisdk.entities._network import ip_type_of
from asisdk.geo import GeoStatus

special_v4 = st.sampled_from(
    [
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.31.196.0/24",
        "192.52.193.0/24",
        "192.175.48.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "255.255.255.255/32",
    ]
).flatmap(
    lambda net: st.integers(
        int(ipaddress.ip_network(net).network_address),
        int(ipaddress.ip_network(net).broadcast_address),
    )
)
any_v4 = st.one_of(st.integers(0, 2**32 - 1), special_v4).map(ipaddress.IPv4Address)
any_v6 = st.one_of(
    st.integers(0, 2**128 - 1).map(ipaddress.IPv6Address),
    any_v4.map(lambda a: ipaddress.IPv6Address(f"::ffff:{a}")),
    st.sampled_from(["::", "::1", "fe80::1", "fc00::1", "ff02::1", "2001:db8::1", "2a00::1"]).map(
        ipaddress.IPv6Address
    ),
)


@given(st.one_of(any_v4, any_v6))
def test_fast_ip_type_equals_the_entity_rules(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    assert fast_ip_type(address) is ip_type_of(address)


def test_classify_keeps_a_given_entity_and_normalises_text() -> None:
    entity = IpAddress(address="8.8.8.8")
    assert classify(entity).entity is entity
    item = classify(" [2001:DB8::1] ")
    assert item.final is not None
    assert (item.final.status, item.final.ip_type) == (GeoStatus.PRIVATE, IpType.RESERVED)
    assert item.address == "2001:db8::1"
    public = classify("2a00:1450::1")
    assert (public.final, public.address) == (None, "2a00:1450::1")


def test_special_ipv4_blocks_cover_everything_ipaddress_treats_specially() -> None:
    from asisdk._geo_inputs import _V4_MAYBE_SPECIAL
    from asisdk.entities import _network

    constants = ipaddress.IPv4Address._constants  # type: ignore[attr-defined]
    networks = [
        *constants._private_networks,
        constants._public_network,  # 100.64.0.0/10, shared address space
        constants._reserved_network,
        constants._multicast_network,
        constants._linklocal_network,
        constants._loopback_network,
        *(n for n in _network._PRIVATE_NETWORKS if n.version == 4),
    ]
    for network in networks:
        start, end = int(network.network_address), int(network.broadcast_address)
        assert any(lo <= start and end <= hi for lo, hi in _V4_MAYBE_SPECIAL), network
