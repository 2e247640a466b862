"""Kind detection, normalisation and API paths (pure)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asisdk.entities import Dns, File, FileHash, IpAddress, Url
from asisdk.virustotal import VtKind, url_id
from asisdk.virustotal._observables import observable_text, parse_kind, resolve_target

from .fixtures import EICAR_MD5, EICAR_SHA256


@pytest.mark.parametrize(
    ("value", "kind", "key", "path"),
    [
        ("8.8.8.8", VtKind.IP_ADDRESS, "8.8.8.8", "/ip_addresses/8.8.8.8"),
        (" 2001:DB8:0:0::1 ", VtKind.IP_ADDRESS, "2001:db8::1", "/ip_addresses/2001:db8::1"),
        ("Example.COM.", VtKind.DOMAIN, "example.com", "/domains/example.com"),
        (
            "bücher.example",
            VtKind.DOMAIN,
            "xn--bcher-kva.example",
            "/domains/xn--bcher-kva.example",
        ),
        (EICAR_MD5.upper(), VtKind.FILE, EICAR_MD5, f"/files/{EICAR_MD5}"),
        (EICAR_SHA256, VtKind.FILE, EICAR_SHA256, f"/files/{EICAR_SHA256}"),
        ("3395856ce81f2b7382dee72602f798b642f14140", VtKind.FILE, None, None),
        (
            "http://www.somedomain.com/this/is/my/url",
            VtKind.URL,
            "http://www.somedomain.com/this/is/my/url",
            "/urls/aHR0cDovL3d3dy5zb21lZG9tYWluLmNvbS90aGlzL2lzL215L3VybA",
        ),
        ("example.com/path?q=1", VtKind.URL, "example.com/path?q=1", None),
    ],
)
def test_detection_and_paths(value: str, kind: VtKind, key: str | None, path: str | None) -> None:
    target = resolve_target(value)
    assert target.valid, target.error
    assert target.kind is kind
    if key is not None:
        assert target.key == key
    if path is not None:
        assert target.path == path


@pytest.mark.parametrize(
    ("value", "kind", "message"),
    [
        ("999.1.1.1", VtKind.IP_ADDRESS, "not a valid IPv4 or IPv6 address"),
        ("1.2.3", VtKind.IP_ADDRESS, "not a valid IPv4"),
        ("a" * 31, VtKind.FILE, "31 characters"),
        ("0123456789abcdef0123", VtKind.FILE, "not an MD5"),
        ("not an observable", None, "pass kind="),
        ("", None, "empty"),
        ("http:// spaced.example/", VtKind.URL, "spaces"),
        ("https:///nohost", VtKind.URL, "valid host"),
        ("x" * 9000, None, "characters long"),
    ],
)
def test_invalid_values_are_described(value: str, kind: VtKind | None, message: str) -> None:
    target = resolve_target(value)
    assert not target.valid
    assert target.kind is kind
    assert target.error is not None
    assert message in target.error


def test_explicit_kind_is_checked_not_trusted() -> None:
    assert not resolve_target("8.8.8.8", "file").valid
    assert resolve_target("8.8.8.8", "ipv4").valid
    unknown = resolve_target("someone@example.com", "email")
    assert not unknown.valid
    assert unknown.error is not None
    assert "cannot look up kind 'email'" in unknown.error
    assert not resolve_target(None).valid
    assert not resolve_target(float("nan")).valid


def test_kind_aliases() -> None:
    assert parse_kind("SHA256_HASH") is VtKind.FILE
    assert parse_kind("dns") is VtKind.DOMAIN
    assert parse_kind("ip-address") is VtKind.IP_ADDRESS
    assert parse_kind(VtKind.URL) is VtKind.URL
    with pytest.raises(ValueError, match="kinds it knows"):
        parse_kind("registry_key")


def test_url_id_matches_the_documented_examples() -> None:
    assert url_id("https://example.com/") == "aHR0cHM6Ly9leGFtcGxlLmNvbS8"
    assert "=" not in url_id("https://example.com/ab")
    assert "/" not in url_id("http://x.example/???>>>")


@given(st.ip_addresses())
def test_every_ip_address_is_detected_as_one(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    target = resolve_target(str(address))
    assert target.kind is VtKind.IP_ADDRESS
    assert target.key == str(address)


@given(
    st.sampled_from([32, 40, 64]).flatmap(
        lambda n: st.text("0123456789abcdefABCDEF", min_size=n, max_size=n)
    )
)
def test_every_hash_is_detected_as_a_file(value: str) -> None:
    target = resolve_target(value)
    assert (target.kind, target.key) == (VtKind.FILE, value.lower())


@given(st.text(max_size=300))
def test_any_text_resolves_without_raising(value: str) -> None:
    target = resolve_target(value)
    assert target.valid == (target.error is None)
    if target.valid:
        assert target.path.startswith("/")


@pytest.mark.parametrize(
    ("entity", "kind", "key"),
    [
        (IpAddress(address="8.8.8.8"), VtKind.IP_ADDRESS, "8.8.8.8"),
        (Dns(domain_name="Example.com"), VtKind.DOMAIN, "example.com"),
        (Url(url="https://example.com/"), VtKind.URL, "https://example.com/"),
        (File(name="eicar.com", md5=EICAR_MD5, sha256=EICAR_SHA256), VtKind.FILE, EICAR_SHA256),
        (File(name="eicar.com", md5=EICAR_MD5), VtKind.FILE, EICAR_MD5),
        (File(name="x", file_hashes=[FileHash.from_value(EICAR_MD5)]), VtKind.FILE, EICAR_MD5),
        (FileHash.from_value(EICAR_SHA256.upper()), VtKind.FILE, EICAR_SHA256),
    ],
)
def test_entities_resolve_to_their_value_and_kind(entity: object, kind: VtKind, key: str) -> None:
    target = resolve_target(entity)
    assert target.valid, target.error
    assert (target.kind, target.key) == (kind, key)
    assert observable_text(entity).lower() == key


def test_entity_without_a_hash_is_invalid() -> None:
    target = resolve_target(File(full_path="C:\\temp\\a.exe"))
    assert (target.kind, target.valid) == (VtKind.FILE, False)
    assert target.error == "the File entity has no hash to look up"
    # a Dns entity holding something that is not a domain is checked like a string
    assert not resolve_target(Dns(domain_name="not a domain")).valid
