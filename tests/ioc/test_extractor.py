"""IocExtractor behaviour: the contract of the issue, one rule per test."""

from __future__ import annotations

import pickle
import re

import pytest

from asisdk.errors import InvalidInputError
from asisdk.ioc import BUILTIN_TYPES, IocExtractor, IocMatch, classify, validate

MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def test_extract_returns_every_requested_type_as_a_key() -> None:
    result = IocExtractor().extract("nothing here", types=["ipv4", "url"])
    assert result == {"ipv4": set(), "url": set()}


def test_default_types_are_all_builtins() -> None:
    assert IocExtractor().types == BUILTIN_TYPES
    assert set(IocExtractor().extract("x")) == set(BUILTIN_TYPES)


def test_constructor_types_limit_what_is_reported() -> None:
    ex = IocExtractor(types=["dns"])
    assert ex.extract("http://evil.com/a 10.0.0.1") == {"dns": {"evil.com"}}


def test_unknown_type_is_an_error_that_lists_the_known_ones() -> None:
    with pytest.raises(InvalidInputError, match="known types"):
        IocExtractor().extract("x", types=["ipv5"])
    with pytest.raises(InvalidInputError):
        IocExtractor(types=["nope"])


def test_non_string_text_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="must be str"):
        IocExtractor().extract(b"10.0.0.1")  # type: ignore[arg-type]


def test_finditer_reports_raw_spelling_offsets_and_components() -> None:
    text = "go to hxxps://evil[.]com/a.php now"
    matches = list(IocExtractor().finditer(text))
    assert matches == [
        IocMatch("url", "https://evil.com/a.php", "hxxps://evil[.]com/a.php", 6, 30),
        IocMatch("dns", "evil.com", "evil[.]com", 14, 24),
    ]
    for match in matches:
        assert text[match.start : match.end] == match.raw


def test_finditer_yields_each_occurrence() -> None:
    values = [m.value for m in IocExtractor().finditer("1.1.1.1 and 1.1.1.1", types=["ipv4"])]
    assert values == ["1.1.1.1", "1.1.1.1"]


def test_defanged_false_matches_text_as_written() -> None:
    ex = IocExtractor(defanged=False)
    assert ex.extract("hxxp://evil[.]com 1.2.3[.]4", types=["url", "dns", "ipv4"]) == {
        "url": set(),
        "dns": set(),
        "ipv4": set(),
    }
    assert ex.extract("http://evil.com", types=["url"]) == {"url": {"http://evil.com"}}


def test_instances_do_not_share_custom_types() -> None:
    first, second = IocExtractor(), IocExtractor()
    first.add_type("ticket", r"\bINC-\d{6}\b")
    assert "ticket" in first.types
    assert "ticket" not in second.types
    with pytest.raises(InvalidInputError):
        second.extract("INC-123456", types=["ticket"])


def test_custom_type_with_named_group_and_validator() -> None:
    ex = IocExtractor()
    ex.add_type("asn", r"\bAS(?P<ioc>\d{1,10})\b", validator=lambda v: int(v) < 4_294_967_296)
    assert ex.extract("AS13335 and AS99999999999", types=["asn"]) == {"asn": {"13335"}}
    assert ex.validate("64512", "asn")
    assert not ex.validate("99999999999", "asn")


def test_priority_decides_between_matches_on_the_same_span() -> None:
    winner = IocExtractor()
    winner.add_type("lab_ip", r"\b10\.9\.\d{1,3}\.\d{1,3}\b", priority=-1)
    got = winner.extract("scan from 10.9.0.4 and 10.0.0.4", types=["lab_ip", "ipv4"])
    assert got == {"lab_ip": {"10.9.0.4"}, "ipv4": {"10.0.0.4"}}
    loser = IocExtractor()
    loser.add_type("lab_ip", r"\b10\.9\.\d{1,3}\.\d{1,3}\b", priority=5)
    got = loser.extract("scan from 10.9.0.4", types=["lab_ip", "ipv4"])
    assert got == {"lab_ip": set(), "ipv4": {"10.9.0.4"}}


def test_add_type_rejects_builtin_names_bad_names_and_bad_regexes() -> None:
    ex = IocExtractor()
    with pytest.raises(InvalidInputError, match="built-in"):
        ex.add_type("ipv4", r"\d+")
    with pytest.raises(InvalidInputError, match="lower-case"):
        ex.add_type("Bad Name", r"\d+")
    with pytest.raises(InvalidInputError, match="invalid regular expression"):
        ex.add_type("broken", r"(unclosed")


