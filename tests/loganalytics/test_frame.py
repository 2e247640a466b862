"""Typed conversion of result tables."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from asisdk.loganalytics._frame import parse_timespan, rows_to_frame

REFERENCE_ROWS = [
    [
        "2024-05-01T10:15:30.1234567Z",
        "web-01",
        4624,
        123456789012,
        0.75,
        True,
        "3f2b8e1c-9a4d-4c7e-8b1a-2d5f6e7a8b9c",
        "00:05:00",
        '{"Account":"alice","Ports":[80,443]}',
        "12.50",
    ],
    [
        "2024-05-01T10:16:00Z",
        "web-02",
        4625,
        0,
        None,
        False,
        "00000000-0000-0000-0000-000000000000",
        "1.02:03:04.5000000",
        "[]",
        None,
    ],
]
REFERENCE_COLUMNS = [
    ("TimeGenerated", "datetime"),
    ("Computer", "string"),
    ("EventID", "int"),
    ("BytesSent", "long"),
    ("Score", "real"),
    ("IsAdmin", "bool"),
    ("SessionId", "guid"),
    ("Duration", "timespan"),
    ("Props", "dynamic"),
    ("Price", "decimal"),
]


def test_reference_response_types_and_values() -> None:
    frame = rows_to_frame(REFERENCE_COLUMNS, REFERENCE_ROWS)
    assert [str(t) for t in frame.dtypes] == [
        "datetime64[ns, UTC]",
        "string",
        "Int64",
        "Int64",
        "float64",
        "boolean",
        "string",
        "timedelta64[ns]",
        "object",
        "object",
    ]
    first = frame.iloc[0]
    assert first["TimeGenerated"] == pd.Timestamp("2024-05-01T10:15:30.1234567Z")
    assert first["BytesSent"] == 123456789012
    assert first["Props"] == {"Account": "alice", "Ports": [80, 443]}
    assert first["Price"] == Decimal("12.50")
    assert np.isnan(frame.iloc[1]["Score"])
    assert frame.iloc[1]["Duration"] == pd.Timedelta("1 days 02:03:04.5")
    assert frame.iloc[1]["Props"] == []
    assert frame.iloc[1]["Price"] is None


def test_nulls_everywhere_keep_dtypes() -> None:
    frame = rows_to_frame(REFERENCE_COLUMNS, [[None] * 10])
    assert [str(t) for t in frame.dtypes][:8] == [
        "datetime64[ns, UTC]",
        "string",
        "Int64",
        "Int64",
        "float64",
        "boolean",
        "string",
        "timedelta64[ns]",
    ]
    assert frame.isna().all(axis=None)


def test_odd_values() -> None:
    frame = rows_to_frame(
        [("r", "real"), ("n", "long"), ("d", "dynamic"), ("t", "datetime")],
        [
            ["NaN", "42", {"already": "decoded"}, "not a time"],
            ["Infinity", 2**62, "not json", "2024-05-01T00:00:00Z"],
        ],
    )
    assert np.isnan(frame["r"][0])
    assert frame["r"][1] == np.inf
    assert frame["n"].tolist() == [42, 2**62]
    assert frame["d"].tolist() == [{"already": "decoded"}, "not json"]
    assert pd.isna(frame["t"][0])


def test_empty_table_keeps_columns_and_types() -> None:
    frame = rows_to_frame(REFERENCE_COLUMNS, [])
    assert list(frame.columns) == [c for c, _ in REFERENCE_COLUMNS]
    assert str(frame["TimeGenerated"].dtype) == "datetime64[ns, UTC]"


def test_ragged_rows_are_refused() -> None:
    with pytest.raises(ValueError, match="row 1 has 1 cells"):
        rows_to_frame([("a", "int"), ("b", "int")], [[1, 2], [1]])


@given(
    st.timedeltas(
        min_value=pd.Timedelta(days=-9999).to_pytimedelta(),
        max_value=pd.Timedelta(days=9999).to_pytimedelta(),
    )
)
def test_timespan_round_trip(value: object) -> None:
    delta = pd.Timedelta(value)
    sign = "-" if delta < pd.Timedelta(0) else ""
    magnitude = abs(delta)
    seconds = int(magnitude.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}{days}.{hours:02d}:{minutes:02d}:{secs:02d}.{magnitude.microseconds:06d}0"
    assert parse_timespan(text) == delta


@given(st.lists(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)), max_size=30))
def test_long_columns_are_exact(values: list[int | None]) -> None:
    series = rows_to_frame([("n", "long")], [[v] for v in values])["n"]
    assert [None if pd.isna(v) else int(v) for v in series] == values


def test_dynamic_cells_are_parsed_whole_or_kept_as_text() -> None:
    cells = [" [1] ", "1,2", '{"a":1}x', [1], '"str"', None, "bare", '{"k": [1, {"n": null}]}']
    frame = rows_to_frame([("d", "dynamic")], [[c] for c in cells])
    assert frame["d"].tolist() == [
        [1],
        "1,2",
        '{"a":1}x',
        [1],
        "str",
        None,
        "bare",
        {"k": [1, {"n": None}]},
    ]


def test_string_columns_keep_text_and_nulls() -> None:
    frame = rows_to_frame([("s", "string")], [["a"], [None], [5]])
    assert frame["s"].tolist()[0] == "a"
    assert pd.isna(frame["s"][1])
    assert frame["s"][2] == "5"
