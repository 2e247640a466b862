"""extract_frame / extract_frame_async: columns, odd cells, index, chunks, errors."""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from asisdk.errors import InvalidInputError
from asisdk.executors import InlineExecutor
from asisdk.ioc import FRAME_COLUMNS, IocExtractor, extract_frame, extract_frame_async


def _rows(frame: pd.DataFrame) -> set[tuple[object, ...]]:
    return set(frame[["ioc_type", "observable", "src_index", "column"]].itertuples(index=False))


def test_multiple_columns_and_index_labels() -> None:
    df = pd.DataFrame(
        {
            "cmd": ["curl hxxp://evil[.]com/a", "ping 10.0.0.1", "nothing"],
            "parent": ["cmd.exe /c C:\\x\\y.bat", None, "ping 10.0.0.1"],
        },
        index=["r1", "r2", "r3"],
    )
    out = extract_frame(df, ["cmd", "parent"], executor=InlineExecutor())
    assert list(out.columns) == list(FRAME_COLUMNS)
    assert _rows(out) == {
        ("url", "http://evil.com/a", "r1", "cmd"),
        ("dns", "evil.com", "r1", "cmd"),
        ("windows_path", "C:\\x\\y.bat", "r1", "parent"),
        ("ipv4", "10.0.0.1", "r2", "cmd"),
        ("ipv4", "10.0.0.1", "r3", "parent"),
    }
    assert out["error"].isna().all()


def test_non_string_cells_are_handled() -> None:
    df = pd.DataFrame(
        {"c": [math.nan, None, b"GET http://evil.com/x", 12345, 3.5, b"\xff\xfe 1.2.3.4", pd.NA]},
        dtype=object,
    )
    out = extract_frame(df, "c", types=["url", "ipv4"], executor=InlineExecutor())
    assert _rows(out) == {
        ("url", "http://evil.com/x", 2, "c"),
        ("ipv4", "1.2.3.4", 5, "c"),
    }


def test_duplicates_in_a_cell_give_one_row_and_types_filter() -> None:
    df = pd.DataFrame({"c": ["1.1.1.1 1.1.1.1 evil.com"]})
    out = extract_frame(df, "c", types=["ipv4"], executor=InlineExecutor())
    assert _rows(out) == {("ipv4", "1.1.1.1", 0, "c")}


def test_defanged_marker_in_one_cell_does_not_leak_into_the_next() -> None:
    df = pd.DataFrame({"c": ["payload[.]zip", "payload.zip", "x[.]y install.sh"]})
    out = extract_frame(df, "c", types=["dns"], executor=InlineExecutor(), chunk_size=10)
    assert _rows(out) == {("dns", "payload.zip", 0, "c")}


def test_chunks_keep_index_and_match_the_single_chunk_result() -> None:
    df = pd.DataFrame({"c": [f"host{i}.evil.com from 10.0.{i % 256}.1" for i in range(300)]})
    df.index = df.index + 1000
    whole = extract_frame(df, "c", executor=InlineExecutor(), chunk_size=1000)
    chunked = extract_frame(df, "c", executor=InlineExecutor(), chunk_size=7)
    assert _rows(whole) == _rows(chunked)
    assert set(whole["src_index"]) == set(df.index)


def test_a_failing_chunk_gives_error_rows_and_keeps_the_others() -> None:
    ex = IocExtractor()
    ex.add_type("boom", r"BOOM", validator=_explode)
    df = pd.DataFrame({"c": ["1.1.1.1", "BOOM", "2.2.2.2", "3.3.3.3"]})
    out = extract_frame(df, "c", extractor=ex, executor=InlineExecutor(), chunk_size=2)
    errors = out[out["error"].notna()]
    assert list(errors["src_index"]) == [0, 1]
    assert errors["error"].str.contains("ValueError").all()
    assert _rows(out[out["error"].isna()]) == {
        ("ipv4", "2.2.2.2", 2, "c"),
        ("ipv4", "3.3.3.3", 3, "c"),
    }


def _explode(value: str) -> bool:
    raise ValueError(f"validator failed on {value}")


def test_empty_frame_and_bad_arguments() -> None:
    empty = extract_frame(pd.DataFrame({"c": []}), "c", executor=InlineExecutor())
    assert list(empty.columns) == list(FRAME_COLUMNS)
    assert empty.empty
    with pytest.raises(InvalidInputError, match="not in the DataFrame"):
        extract_frame(pd.DataFrame({"c": ["x"]}), ["c", "missing"])
    with pytest.raises(InvalidInputError, match="DataFrame"):
        extract_frame(["x"], "c")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="unknown IoC type"):
        extract_frame(pd.DataFrame({"c": ["x"]}), "c", types=["nope"])


async def test_async_matches_sync() -> None:
    df = pd.DataFrame({"c": ["hxxp://evil[.]com/a", "10.0.0.9"]})
    sync = extract_frame(df, "c", executor=InlineExecutor())
    result = await extract_frame_async(df, "c")
    assert _rows(result) == _rows(sync)


def test_process_pool_on_real_command_lines(shared_data: Path) -> None:
    path = shared_data / "events" / "msticpy" / "processes_on_host.csv"
    df = pd.read_csv(path, usecols=["CommandLine", "NewProcessName"])
    inline = extract_frame(df, ["CommandLine", "NewProcessName"], executor=InlineExecutor())
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = extract_frame(df, ["CommandLine", "NewProcessName"], executor=pool, chunk_size=100)
    assert _rows(pooled) == _rows(inline)
    assert (inline["ioc_type"] == "windows_path").sum() > 100