def test_add_type_accepts_a_compiled_pattern() -> None:
    ex = IocExtractor()
    ex.add_type("yara", re.compile(r"\brule\s+(?P<ioc>\w+)"))
    assert ex.extract("rule Emotet_Loader {", types=["yara"]) == {"yara": {"Emotet_Loader"}}


def test_remove_type_disables_builtins_and_forgets_custom_types() -> None:
    ex = IocExtractor()
    ex.remove_type("linux_path")
    assert "linux_path" not in ex.types
    assert "linux_path" not in ex.extract("/etc/passwd")
    ex.add_type("ticket", r"INC-\d+")
    ex.remove_type("ticket")
    with pytest.raises(InvalidInputError):
        ex.remove_type("ticket")


def test_extractor_pickles_for_process_pools() -> None:
    ex = IocExtractor(types=["ipv4"])
    ex.add_type("ticket", r"INC-\d+")
    clone = pickle.loads(pickle.dumps(ex))
    assert clone.extract("INC-7 1.2.3.4", types=["ticket", "ipv4"]) == {
        "ticket": {"INC-7"},
        "ipv4": {"1.2.3.4"},
    }


def test_repr_names_types_and_mode() -> None:
    assert "defanged=True" in repr(IocExtractor(types=["md5"]))


@pytest.mark.parametrize(
    ("value", "kind", "ok"),
    [
        ("10.0.0.1", "ipv4", True),
        ("256.0.0.1", "ipv4", False),
        ("1.2.3", "ipv4", False),
        ("2001:db8::1", "ipv6", True),
        ("fe80::1%eth0", "ipv6", True),
        ("::", "ipv6", False),
        ("10:30:45", "ipv6", False),
        ("evil.com", "dns", True),
        ("EVIL.COM", "dns", True),
        ("evil.notatld", "dns", False),
        ("com", "dns", False),
        ("-evil.com", "dns", False),
        ("https://evil.com/x?y=1", "url", True),
        ("http://[2001:db8::1]:80/", "url", True),
        ("gopher://evil.com", "url", False),
        ("a@evil.com", "email", True),
        ("a@evil", "email", False),
        (MD5, "md5", True),
        (MD5[:-1], "md5", False),
        ("a" * 40, "sha1", True),
        ("a" * 64, "sha256", True),
        ("C:\\Windows\\x.exe", "windows_path", True),
        ("C:\\Program Files\\x y.exe", "windows_path", True),
        ("CORP\\alice", "windows_path", False),
        ("/etc/passwd", "linux_path", True),
        ("/tmp", "linux_path", False),
        ("CVE-2021-44228", "cve", True),
        ("00:1a:2b:3c:4d:5e", "mac", True),
        ("HKLM\\Software\\Run", "registry_key", True),
    ],
)
def test_validate(value: str, kind: str, ok: bool) -> None:
    assert validate(value, kind) is ok


def test_validate_unknown_type_is_an_error() -> None:
    with pytest.raises(InvalidInputError):
        validate("x", "bogus")


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("10.0.0.1", "ipv4"),
        ("10.0.0[.]1", "ipv4"),
        ("2001:db8::1", "ipv6"),
        ("hxxp://evil[.]com/a", "url"),
        ("evil.com", "dns"),
        ("admin[@]evil.com", "email"),
        (MD5, "md5"),
        ("C:\\x\\y.exe", "windows_path"),
        ("/usr/bin/id", "linux_path"),
        ("CVE-2024-3094", "cve"),
        ("hello world", None),
        ("", None),
    ],
)
def test_classify(value: str, kind: str | None) -> None:
    assert classify(value) == kind


def test_private_addresses_are_reported_unless_asked_not_to() -> None:
    text = "10.0.0.1 8.8.8.8 fe80::1 2606:4700::1111 http://192.168.1.1/x"
    assert IocExtractor().extract(text, types=["ipv4", "ipv6"]) == {
        "ipv4": {"10.0.0.1", "8.8.8.8", "192.168.1.1"},
        "ipv6": {"fe80::1", "2606:4700::1111"},
    }
    public = IocExtractor(include_private=False)
    assert public.extract(text, types=["ipv4", "ipv6", "url"]) == {
        "ipv4": {"8.8.8.8"},
        "ipv6": {"2606:4700::1111"},
        "url": {"http://192.168.1.1/x"},
    }
