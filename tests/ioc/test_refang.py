"""refang(): every defang spelling of the policy, and text it must leave alone."""

from __future__ import annotations

import pytest

from asisdk.ioc import refang
from asisdk.ioc._refang import refang_with_map


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hxxp://a.com", "http://a.com"),
        ("hXXps://a.com", "https://a.com"),
        ("hxxps[:]//a.com", "https://a.com"),
        ("fxp://a.com", "ftp://a.com"),
        ("evil[.]com", "evil.com"),
        ("evil(.)com", "evil.com"),
        ("evil{.}com", "evil.com"),
        ("evil[dot]com", "evil.com"),
        ("evil(dot)com", "evil.com"),
        ("evil [dot] com", "evil.com"),
        ("evil\\.com", "evil.com"),
        ("1.2.3[.]4", "1.2.3.4"),
        ("admin[@]evil.com", "admin@evil.com"),
        ("admin(at)evil.com", "admin@evil.com"),
        ("admin [at] evil.com", "admin@evil.com"),
        ("http[://]evil.com", "http://evil.com"),
        # every ``-dot-`` of a name, not only the last (a label ends before the next marker)
        ("c2 at update-dot-cdn-dot-example-dot-net", "c2 at update.cdn.example.net"),
        ("stage-two-dot-co-dot-uk", "stage-two.co.uk"),
    ],
)
def test_refang(text: str, expected: str) -> None:
    assert refang(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "f(x) = (.)",
        "news.ycombinator.com",  # msticpy #681: 'AT' inside a word is not '@'
        "see the [dot] operator [at] the end.",
        "C:\\Users\\bob\\.ssh\\id_rsa",
        "%USERPROFILE%\\.config",
        "the hxxp protocol",
        "ship [.] and",
    ],
)
def test_refang_leaves_ordinary_text_alone(text: str) -> None:
    assert refang(text) == text


def test_offset_map_points_back_to_the_written_form() -> None:
    text = "x hxxp://evil[.]com/a y"
    fanged, mapping = refang_with_map(text)
    assert fanged == "x http://evil.com/a y"
    assert mapping is not None
    start = fanged.index("evil")
    begin, end = mapping.to_original(start, start + len("evil.com"))
    assert text[begin:end] == "evil[.]com"
    assert mapping.touches(start, start + 8)
    assert not mapping.touches(fanged.index("/a"), len(fanged))


def test_nothing_to_refang_gives_no_map() -> None:
    assert refang_with_map("plain text") == ("plain text", None)
