"""Hostile input: 1 MB adversarial runs finish (no catastrophic backtracking); Hypothesis.

The adversarial tests are not timed: a background thread runs the extraction and the test
only fails if it is still running after a generous hang-detector limit.
"""

from __future__ import annotations

import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asisdk.ioc import IocExtractor, refang

MB = 1_000_000
HANG_LIMIT_S = 120.0  # a hang detector, not a speed target (speed is in benchmarks/)

ADVERSARIAL = {
    "dots": "." * MB,
    "digits": "1" * MB,
    "hyphens": "-" * MB,
    "colons": ":" * MB,
    "backslashes": "\\" * MB,
    "slashes": "/" * MB,
    "hex": "a" * MB,
    "digit_dots": "1." * (MB // 2),
    "label_dots": "a." * (MB // 2),
    "hex_colons": "a:" * (MB // 2),
    "colon_pairs": "1::" * (MB // 3),
    "path_back": "\\a" * (MB // 2),
    "path_fwd": "/a" * (MB // 2),
    "unc_runs": "\\\\a" * (MB // 3),
    "at_signs": "a@" * (MB // 2),
    "emails": "a.a@" * (MB // 4),
    "schemes": "http://" * (MB // 7),
    "url_dots": "http://a" + ".a" * (MB // 2),
    "defang_dots": "a[.]" * (MB // 4),
    "defang_words": "a [dot] " * (MB // 8),
    "bs_dots": "a\\." * (MB // 3),
    "quotes_drive": '"C:\\ ' * (MB // 5),
    "drive_runs": "C:\\" * (MB // 3),
    "env_vars": "%a%\\" * (MB // 4),
    "hex_hyphens": "a-" * (MB // 2),
    "dotted_hex": ("a" * 31 + ".") * (MB // 32),
    "parens": "http://a.com/" + "(" * MB,
    "closers": "http://a.com/" + ")" * MB,
    "version_quads": "version 1.2.3.4 " * (MB // 16),
    "tildes": "~/" * (MB // 2),
    "cjk": "。" * MB,
    "curly_quotes": "\u201d" * MB,
    "curly_drive": "\u201cC:\\ " * (MB // 5),
    "md_links": "http://a](" * (MB // 10),
    "md_wiki": "[[http://a.com]]" * (MB // 16),
    "bbcode": "[url]http://a.com[/url]" * (MB // 23),
    "glued_brackets": "http://a]" * (MB // 9),
    "cisco_macs": "aabb." * (MB // 5),
    "jndi": "${jndi:ldap://" * (MB // 14),
    "file_urls": "file:///" * (MB // 8),
    "zero_quads": "0." * (MB // 2),
    "pct_ats": "a%40a." * (MB // 6),
    "hex_ats": "a\\x40a." * (MB // 7),
    "spaced_keys": "HKLM\\Windows NT\\" * (MB // 16),
    "spaced_paths": "/Library/Application Support" * (MB // 28),
    "spaced_drives": "C:\\Program Files " * (MB // 17),
    "soft_hyphens": "a\u00ad" * (MB // 2),
    "zero_width_dots": "a\u200b." * (MB // 3),
    "ligatures": "\ufb01" * MB,
    "ligature_names": "o\ufb03ce." * (MB // 5),
    # a scheme the scan rejects: each one used to be matched to the end of its run
    "unknown_schemes": "foo://a.com/" * (MB // 12),
    "short_schemes": "x://" * (MB // 4),
    "spaced_ats": "a @b[" * (MB // 5),
    "odd_slashes": "http://a.com[/" * (MB // 14),
    "escaped_locals": "mailto%3A" * (MB // 9) + "a%40evil.com",
    "bundles": "/Ab Cd.app" * (MB // 10),
    "html_ats": "a&#64;a." * (MB // 8),
    "glued_urls": "http://a.com," * (MB // 13),
    "glued_url_tails": "http://a.com/" + ",http://" * (MB // 8),
    "device_prefixes": "\\??\\C:" * (MB // 6),
    "regedit_bar": "Computer\\HKLM\\" * (MB // 15),
    "bundle_exes": "/Applications/Ab Cd.app/Contents/MacOS/Ab" * (MB // 41),
    "forward_drives": "C:/a" * (MB // 4),
    "forward_spaced": "C:/Program Files/Ab Cd/" * (MB // 23),
    "numeric_hosts": "http://0x7f.1/" * (MB // 14),
    "device_drives": "\\\\.\\C:" * (MB // 6),
    "odd_closing_dots": "a.]a" * (MB // 4),
    "odd_octet_brackets": "1.1.1[." * (MB // 7),
    "hex_addresses": "ping 0x7f.0x1." * (MB // 14),
}


def _finishes(func: object, *args: object) -> bool:
    done = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            func(*args)  # type: ignore[operator]
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, daemon=True).start()
    finished = done.wait(HANG_LIMIT_S)
    assert not errors, errors
    return finished


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_megabyte_finishes(name: str) -> None:
    text = ADVERSARIAL[name]
    assert len(text) >= MB * 0.9
    ex = IocExtractor()
    assert _finishes(lambda: list(ex.finditer(text)))


FRAGMENTS = [
    "http://",
    "hxxps[:]//",
    "evil",
    "[.]",
    ".",
    "com",
    "zip",
    "1",
    "255",
    "256",
    ".0",
    ":",
    "::",
    "ffff",
    "/",
    "\\",
    "\\\\",
    "C:",
    "%TEMP%",
    "@",
    "[@]",
    " ",
    "\n",
    '"',
    "'",
    "(",
    ")",
    "[",
    "]",
    "_",
    "-",
    "d41d8cd98f00b204e9800998ecf8427e",
    "a" * 40,
    "0x",
    "version ",
    "~/",
    "CVE-2024-",
    "1234",
    "HKLM",
    "рф",
    "。",
    "#",
    "?",
    "=",
    "&",
    "%3a%2f%2f",
    "64:ff9b::",
    "ldap://",
    "${jndi:",
    "file:///",
    "s3://",
    "](",
    "[[",
    "\u201d",
    "\u2019",
    "\u00ab",
    "\u2026",
    "\u2014",
    "\u200b",
    "\u00ad",
    "\u2060",
    "\ufb01",
    "aabb.",
    "010",
    "007.",
]


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join))
def test_every_reported_value_validates_on_fragment_soup(text: str) -> None:
    ex = IocExtractor()
    for match in ex.finditer(text):
        assert ex.validate(match.value, match.type), match
        assert text[match.start : match.end] == match.raw


@given(st.text(max_size=300))
def test_arbitrary_unicode_never_raises_and_values_validate(text: str) -> None:
    ex = IocExtractor()
    for kind, values in ex.extract(text).items():
        for value in values:
            assert ex.validate(value, kind), (kind, value)
    refang(text)


def test_unc_prefix_without_a_host_is_not_a_path() -> None:
    """Found by Hypothesis: ``\\\\http://`` was reported as a windows_path that fails validate."""
    from asisdk.ioc import IocExtractor, validate

    matches = list(IocExtractor().finditer('"\\\\\\\\http://"'))
    assert all(validate(m.value, m.type) for m in matches)
    assert not [m for m in matches if m.type == "windows_path"]
