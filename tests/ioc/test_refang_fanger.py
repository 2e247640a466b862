"""refang() against ioc-fanger's documented cases (its test suite), without ioc-fanger.

ioc-fanger (https://github.com/ioc-fang/ioc-fanger) is the most complete refanger; these are
the inputs and outputs of its own tests, so asisdk is held to the same behaviour. Where
asisdk deliberately differs, the case is listed with the reason and asisdk's output.
"""

from __future__ import annotations

import pytest

from asisdk.ioc import refang

from .fanger_cases import DELIBERATELY_DIFFERENT, SAME_AS_IOC_FANGER


@pytest.mark.parametrize(("defanged", "fanged"), SAME_AS_IOC_FANGER)
def test_same_as_ioc_fanger(defanged: str, fanged: str) -> None:
    assert refang(defanged) == fanged


@pytest.mark.parametrize(("defanged", "theirs", "ours"), DELIBERATELY_DIFFERENT)
def test_deliberate_differences_from_ioc_fanger(defanged: str, theirs: str, ours: str) -> None:
    assert theirs != ours
    assert refang(defanged) == ours


@pytest.mark.parametrize(
    ("defanged", "fanged"),
    [
        # Spellings ioc-fanger has no rule for.
        ("h**p://evil.example/a", "http://evil.example/a"),
        ("http:\\\\evil.example\\a", "http://evil.example\\a"),
        ("hxxps:[/][/]evil[.]example", "https://evil.example"),
        ("evil<.>example<.>com", "evil.example.com"),
        ("evil{dot}com", "evil.com"),
        ("evil [ . ] com", "evil.com"),
        ("evil dot example dot com", "evil.example.com"),
        ("john at evil dot com", "john@evil.com"),
        ("admin_at_evil.com", "admin@evil.com"),
        ("evil^.com", "evil.com"),
        ("admin [ AT ] evil[.]com", "admin@evil.com"),
        ("hxxp[://]evil.com", "http://evil.com"),
    ],
)
def test_beyond_ioc_fanger(defanged: str, fanged: str) -> None:
    assert refang(defanged) == fanged


@pytest.mark.parametrize(
    "text",
    [
        "the dot com bubble burst",
        "look at this dot com site",
        "meet me at noon",
        "x = a[0].b; array[.5]",
        "grep -e '^.*$' file",
        "snake_at_home",
        "score 2 dot 5",
        "C:\\Users\\bob\\.ssh\\id_rsa",
        "https://example.com/a",
    ],
)
def test_text_that_is_not_defanged_is_unchanged(text: str) -> None:
    assert refang(text) == text
