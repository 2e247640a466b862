"""load_events on directories: a recursive, sorted, bounded walk of real files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from asisdk.errors import InvalidInputError, LimitExceededError
from asisdk.pipeline import load_events


def test_a_folder_of_evtx_logs_reads_as_its_event_files_listed(shared_data: Path) -> None:
    root = shared_data / "evtx"
    # What the folder holds besides events: licences, a README and a script.
    others = ["LICENSE.EVTX-ATTACK-SAMPLES.GPL-3.0.txt", "LICENSE.OTRF-Security-Datasets.txt"]
    events = [
        *sorted((root / "data").glob("*.jsonl.gz")),
        root / "files.json",
        root / "labels.jsonl",
        *sorted((root / "raw").glob("*.evtx")),
    ]

    walked = load_events([root])
    explicit = load_events(events)

    pd.testing.assert_frame_equal(walked.frame, explicit.frame)
    assert walked.sources == explicit.sources == tuple(str(path) for path in events)
    (warning,) = walked.problems
    assert warning.file == str(root)
    assert warning.message.startswith("4 files not recognised as event files left out (e.g. ")
    assert others[0] in warning.message
    assert walked.skipped_files == 4
    evtx = sorted((root / "raw").glob("*.evtx"))
    raw = load_events([root / "raw"])
    assert raw.sources == tuple(str(path) for path in evtx)
    assert len(raw.frame) == len(load_events(evtx).frame) > 0
    assert set(raw.frame["asi_file"]) == {str(path) for path in evtx}
    assert raw.problems == ()


def test_a_named_format_reads_plain_text_in_a_folder(shared_data: Path, tmp_path: Path) -> None:
    shutil.copy(shared_data / "evtx" / "README.md", tmp_path / "notes.md")

    with pytest.raises(InvalidInputError, match=r"1 not recognised \(notes.md\)"):
        load_events([tmp_path])
    loaded = load_events([tmp_path], input_format="text")
    assert len(loaded.frame) == len(load_events([tmp_path / "notes.md"]).frame) > 0


def test_a_mixed_folder_reads_what_it_knows_and_warns_once(
    shared_data: Path, tmp_path: Path
) -> None:
    evtx = sorted((shared_data / "evtx" / "raw").glob("*.evtx"))[0]
    gz = sorted((shared_data / "evtx" / "data").glob("*.jsonl.gz"))[0]
    archive = shared_data / "events" / "otrf" / "empire_launcher_vbs.zip"
    (tmp_path / "host1" / "logs").mkdir(parents=True)
    shutil.copy(evtx, tmp_path / "host1" / "security.evtx")
    shutil.copy(gz, tmp_path / "host1" / "logs" / "sysmon.jsonl.gz")
    shutil.copy(archive, tmp_path / "otrf.zip")
    mmdb = shared_data / "geoip" / "GeoLite2-City-Test.mmdb"
    shutil.copy(mmdb, tmp_path / "host1" / "geo.mmdb")
    shutil.copy(mmdb, tmp_path / "geo2.mmdb")
    shutil.copy(evtx, tmp_path / ".hidden.evtx")
    (tmp_path / ".git").mkdir()
    shutil.copy(evtx, tmp_path / ".git" / "also-hidden.evtx")

    loaded = load_events([tmp_path])

    files = set(loaded.frame["asi_file"])
    assert str(tmp_path / "host1" / "security.evtx") in files
    assert any(f.startswith(str(tmp_path / "host1" / "logs" / "sysmon.jsonl.gz!")) for f in files)
    assert any(f.startswith(str(tmp_path / "otrf.zip!")) for f in files)
    assert not any("hidden" in f for f in files)
    expected = load_events([tmp_path / "host1/logs/sysmon.jsonl.gz"]).frame
    assert len(loaded.frame) == (
        len(load_events([evtx]).frame) + len(expected) + len(load_events([archive]).frame)
    )
    (warning,) = [p for p in loaded.problems if p.file == str(tmp_path)]
    assert "2 files not recognised" in warning.message
    assert "geo2.mmdb" in warning.message
    assert "host1/geo.mmdb" in warning.message
    assert loaded.skipped_files == 2
    assert len(str(warning)) < 300


def test_an_empty_folder_or_one_without_event_files_is_an_input_error(
    shared_data: Path, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInputError, match="no files in it"):
        load_events([tmp_path])
    shutil.copy(shared_data / "geoip" / "GeoLite2-City-Test.mmdb", tmp_path / "geo.mmdb")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    with pytest.raises(InvalidInputError, match=r"1 not recognised \(geo.mmdb\) and 1 hidden"):
        load_events([tmp_path])


def test_a_symlink_loop_is_walked_once(shared_data: Path, tmp_path: Path) -> None:
    evtx = sorted((shared_data / "evtx" / "raw").glob("*.evtx"))[0]
    (tmp_path / "sub").mkdir()
    shutil.copy(evtx, tmp_path / "sub" / "a.evtx")
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "again").symlink_to(tmp_path / "sub", target_is_directory=True)

    loaded = load_events([tmp_path])

    # Each directory once, reached by the first name in sorted order ("again" before "sub").
    assert loaded.sources == (str(tmp_path / "again" / "a.evtx"),)
    assert len(loaded.frame) == len(load_events([evtx]).frame)


def test_the_file_count_is_bounded(shared_data: Path) -> None:
    with pytest.raises(LimitExceededError, match="more than 3 files") as caught:
        load_events([shared_data / "evtx"], max_directory_files=3)
    assert caught.value.limit == "max_directory_files"
