"""Windows .evtx input: real logs read record by record, fields named as Windows names them.

The expected rows never come from asisdk's own flattening: they are the JSON beside each
SigmaHQ regression .evtx (flattened by ``convert_evtx.py`` of the shared data, an independent
implementation) and the JSON lines conversions of ``../shared/data/evtx/raw``.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import math
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any, Final

import pandas as pd
import pytest

from asisdk.cli import EXIT_OK, main
from asisdk.errors import InvalidInputError
from asisdk.pipeline import detect_format, load_events


@pytest.fixture(scope="module")
def converter(shared_data: Path) -> ModuleType:
    """``convert_evtx.py`` of the shared data: the reference flattening."""
    spec = importlib.util.spec_from_file_location(
        "convert_evtx", shared_data / "evtx" / "convert_evtx.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _json_objects(path: Path) -> list[dict[str, Any]]:
    """The events of a regression JSON file: one object, or several one after another."""
    text = path.read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    objects: list[dict[str, Any]] = []
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            return objects
        value, position = decoder.raw_decode(text, position)
        objects.append(value)


def _as_loaded(name: str, value: Any) -> Any:
    """A reference value as the loader keeps it: times parsed, nested values as JSON."""
    if name == "TimeCreated":
        return pd.Timestamp(value).tz_convert("UTC")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


def _sigma_export(value: Any) -> Any:
    """A value as the SigmaHQ regression JSON writes it.

    That JSON was exported by another tool than the ``evtx`` crate: it drops trailing
    blanks of strings (the .evtx keeps ``"powershell.exe" ``) and writes ``SystemTime``
    to 100 ns, where the crate gives whole microseconds.
    """
    if isinstance(value, str):
        return value.rstrip()
    if isinstance(value, pd.Timestamp):
        return value.floor("us")
    return value


#: (file, column) where the regression JSON differs from its .evtx by letter case only.
_CASE_ONLY: Final = {("ad691d92-15f2-4181-9aa4-723c74f9ddc3.evtx", "ParentCommandLine")}


def _assert_rows_equal(
    frame: pd.DataFrame, expected: list[dict[str, Any]], file: Path, *, sigma: bool = False
) -> None:
    assert len(frame) == len(expected), file
    data_columns = [c for c in frame.columns if c not in ("asi_file", "asi_row")]
    for position, (row, want) in enumerate(
        zip(frame[data_columns].to_dict("records"), expected, strict=True)
    ):
        got = {k: v for k, v in row.items() if not _missing(v)}
        want_loaded = {k: _as_loaded(k, v) for k, v in want.items() if v is not None}
        if sigma:
            got = {k: _sigma_export(v) for k, v in got.items()}
            want_loaded = {k: _sigma_export(v) for k, v in want_loaded.items()}
            for name, column in _CASE_ONLY:
                if name == file.name:
                    assert got[column] != want_loaded[column]
                    assert got[column].casefold() == want_loaded[column].casefold()
                    got[column] = want_loaded[column]
        assert got == want_loaded, f"{file} record {position + 1}"


def _regression_files(shared_data: Path) -> list[Path]:
    files = sorted((shared_data / "sigma" / "regression_data").rglob("*.evtx"))
    assert len(files) >= 200
    return files


def test_every_sigma_regression_evtx_equals_the_json_beside_it(
    shared_data: Path, converter: ModuleType
) -> None:
    files = _regression_files(shared_data)
    records = 0
    for file in files:
        events = _json_objects(file.with_suffix(".json"))
        loaded = load_events([file])

        assert loaded.problem_count == 0, (file, loaded.problems)
        assert loaded.frame["asi_row"].tolist() == list(range(1, len(events) + 1))
        assert set(loaded.frame["asi_file"]) == {str(file)}
        expected = [converter.flatten_event(e) for e in events]
        _assert_rows_equal(loaded.frame, expected, file, sigma=True)
        records += len(events)
    assert records >= len(files)


def test_system_fields_are_typed_and_named_as_windows_names_them(shared_data: Path) -> None:
    file = next(f for f in _regression_files(shared_data) if "proc_creation_win_" in f.parent.name)
    (event,) = _json_objects(file.with_suffix(".json"))[:1]
    system = event["Event"]["System"]

    row = load_events([file]).frame.iloc[0]

    assert row["EventID"] == 1
    assert row["Channel"] == "Microsoft-Windows-Sysmon/Operational"
    assert row["Provider_Name"] == "Microsoft-Windows-Sysmon"
    assert row["Computer"] == system["Computer"]
    assert row["EventRecordID"] == system["EventRecordID"]
    assert row["CommandLine"] == event["Event"]["EventData"]["CommandLine"]
    assert row["Image"] == event["Event"]["EventData"]["Image"]
    created = row["TimeCreated"]
    assert isinstance(created, pd.Timestamp)
    assert str(created.tz) == "UTC"
    assert created == pd.Timestamp(system["TimeCreated"]["#attributes"]["SystemTime"])


def test_event_id_with_qualifiers_becomes_an_int(shared_data: Path) -> None:
    raw = shared_data / "evtx" / "raw" / "Defense_Evasion__DE_1102_security_log_cleared.evtx"

    frame = load_events([raw]).frame

    assert frame["EventID"].map(type).eq(int).all()
    assert 1102 in set(frame["EventID"])


def _raw_and_converted(shared_data: Path) -> list[tuple[Path, Path]]:
    files = json.loads((shared_data / "evtx" / "files.json").read_text(encoding="utf-8"))
    pairs = []
    for name, info in files.items():
        upstream = info["upstream_path"]
        if not upstream.endswith(".evtx"):
            continue
        raw_name = upstream.replace("/", "__").replace(" ", "_")
        pairs.append(
            (shared_data / "evtx" / "raw" / raw_name, shared_data / "evtx" / "data" / name)
        )
    return pairs


def test_attack_samples_equal_their_json_lines_and_labels_point_at_the_same_records(
    shared_data: Path,
) -> None:
    pairs = _raw_and_converted(shared_data)
    assert len(pairs) == 22
    labels = [
        json.loads(line)
        for line in (shared_data / "evtx" / "labels.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    checked_labels = 0
    for raw, converted in pairs:
        with gzip.open(converted, "rt", encoding="utf-8") as stream:
            expected = [json.loads(line) for line in stream if line.strip()]
        loaded = load_events([raw])

        assert loaded.problem_count == 0, (raw, loaded.problems)
        _assert_rows_equal(loaded.frame, expected, raw)
        by_row = loaded.frame.set_index("asi_row")
        for label in labels:
            if label["file"] == converted.name:
                assert by_row.loc[label["line"], "EventRecordID"] == label["record_id"]
                checked_labels += 1
    assert checked_labels > 80


def test_a_corrupt_record_is_named_and_the_others_are_kept(
    shared_data: Path, tmp_path: Path
) -> None:
    raw = shared_data / "evtx" / "raw" / "Defense_Evasion__DE_1102_security_log_cleared.evtx"
    good = load_events([raw]).frame
    data = bytearray(raw.read_bytes())
    record_starts = [i for i in range(0x1000, len(data) - 4) if data[i : i + 4] == b"**\0\0"]
    fourth = record_starts[3]
    data[fourth + 24 : fourth + 88] = b"\xff" * 64  # the record's binary XML, not its header
    corrupt = tmp_path / "corrupt.evtx"
    corrupt.write_bytes(bytes(data))

    loaded = load_events([corrupt])

    assert len(loaded.frame) == len(good) - 1
    assert loaded.skipped_rows == 1
    (problem,) = loaded.problems
    assert (problem.file, problem.row, problem.skipped) == (str(corrupt), 4, True)
    assert "record 4 cannot be read" in problem.message
    assert 4 not in set(loaded.frame["asi_row"])
    kept = loaded.frame.drop(columns="asi_file").reset_index(drop=True)
    expected = good[good["asi_row"] != 4].drop(columns="asi_file").reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, expected)


def test_evtx_is_told_by_content_not_name(shared_data: Path, tmp_path: Path) -> None:
    raw = shared_data / "evtx" / "raw" / "Defense_Evasion__DE_1102_security_log_cleared.evtx"
    renamed = tmp_path / "export.json"
    shutil.copyfile(raw, renamed)

    assert detect_format(renamed) == "evtx"
    assert len(load_events([renamed]).frame) == len(load_events([raw]).frame)


@pytest.mark.parametrize(
    ("head", "looks_like"),
    [
        (b"PK\x03\x04\x14\x00\x00\x00", "ZIP archive"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip file"),
        (b"\x7fELF\x02\x01\x01\x00", "ELF executable"),
        (b"ElfChnk\x00\x01\x00", "EVTX chunk"),
        (b"\x01\x02\x00\x00\x07\xfa\x00\x00", "binary file (unknown format, starts 01 02 00"),
    ],
)
def test_an_unsupported_binary_file_gets_one_short_line(
    tmp_path: Path, head: bytes, looks_like: str
) -> None:
    path = tmp_path / "events.csv"  # a text name does not make binary content CSV
    path.write_bytes(head + bytes(range(256)) * 64)

    with pytest.raises(InvalidInputError) as caught:
        detect_format(path)
    message = str(caught.value)
    assert looks_like in message
    assert "supported: CSV/TSV, JSON lines, JSON, Parquet, Windows EVTX and event XML, Zeek" in (
        message
    )
    assert len(message) <= 300
    assert "\n" not in message
    assert message.isprintable()

    loaded = load_events([path])
    (problem,) = loaded.problems
    assert loaded.skipped_files == 1
    assert len(str(problem)) <= 300 + len(str(path))
    assert str(problem).isprintable()


@pytest.mark.parametrize(
    "relative",
    [
        "sigma/regression_data/rules/windows/process_creation/proc_creation_win_bitsadmin_download",
        "evtx/raw/Lateral_Movement__LM_sysmon_psexec_smb_meterpreter.evtx",
    ],
)
def test_triage_reads_an_evtx_file(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], relative: str
) -> None:
    file = shared_data / relative
    if file.is_dir():
        (file,) = file.glob("*.evtx")
    records = len(load_events([file]).frame)

    code = main(["triage", str(file), "--out", str(tmp_path), "--workers", "1", "--no-geo"])

    captured = capsys.readouterr()
    assert code == EXIT_OK, captured.err
    events = pd.read_parquet(tmp_path / "events.parquet")
    assert len(events) == records > 0
    assert {"EventID", "Channel", "CommandLine"} <= set(events.columns)
