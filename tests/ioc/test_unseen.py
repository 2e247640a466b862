"""Characters a reader never sees, left inside indicators by PDFs and web pages.

A report's text layer keeps soft hyphens where a line could break, zero-width spaces that a
CMS puts after the dots and slashes of long URLs (or that an author slips in to defang a
name), word joiners, byte order marks and the Latin ligatures of its font (``ﬁ``). Each of
them used to cut the indicator (``mal\\u00adware-cdn.com`` gave ``ware-cdn.com``) or hide it
(``evil\\u200b.com`` gave nothing). Each test's ``raw`` is the text as written, so offsets
still point into the original.
"""

from __future__ import annotations

import pytest

from asisdk.ioc import IocExtractor, refang

EX = IocExtractor()


def found(text: str) -> list[tuple[str, str, str]]:
    matches = list(EX.finditer(text))
    for match in matches:
        assert text[match.start : match.end] == match.raw
    return [(match.type, match.value, match.raw) for match in matches]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a soft hyphen where the PDF could break the line
        ("C2 at mal\u00adware-cdn.com today", ("dns", "malware-cdn.com", "mal\u00adware-cdn.com")),
        ("beacons to 198.51\u00ad.100.7", ("ipv4", "198.51.100.7", "198.51\u00ad.100.7")),
        # a zero-width space beside a dot, after a scheme, before an at sign
        ("visit evil\u200b.com now", ("dns", "evil.com", "evil\u200b.com")),
        ("visit evil.\u200bcom now", ("dns", "evil.com", "evil.\u200bcom")),
        ("mail bob\u200b@corp-mail.com", ("email", "bob@corp-mail.com", "bob\u200b@corp-mail.com")),
        # mixed with a defang marker, on either side of it
        ("C2 at evil[.]\u200bcom", ("dns", "evil.com", "evil[.]\u200bcom")),
        ("C2 at evil\u200b[.]com", ("dns", "evil.com", "evil\u200b[.]com")),
        # a word joiner and a byte order mark glue, by definition
        ("host update\u2060server.net.", ("dns", "updateserver.net", "update\u2060server.net")),
        ("host cdn\ufeff.example.org", ("dns", "cdn.example.org", "cdn\ufeff.example.org")),
        # ligatures of the PDF's font
        ("beacon to of\ufb01ce-update.net", ("dns", "office-update.net", "of\ufb01ce-update.net")),
        ("drop at ra\ufb04e-prize.com", ("dns", "raffle-prize.com", "ra\ufb04e-prize.com")),
    ],
)
def test_an_unseen_character_inside_an_indicator_is_taken_out(
    text: str, expected: tuple[str, str, str]
) -> None:
    assert expected in found(text)


def test_a_url_broken_after_each_dot_and_slash_is_one_url() -> None:
    text = "see https://\u200bupdates.\u200bexample.\u200bcom/\u200bdl/\u200bpayload.\u200bps1"
    url = [(value, raw) for kind, value, raw in found(text) if kind == "url"]
    assert url == [("https://updates.example.com/dl/payload.ps1", text[4:])]


def test_refang_takes_them_out_too() -> None:
    assert refang("hxxps://\u200bevil[.]example\u00ad-cdn.com/o\ufb03ce") == (
        "https://evil.example-cdn.com/office"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a zero-width space between two words is a word break: the domain ends there
        ("resolved evil.com\u200bnext", [("dns", "evil.com", "evil.com")]),
        # a soft hyphen inside a file name: a file name, not a domain
        ("opened read\u00adme.txt", []),
        # joiners of other scripts and of emoji are left as they are
        ("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \U0001f469\u200d\U0001f4bb", []),
        # text without indicators stays without them
        ("a \u00ad b \u200b c \ufb01 d", []),
    ],
)
def test_unseen_characters_outside_names_change_nothing(
    text: str, expected: list[tuple[str, str, str]]
) -> None:
    assert found(text) == expected
