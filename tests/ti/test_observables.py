"""Typing, normalisation and the private-address guard of observables (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asisdk.entities import Dns, File, FileHash, IpAddress, Url
from asisdk.ti import TiReport, TiResult, TiStatus, Verdict, to_observable


@pytest.mark.parametrize(
    ("value", "kind", "normal", "private"),
    [
        ("8.8.8.8", "ipv4", "8.8.8.8", False),
        ("008.008.008.008", "ipv4", "8.8.8.8", False),
        ("10.0.0.1", "ipv4", "10.0.0.1", True),
        ("100.64.0.1", "ipv4", "100.64.0.1", True),
        ("2001:4860:4860:0:0:0:0:8888", "ipv6", "2001:4860:4860::8888", False),
        ("fd00::1", "ipv6", "fd00::1", True),
        ("evil[.]com", "dns", "evil.com", False),
        ("WWW.Example.ORG.", "dns", "www.example.org", False),
        ("hxxps://evil[.]com/a?b=1", "url", "https://evil.com/a?b=1", False),
        ("http://192.168.0.1/login", "url", "http://192.168.0.1/login", True),
        ("D41D8CD98F00B204E9800998ECF8427E", "md5", "d41d8cd98f00b204e9800998ecf8427e", False),
        ("A" * 40, "sha1", "a" * 40, False),
        ("B" * 64, "sha256", "b" * 64, False),
    ],
)
def test_strings(value: str, kind: str, normal: str, private: bool) -> None:
    observable = to_observable(value)
    assert (observable.type, observable.value, observable.private) == (kind, normal, private)
    assert observable.valid


@pytest.mark.parametrize("value", ["", "   ", "hello world", "999.1.1.1", "x" * 9000, 42])
def test_invalid(value: object) -> None:
    assert not to_observable(value).valid


def test_entities() -> None:
    assert to_observable(IpAddress(address="1.1.1.1")).type == "ipv4"
    assert to_observable(Dns(domain_name="Evil.COM")).value == "evil.com"
    assert to_observable(Url(url="https://evil.com/x")).type == "url"
    assert to_observable(FileHash.from_value("a" * 64)).type == "sha256"
    assert to_observable(File(md5="b" * 32, sha1="c" * 40)).value == "c" * 40
    assert not to_observable(File(name="x.exe")).valid


def _result(provider: str, status: TiStatus, verdict: Verdict, severity: int = 0) -> TiResult:
    return TiResult(
        observable="x",
        type="dns",
        value="x",
        provider=provider,
        status=status,
        verdict=verdict,
        severity=severity,
    )


def test_merged_view_takes_the_worst_verdict() -> None:
    results = (
        _result("circl", TiStatus.FOUND, Verdict.KNOWN_GOOD),
        _result("otx", TiStatus.FOUND, Verdict.SUSPICIOUS, 35),
        _result("abuseipdb", TiStatus.FOUND, Verdict.MALICIOUS, 90),
        _result("urlhaus", TiStatus.ERROR, Verdict.UNKNOWN),
    )
    report = TiReport(observable="x", type="dns", value="x", results=results)
    assert report.verdict is Verdict.MALICIOUS
    assert report.severity == 90
    assert report.flagged_by == ("otx", "abuseipdb")
    assert report.cleared_by == ("circl",)
    assert not report.demote
    cleared = TiReport(observable="x", type="dns", value="x", results=results[:1])
    assert cleared.demote
    assert cleared.verdict is Verdict.KNOWN_GOOD
    nothing = TiReport(observable="x", type="dns", value="x", results=results[3:])
    assert nothing.verdict is Verdict.UNKNOWN
    assert not nothing.demote


@given(st.text(max_size=300))
def test_any_text_is_typed_or_invalid_never_an_exception(text: str) -> None:
    observable = to_observable(text)
    assert observable.valid or observable.error
    if observable.valid:
        assert observable.type is not None
        assert observable.value
        assert to_observable(observable.value).key == observable.key, "normalising is stable"
