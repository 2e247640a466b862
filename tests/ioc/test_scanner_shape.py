"""The scanner's fast shapes say what their plain forms say.

The context checks of :mod:`asisdk.ioc._patterns` are written for the line before a
candidate reversed (one anchored match instead of a search trying every start), and the
e-mail local part before an escaped ``@`` is found by a backward walk. Each is checked here
against the plain, forward form it replaces, on text built from the characters that matter.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from asisdk.ioc._patterns import (
    HASH_LABEL_BEFORE,
    HTTP_TARGET_BEFORE,
    OID_BEFORE,
    VERSION_BEFORE,
)
from asisdk.ioc._scan import _local_before

# The forward forms, as they read in a report: label, optional quote, separator, end of line.
FORWARD_HASH_LABEL = re.compile(
    r"""\b(imphash|authentihash|tlsh)["']?\s*[:=]?\s*["']?\s*$""", re.IGNORECASE
)
FORWARD_VERSION = re.compile(
    r"""(?:version|\bver\.?|\bv\.?|\bbuild)["']?[\s\x00]*[:=]?[\s\x00]*["']?[\s\x00]*$""",
    re.IGNORECASE,
)
FORWARD_HTTP_TARGET = re.compile(
    r"\b(?:GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH|CONNECT|TRACE|PROPFIND)\s+$"
)
FORWARD_OID = re.compile(
    r"""(?:\boid|object[\s_-]?identifier|objectid|algorithm|\beku|extension|policy)"""
    r"""["']?\s*[:=]?\s*["']?\s*$""",
    re.IGNORECASE,
)
FORWARD_LOCAL = re.compile(r"(?<![\w.+-])[\w+-][\w.+-]{0,63}\Z")

WORDS = st.sampled_from(
    [
        "imphash", "ImpHash", "authentihash", "tlsh", "version", "FileVersion", "ver", "v",
        "build", "GET", "POST", "PROPFIND", "get", "oid", "OID", "object identifier",
        "object_identifier", "objectid", "algorithm", "eku", "extension", "policy", "xver",
        "rebuild", "a", "_", "é", "",
    ]
)  # fmt: skip
SEPARATORS = st.text(alphabet=" \t\x00\"':=\u00a0\u2003x.-", max_size=6)
LINES = st.lists(st.one_of(WORDS, SEPARATORS), max_size=8).map("".join)


@given(LINES)
def test_reversed_context_checks_agree_with_their_forward_forms(line: str) -> None:
    reversed_line = line[::-1]
    assert bool(VERSION_BEFORE.match(reversed_line)) == bool(FORWARD_VERSION.search(line))
    assert bool(OID_BEFORE.match(reversed_line)) == bool(FORWARD_OID.search(line))
    assert bool(HTTP_TARGET_BEFORE.match(reversed_line)) == bool(FORWARD_HTTP_TARGET.search(line))
    fast = HASH_LABEL_BEFORE.match(reversed_line)
    slow = FORWARD_HASH_LABEL.search(line)
    assert bool(fast) == bool(slow)
    if fast and slow:
        assert fast.group(1)[::-1].lower() == slow.group(1).lower()


def test_reversed_context_checks_on_real_lines() -> None:
    assert VERSION_BEFORE.match("FileVersion\x00"[::-1])
    assert VERSION_BEFORE.match('"version": "'[::-1])
    assert not VERSION_BEFORE.match("connect to "[::-1])
    assert OID_BEFORE.match("Object Identifier: "[::-1])
    assert HTTP_TARGET_BEFORE.match('10.0.0.1 - - "GET '[::-1])
    assert not HTTP_TARGET_BEFORE.match("FORGET "[::-1])
    label = HASH_LABEL_BEFORE.match('"imphash": "'[::-1])
    assert label is not None
    assert label.group(1)[::-1] == "imphash"


@given(
    st.text(alphabet="ab._+-%@ é²\n", max_size=90),
    st.integers(min_value=0, max_value=90),
)
def test_local_part_walk_agrees_with_the_regex(text: str, cut: int) -> None:
    end = min(cut, len(text))
    found = FORWARD_LOCAL.search(text, max(0, end - 64), end)
    start, local = _local_before(text, end)
    assert local == (found.group() if found else "")
    assert text[start:end] == local
