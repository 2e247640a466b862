"""Hostile rows in input files: each is one named problem (file, row), the other rows kept.

Issue 22: a JSON line nested 10,000 deep, a 5,000-digit integer or a lone surrogate used to
skip the whole file; an unterminated CSV quote merged the following rows into one cell; an
input column named ``asi_file`` and non-UTF-8 Parquet text crashed the triage; Latin-1 and
UTF-16 CSVs were misread without a word. The good rows are real OTRF events.
"""

from __future__ import annotations

import csv
import io
import json
import resource
import tarfile
import time
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from asisdk.cli import EXIT_OK, main
from asisdk.pipeline import InputProblem, load_events

#: Generous guards (not timings to tune): every case here is small.
_CPU_SECONDS = 20.0
_RSS_GROWTH_BYTES = 300 * 1024 * 1024


def _real_rows(shared_data: Path, count: int = 20) -> list[dict[str, str]]:
    path = shared_data / "events" / "otrf" / "otrf_process_logon_events.csv"
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    return [r for r in rows if r["CommandLine"]][:count]


def _triage(path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> pd.DataFrame:
    before_cpu = time.process_time()
    before_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    code = main(["triage", str(path), "--out", str(tmp_path / "out"), "--workers", "1", "--no-geo"])
    assert code == EXIT_OK, capsys.readouterr().err
    assert time.process_time() - before_cpu < _CPU_SECONDS
    after_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    assert after_rss - before_rss < _RSS_GROWTH_BYTES
    return pd.read_parquet(tmp_path / "out" / "events.parquet")


def _jsonl_with(shared_data: Path, tmp_path: Path, bad_line: str) -> tuple[Path, int]:
    rows = _real_rows(shared_data)
    lines = [json.dumps(r) for r in rows]
    lines.insert(5, bad_line)
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, len(rows)


def _only_problem(problems: tuple[InputProblem, ...], path: Path) -> InputProblem:
    (problem,) = problems
    assert problem.file == str(path)
    assert problem.row == 6
    return problem


@pytest.mark.parametrize(
    ("bad_line", "says"),
    [
        ('{"a": ' * 10_000 + "1" + "}" * 10_000, "nested too deep"),
        ('{"CommandLine": "x", "n": ' + "7" * 5_000 + "}", "integer"),
    ],
    ids=["10000-deep", "5000-digit-integer"],
)
def test_a_bad_json_line_is_one_skipped_row(
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    bad_line: str,
    says: str,
) -> None:
    path, good = _jsonl_with(shared_data, tmp_path, bad_line)

    loaded = load_events([path])

    problem = _only_problem(loaded.problems, path)
    assert problem.skipped
    assert says in problem.message
    assert len(loaded.frame) == good
    assert len(_triage(path, tmp_path, capsys)) == good


def test_a_lone_surrogate_is_replaced_and_the_row_kept(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, good = _jsonl_with(shared_data, tmp_path, '{"CommandLine": "cmd /c \\ud800 x"}')

    loaded = load_events([path])

    problem = _only_problem(loaded.problems, path)
    assert not problem.skipped
    assert "surrogate" in problem.message
    assert len(loaded.frame) == good + 1
    assert "cmd /c \ufffd x" in loaded.frame["CommandLine"].tolist()
    assert len(_triage(path, tmp_path, capsys)) == good + 1


def _csv_text(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def test_an_unterminated_csv_quote_costs_one_row(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _real_rows(shared_data)
    lines = _csv_text(rows).splitlines(keepends=True)
    broken = lines[3].replace(",", ',"', 1)  # a quote that is never closed
    path = tmp_path / "events.csv"
    path.write_text("".join([*lines[:3], broken, *lines[4:]]), encoding="utf-8")

    loaded = load_events([path])

    (problem,) = loaded.problems
    assert (problem.file, problem.row, problem.skipped) == (str(path), 4, True)
    assert "quot" in problem.message
    assert len(loaded.frame) == len(rows) - 1
    assert loaded.frame["asi_row"].tolist() == [2, 3, *range(5, len(rows) + 2)]
    assert loaded.frame["CommandLine"].tolist() == [
        r["CommandLine"] for i, r in enumerate(rows) if i != 2
    ]
    assert len(_triage(path, tmp_path, capsys)) == len(rows) - 1


def test_a_quote_left_open_to_the_end_of_the_file_costs_one_row(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text('CommandLine,Computer\nwhoami,pc1\n"cmd /c x,pc2\nnotepad,pc3\ncalc,pc4\n')

    loaded = load_events([path])

    (problem,) = loaded.problems
    assert (problem.row, problem.skipped) == (3, True)
    assert "unterminated quote" in problem.message
    assert loaded.frame["CommandLine"].tolist() == ["whoami", "notepad", "calc"]
    assert loaded.frame["asi_row"].tolist() == [2, 4, 5]


def test_a_quoted_multi_line_command_line_is_still_one_cell(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text('CommandLine,Computer\n"powershell -c ""a""\nwhoami",pc1\nnotepad,pc2\n')

    loaded = load_events([path])

    assert loaded.problem_count == 0
    assert loaded.frame["CommandLine"].tolist() == ['powershell -c "a"\nwhoami', "notepad"]
    assert loaded.frame["asi_row"].tolist() == [2, 4]


def test_an_input_column_named_asi_file_is_kept_under_another_name(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [{"asi_file": "forged.csv", "asi_row": "99", **r} for r in _real_rows(shared_data)]
    path = tmp_path / "events.csv"
    path.write_text(_csv_text(rows), encoding="utf-8")

    loaded = load_events([path])

    assert {(p.column, p.row, p.skipped) for p in loaded.problems} == {
        ("asi_file", None, False),
        ("asi_row", None, False),
    }
    assert set(loaded.frame["asi_file"]) == {str(path)}
    assert loaded.frame["asi_row"].tolist() == list(range(2, len(rows) + 2))
    assert set(loaded.frame["input_asi_file"]) == {"forged.csv"}
    assert len(_triage(path, tmp_path, capsys)) == len(rows)


def test_parquet_with_non_utf8_text_and_binary_columns(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _real_rows(shared_data)
    command_lines = [r["CommandLine"].encode() for r in rows]
    command_lines[4] = b"cmd.exe /c caf\xe9"  # Latin-1 bytes in a string column
    table = pa.table(
        {
            "CommandLine": pa.array(command_lines, type=pa.binary()).view(pa.string()),
            "Computer": pa.array([r["Hostname"] for r in rows]),
            "Payload": pa.array([b"\xff\xfe" if i == 7 else b"ok" for i in range(len(rows))]),
            "EventID": pa.array([int(r["EventID"]) for r in rows]),
        }
    )
    path = tmp_path / "events.parquet"
    pq.write_table(table, path)

    loaded = load_events([path])

    assert sorted((p.row, p.column, p.skipped) for p in loaded.problems) == [
        (5, "CommandLine", False),
        (8, "Payload", False),
    ]
    frame = loaded.frame
    assert len(frame) == len(rows)
    assert frame["CommandLine"].iloc[4] == "cmd.exe /c caf\ufffd"
    assert frame["CommandLine"].iloc[0] == rows[0]["CommandLine"]
    assert frame["Payload"].iloc[0] == "ok"
    assert frame["EventID"].tolist() == [int(r["EventID"]) for r in rows]
    assert len(_triage(path, tmp_path, capsys)) == len(rows)


def test_non_utf8_lines_of_a_json_document_are_named_and_counted(
    shared_data: Path, tmp_path: Path
) -> None:
    """Pretty-printed objects one after another, and an array: each Windows-1252 line is a
    problem, counted exactly past the listed ones."""
    rows = _real_rows(shared_data, count=3)
    rows[1]["CommandLine"] = "notepad.exe C:\\Users\\José\\café.txt"
    concatenated = tmp_path / "concatenated.json"
    text = "".join(json.dumps(r, ensure_ascii=False, indent=1) for r in rows)
    concatenated.write_bytes(text.encode("latin-1"))

    loaded = load_events([concatenated])

    assert len(loaded.frame) == len(rows)
    (problem,) = loaded.problems
    assert not problem.skipped
    assert "Windows-1252" in problem.message
    assert problem.row is not None
    assert "José" in text.splitlines()[problem.row - 1]

    many = [dict(rows[0], CommandLine=f"café {n}") for n in range(500)]
    array = tmp_path / "array.json"
    array.write_bytes(json.dumps(many, ensure_ascii=False, indent=1).encode("latin-1"))
    loaded = load_events([array])
    assert len(loaded.frame) == len(many)
    assert loaded.problem_count == len(many) > len(loaded.problems)


def test_latin1_csv_is_read_and_each_non_utf8_line_named(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _real_rows(shared_data)
    rows[2]["CommandLine"] = "notepad.exe C:\\Users\\José\\café.txt"
    path = tmp_path / "latin1.csv"
    path.write_bytes(_csv_text(rows).encode("latin-1"))

    loaded = load_events([path])

    (problem,) = loaded.problems
    assert (problem.row, problem.skipped) == (4, False)
    assert "Windows-1252" in problem.message
    assert loaded.frame["CommandLine"].iloc[2] == rows[2]["CommandLine"]
    assert len(_triage(path, tmp_path, capsys)) == len(rows)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_csv_is_read(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], encoding: str
) -> None:
    rows = _real_rows(shared_data)
    rows[1]["CommandLine"] = "cmd /c echo ünïcødé"
    path = tmp_path / "utf16.csv"
    path.write_bytes(_csv_text(rows).encode(encoding))

    loaded = load_events([path])

    assert loaded.problem_count == 0
    assert loaded.frame["CommandLine"].tolist() == [r["CommandLine"] for r in rows]
    assert len(_triage(path, tmp_path, capsys)) == len(rows)


def test_one_endless_line_is_cut_not_held(tmp_path: Path) -> None:
    from asisdk.pipeline._encoding import text_lines

    path = tmp_path / "long.log"
    path.write_bytes(b"first\n" + b"A" * 5_000_000 + b"\nlast\n")
    notes: list[tuple[int, str]] = []

    lines = list(text_lines(path, lambda n, m: notes.append((n, m)), max_line_bytes=1_000_000))

    assert [len(line) for line in lines] == [6, 1_000_001, 5]
    assert notes == [(2, "line longer than 1,000,000 bytes cut")]


def _zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_with_more_members_than_allowed_is_not_opened(
    shared_data: Path, tmp_path: Path
) -> None:
    line = json.dumps(_real_rows(shared_data, 1)[0]).encode() + b"\n"
    path = tmp_path / "many.zip"
    path.write_bytes(_zip_of({f"m{i}.jsonl": line for i in range(50)}))

    before = time.process_time()
    refused = load_events([path], max_archive_members=20)
    read = load_events([path], max_archive_members=50)

    assert time.process_time() - before < _CPU_SECONDS
    (problem,) = refused.problems
    assert problem.file == str(path)
    assert "max_archive_members" in problem.message
    assert len(refused.frame) == 0
    assert read.problem_count == 0
    assert len(read.frame) == 50


def test_a_forged_zip_directory_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    one = _zip_of({"a.jsonl": b'{"CommandLine": "x"}\n'})
    directory_start = one.rfind(b"PK\x01\x02")
    end = one.rfind(b"PK\x05\x06")
    entry = one[directory_start:end]
    copies = 350_000
    body = one[:directory_start]
    forged_end = (
        b"PK\x05\x06"
        + b"\x00" * 4
        + (0xFFFF).to_bytes(2, "little") * 2
        + (len(entry) * copies).to_bytes(4, "little")
        + len(body).to_bytes(4, "little")
        + b"\x00\x00"
    )
    path = tmp_path / "forged.zip"
    path.write_bytes(body + entry * copies + forged_end)

    before = time.process_time()
    loaded = load_events([path])

    assert time.process_time() - before < 2.0
    (problem,) = loaded.problems
    assert "350,000" in problem.message or "max_archive_members" in problem.message


def test_a_zip_member_with_an_empty_name_is_one_problem(shared_data: Path, tmp_path: Path) -> None:
    line = json.dumps(_real_rows(shared_data, 1)[0]).encode() + b"\n"
    path = tmp_path / "empty-name.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("renamed.jsonl", line)
        archive.writestr("good.jsonl", line)
        archive.filelist[0].filename = ""  # written so in the central directory
    path.write_bytes(buffer.getvalue())

    loaded = load_events([path])

    (problem,) = loaded.problems
    assert "empty name" in problem.message
    assert len(loaded.frame) == 1


def test_a_tar_stops_after_max_archive_members(shared_data: Path, tmp_path: Path) -> None:
    line = json.dumps(_real_rows(shared_data, 1)[0]).encode() + b"\n"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for number in range(30):
            info = tarfile.TarInfo(f"m{number}.jsonl")
            info.size = len(line)
            archive.addfile(info, io.BytesIO(line))
    path = tmp_path / "many.tar"
    path.write_bytes(buffer.getvalue())

    loaded = load_events([path], max_archive_members=10)

    assert len(loaded.frame) == 10
    (problem,) = loaded.problems
    assert "max_archive_members" in problem.message
