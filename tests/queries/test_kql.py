"""KQL literal rendering: injection attempts stay single literals."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asisdk.errors import QueryParameterError
from asisdk.queries import (
    kql_bool,
    kql_datetime,
    kql_dynamic_list,
    kql_int,
    kql_real,
    kql_string,
    kql_timespan,
)

_UNESCAPE = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "r": "\r", "t": "\t"}


def read_kql_string(text: str, start: int = 0) -> tuple[str, int]:
    """Read one double-quoted KQL string literal at ``start`` (KQL's escape rules).

    Returns the decoded value and the index just after the closing quote.
    """
    assert text[start] == '"'
    out: list[str] = []
    i = start + 1
    while True:
        char = text[i]
        if char == "\\":
            out.append(_UNESCAPE[text[i + 1]])
            i += 2
        elif char == '"':
            return "".join(out), i + 1
        else:
            assert char not in "\r\n"
            out.append(char)
            i += 1


INJECTIONS = [
    "x' or 1==1 //",
    'x" or 1==1 //',
    'x\\" | union SecurityEvent //',
    "x\\",
    "\\\\",
    '"; .drop table T',
    "a\nb | take 1000000",
    "{host_name}",
    "é 中文 🐍",
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_attempts_stay_one_literal(value: str) -> None:
    literal = kql_string(value)
    decoded, end = read_kql_string(literal)
    assert decoded == value
    assert end == len(literal)


@given(
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs",),
            blacklist_characters=[chr(c) for c in (*range(32), 127) if chr(c) not in "\n\r\t"],
        )
    )
)
def test_any_text_round_trips_as_one_literal(value: str) -> None:
    literal = kql_string(value)
    decoded, end = read_kql_string(literal)
    assert (decoded, end) == (value, len(literal))


def test_control_characters_and_huge_strings_are_refused() -> None:
    with pytest.raises(QueryParameterError, match="control character"):
        kql_string("a\x00b")
    with pytest.raises(QueryParameterError, match="limit"):
        kql_string("a" * 40_000)


def test_other_literals() -> None:
    assert kql_int(-5) == "-5"
    with pytest.raises(QueryParameterError):
        kql_int(True)
    assert kql_real(1.5) == "real(1.5)"
    assert kql_real(float("-inf")) == "real(-inf)"
    assert kql_bool(False) == "false"
    assert kql_datetime(
        dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    ) == ("datetime(2024-01-02T01:04:05.0000000Z)")
    with pytest.raises(QueryParameterError):
        kql_datetime(dt.datetime(2024, 1, 1))  # naive: ambiguous
    assert kql_timespan(dt.timedelta(hours=-1)) == "timespan(-0.01:00:00.0000000)"
    literal = kql_dynamic_list(["a'b", 'c"', 7])
    assert literal.startswith("dynamic([")
    assert literal.endswith("])")
    inner = literal[len("dynamic([") : -2]
    first, end = read_kql_string(inner)
    second, _ = read_kql_string(inner, end + 2)
    assert (first, second) == ("a'b", 'c"')
    assert inner.endswith(", 7")
