"""Loading real event files: CSV, JSON lines, JSON, Parquet; bad rows named, others kept."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from asisdk.data import sample_events_frame, sample_path
from asisdk.errors import InvalidInputError
from asisdk.pipeline import detect_format, load_events, load_frame


def _sample_records(n: int = 40) -> list[dict[str, str]]:
    frame = pd.read_csv(sample_path("sample_events.csv"), dtype=str, keep_default_na=False)
    return frame.head(n).to_dict("records")


def test_csv_keeps_good_rows_and_names_the_malformed_line(tmp_path: Path) -> None:
    lines = sample_path("sample_events.csv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:21]
    bad = "only,three,fields"
    path = tmp_path / "events.csv"
    path.write_text("\n".join([header, *rows[:5], bad, *rows[5:]]) + "\n", encoding="utf-8")

    loaded = load_events([path])

    assert len(loaded.frame) == 20
    assert loaded.skipped_rows == 1
    (problem,) = loaded.problems
    assert problem.file == str(path)
    assert problem.row == 7  # header is line 1, five good rows, then the bad one
    assert "expected 19 fields" in problem.message
    assert f"{path}: row 7:" in str(problem)
    assert str(problem).endswith("(row skipped)")
    assert loaded.frame["asi_row"].tolist()[:6] == [2, 3, 4, 5, 6, 8]
    assert set(loaded.frame["asi_file"]) == {str(path)}


def test_jsonl_skips_broken_and_non_object_lines(tmp_path: Path) -> None:
    records = _sample_records(10)
    text = [json.dumps(r) for r in records]
    text.insert(3, '{"CommandLine": "cut off')
    text.insert(6, "[1, 2]")
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")

    loaded = load_events([path])

    assert len(loaded.frame) == 10
    assert loaded.skipped_rows == 2
    assert [p.row for p in loaded.problems] == [4, 7]
    assert "invalid JSON" in loaded.problems[0].message
    assert "expected a JSON object, found list" in loaded.problems[1].message


def test_json_array_and_wrapped_objects(tmp_path: Path) -> None:
    records = _sample_records(5)
    plain = tmp_path / "a.json"
    plain.write_text(json.dumps([*records, "not an event"]), encoding="utf-8")
    wrapped = tmp_path / "b.json"
    wrapped.write_text(json.dumps({"value": records}), encoding="utf-8")

    loaded = load_events([plain, wrapped])

    assert len(loaded.frame) == 10
    assert loaded.skipped_rows == 1
    assert loaded.problems[0].row == 6
    assert loaded.frame["asi_file"].value_counts().to_dict() == {str(plain): 5, str(wrapped): 5}


def test_parquet_and_mixed_formats(tmp_path: Path) -> None:
    frame = sample_events_frame().head(30)
    parquet = tmp_path / "events.parquet"
    frame.to_parquet(parquet)
    jsonl = tmp_path / "more.ndjson"
    jsonl.write_text("\n".join(json.dumps(r) for r in _sample_records(3)) + "\n", encoding="utf-8")

    loaded = load_events([parquet, jsonl])

    assert len(loaded.frame) == 33
    assert loaded.problem_count == 0
    assert loaded.frame["asi_row"].tolist()[:3] == [1, 2, 3]


def test_unreadable_file_is_skipped_and_counted(tmp_path: Path) -> None:
    corrupt = tmp_path / "broken.parquet"
    corrupt.write_bytes(b"PAR1 this is not really parquet")
    good = tmp_path / "good.csv"
    sample_events_frame().head(4).to_csv(good, index=False)

    loaded = load_events([corrupt, good])

    assert len(loaded.frame) == 4
    assert loaded.skipped_files == 1
    assert loaded.problems[0].file == str(corrupt)
    assert loaded.problems[0].row is None
    assert "cannot read the file" in loaded.problems[0].message
    assert str(loaded.problems[0]).endswith("(file skipped)")


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="no such file"):
        load_events([tmp_path / "nope.csv"])
    with pytest.raises(InvalidInputError, match="is a directory"):
        load_events([tmp_path])


def test_bad_time_values_keep_the_row_and_are_listed(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "TimeGenerated,CommandLine\n2024-01-01T10:00:00Z,whoami\nyesterday-ish,ipconfig\n",
        encoding="utf-8",
    )
    loaded = load_events([path], time_column="TimeGenerated")
    assert len(loaded.frame) == 2
    assert loaded.frame["TimeGenerated"].isna().tolist() == [False, True]
    (problem,) = loaded.problems
    assert (problem.row, problem.column, problem.skipped) == (3, "TimeGenerated", False)
    assert loaded.skipped_rows == 0


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("x.csv", b"a,b\n", "csv"),
        ("x.jsonl", b"{}", "jsonl"),
        ("x.pq", b"PAR1", "parquet"),
        ("noext", b"PAR1....", "parquet"),
        ("noext2", b'  [{"a": 1}]', "json"),
        ("noext3", b'{"a": 1}\n{"a": 2}', "jsonl"),
        ("noext4", b"a,b\n1,2", "csv"),
    ],
)
def test_detect_format(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert detect_format(path) == expected


def test_load_frame_numbers_rows() -> None:
    loaded = load_frame(sample_events_frame(), source="sample")
    assert loaded.frame["asi_row"].iloc[-1] == 642
    assert loaded.sources == ("sample",)


def test_long_csv_fields_are_kept_and_cut_with_a_note(tmp_path: Path) -> None:
    import csv

    payload = "A" * 300_000  # longer than the csv module's default field limit
    huge = "B" * 1_200_000  # longer than the cell limit: cut and reported
    path = tmp_path / "long.csv"
    path.write_text(
        f"CommandLine,Other\npowershell -enc {payload},x\n{huge},y\nwhoami,z\n",
        encoding="utf-8",
    )
    before = csv.field_size_limit()
    loaded = load_events([path])
    assert csv.field_size_limit() == before  # restored
    assert len(loaded.frame) == 3
    assert len(loaded.frame.at[0, "CommandLine"]) == 300_000 + len("powershell -enc ")
    assert len(loaded.frame.at[1, "CommandLine"]) == 1_000_000
    (problem,) = loaded.problems
    assert (problem.row, problem.column, problem.skipped) == (3, "CommandLine", False)
    assert "cut to 1,000,000" in problem.message


def test_a_large_file_is_read_in_chunks_with_the_same_result(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Real OTRF lines, more than one chunk of them, and a nested column that only the last
    # chunk has: the chunked frame equals the frame of all records built in one chunk. The
    # chunk is made small (1,000 records, not 20,000) so that a few thousand lines cross it
    # several times.
    from asisdk.pipeline import _defaults

    source = shared_data / "events" / "otrf" / "empire_launcher_vbs_2020-09-04160940.json"
    lines = source.read_text(encoding="utf-8").splitlines()
    chunk_rows = 1000
    monkeypatch.setattr(_defaults, "LOAD_CHUNK_ROWS", chunk_rows)
    copies = chunk_rows // len(lines) + 2
    records = [json.loads(line) for line in lines] * copies
    records.append({"EventID": 1, "winlog": {"event_data": {"CommandLine": "whoami"}}})
    path = tmp_path / "big.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    chunked = load_events([path])
    monkeypatch.setattr(_defaults, "LOAD_CHUNK_ROWS", len(records) + 1)
    whole = load_events([path])

    assert len(records) > 4 * chunk_rows  # several chunks
    pd.testing.assert_frame_equal(chunked.frame, whole.frame)
    assert chunked.frame["asi_row"].tolist() == list(range(1, len(records) + 1))
    # the nested object is flattened to dotted names (docs/inputs.md)
    assert chunked.frame["winlog.event_data.CommandLine"].iloc[-1] == "whoami"


def test_many_files_are_joined_as_pandas_would(shared_data: Path) -> None:
    from asisdk.pipeline._load import concat_frames

    files = sorted((shared_data / "evtx" / "raw").glob("*.evtx"))
    files += sorted((shared_data / "events" / "msticpy").glob("*.csv"))
    files.append(shared_data / "events" / "otrf" / "empire_shell_net_local_users.zip")
    frames = [load_events([file]).frame for file in files]

    joined = concat_frames(frames)

    pd.testing.assert_frame_equal(joined, pd.concat(frames, ignore_index=True))
    assert len(joined) == sum(map(len, frames))
