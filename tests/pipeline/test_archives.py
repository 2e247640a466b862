"""Events inside zip, gzip, bzip2, xz and tar archives: real OTRF zips, built archives, bombs."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile
from pathlib import Path

import pytest

from asisdk.cli import EXIT_OK, main
from asisdk.pipeline import load_events

OTRF = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "events" / "otrf"


def _otrf_zips() -> list[Path]:
    return sorted(OTRF.glob("*.zip"))


def _json_lines(archive: Path) -> int:
    with zipfile.ZipFile(archive) as opened:
        return sum(
            sum(1 for line in opened.read(info).splitlines() if line.strip())
            for info in opened.infolist()
            if not info.is_dir()
        )


@pytest.fixture
def real_lines(shared_data: Path) -> bytes:
    """The first 300 JSON lines of a real OTRF capture."""
    source = shared_data / "events" / "otrf" / "empire_launcher_vbs_2020-09-04160940.json"
    with source.open("rb") as stream:
        return b"".join(stream.readline() for _ in range(300))


def test_the_otrf_zips_are_there() -> None:
    assert len(_otrf_zips()) >= 5


@pytest.mark.parametrize("archive", _otrf_zips(), ids=lambda p: p.name)
def test_every_otrf_zip_loads_every_json_line(archive: Path) -> None:
    loaded = load_events([archive])

    assert loaded.problem_count == 0
    assert len(loaded.frame) == _json_lines(archive) > 1000
    (member,) = zipfile.ZipFile(archive).namelist()
    assert set(loaded.frame["asi_file"]) == {f"{archive}!{member}"}
    assert loaded.frame["asi_row"].iloc[0] == 1
    assert "EventID" in loaded.frame.columns


def _tar(members: dict[str, bytes], mode: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "build", "member"),
    [
        ("events.json.gz", gzip.compress, "events.json"),
        ("events.jsonl.bz2", bz2.compress, "events.jsonl"),
        ("events.log.xz", lzma.compress, "events.log"),  # no telling name: sniffed
        ("events.tar.gz", lambda data: _tar({"a/events.json": data}, "w:gz"), "a/events.json"),
        ("events.tar.xz", lambda data: _tar({"events.ndjson": data}, "w:xz"), "events.ndjson"),
        ("events.tar", lambda data: _tar({"x/events.txt": data}, "w"), "x/events.txt"),
        ("renamed.csv", gzip.compress, "renamed"),  # told by content, not by name
    ],
)
def test_compressed_and_tar_archives_of_real_events(
    tmp_path: Path, real_lines: bytes, name: str, build: object, member: str
) -> None:
    path = tmp_path / name
    path.write_bytes(build(real_lines))  # type: ignore[operator]

    loaded = load_events([path])

    assert loaded.problem_count == 0, loaded.problems
    assert len(loaded.frame) == 300
    assert set(loaded.frame["asi_file"]) == {f"{path}!{member}"}
    assert list(loaded.frame["asi_row"][:2]) == [1, 2]


def test_a_zipped_evtx_reads_like_the_evtx(tmp_path: Path, shared_data: Path) -> None:
    raw = shared_data / "evtx" / "raw" / "Defense_Evasion__DE_1102_security_log_cleared.evtx"
    archive = tmp_path / "logs.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as opened:
        opened.write(raw, "dc01/Security")  # no extension: told by its magic bytes

    loaded = load_events([archive])

    assert loaded.problem_count == 0
    assert len(loaded.frame) == len(load_events([raw]).frame) == 112
    assert set(loaded.frame["asi_file"]) == {f"{archive}!dc01/Security"}


def test_a_zip_bomb_stops_at_the_limit_and_is_named(tmp_path: Path, real_lines: bytes) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as opened:
        opened.writestr("first.json", real_lines)
        opened.writestr("zeros.json", b"\n" * (64 * 1024 * 1024))
        opened.writestr("after.json", real_lines)
    assert archive.stat().st_size < 1024 * 1024

    loaded = load_events([archive], max_decompressed_bytes=8 * 1024 * 1024)

    (problem,) = loaded.problems
    assert problem.file == f"{archive}!zeros.json"
    assert problem.row is None
    assert problem.skipped
    assert "limit of 8,388,608 bytes" in problem.message
    assert "max_decompressed_bytes" in problem.message
    assert loaded.skipped_files == 1
    assert set(loaded.frame["asi_file"]) == {f"{archive}!first.json"}  # nothing after it


def test_a_gzip_bomb_stops_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(gzip.compress(b" " * (32 * 1024 * 1024)))

    loaded = load_events([path], max_decompressed_bytes=1024 * 1024)

    (problem,) = loaded.problems
    assert problem.file == f"{path}!bomb.jsonl"
    assert "max_decompressed_bytes" in problem.message
    assert len(loaded.frame) == 0


def test_a_corrupt_member_is_named_and_the_others_are_read(
    tmp_path: Path, real_lines: bytes
) -> None:
    archive = tmp_path / "mixed.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as opened:
        opened.writestr("good.json", real_lines)
        opened.writestr("bad.json", real_lines)
        opened.writestr("rows.jsonl", b'{"a": 1}\nnot json\n{"a": 2}\n')
    data = bytearray(archive.read_bytes())
    info = zipfile.ZipFile(archive).getinfo("bad.json")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 100 : start + 140] = bytes(40)
    archive.write_bytes(bytes(data))

    loaded = load_events([archive])

    problems = {p.file: p for p in loaded.problems}
    assert set(problems) == {f"{archive}!bad.json", f"{archive}!rows.jsonl"}
    assert problems[f"{archive}!bad.json"].message.startswith("cannot read the member: ")
    assert problems[f"{archive}!bad.json"].row is None
    assert problems[f"{archive}!rows.jsonl"].row == 2  # a row problem names the member too
    assert loaded.skipped_files == 1
    assert loaded.skipped_rows == 1
    assert len(loaded.frame) == 300 + 2


def test_a_corrupt_archive_is_named_and_other_files_read(tmp_path: Path, real_lines: bytes) -> None:
    broken = tmp_path / "broken.gz"
    broken.write_bytes(gzip.compress(real_lines)[:2000])
    plain = tmp_path / "plain.json"
    plain.write_bytes(real_lines)

    loaded = load_events([broken, plain])

    (problem,) = loaded.problems
    assert problem.file == f"{broken}!broken"
    assert problem.message.startswith("cannot decompress: ")
    assert set(loaded.frame["asi_file"]) == {str(plain)}


def test_member_paths_are_never_used_on_disk(tmp_path: Path, real_lines: bytes) -> None:
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    archive = work / "evil.zip"
    with zipfile.ZipFile(archive, "w") as opened:
        opened.writestr("../../escaped.json", real_lines)
        opened.writestr("/tmp/absolute.json", real_lines)

    loaded = load_events([archive])

    assert len(loaded.frame) == 600
    assert f"{archive}!../../escaped.json" in set(loaded.frame["asi_file"])
    assert not (tmp_path / "escaped.json").exists()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "b", "evil.zip"]


def test_triage_of_an_otrf_zip_exits_0(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    archive = _otrf_zips()[0]

    code = main(["triage", str(archive), "--out", str(tmp_path), "--workers", "1", "--no-geo"])

    captured = capsys.readouterr()
    assert code == EXIT_OK, captured.err
    assert captured.out.startswith(f"asisdk triage: {_json_lines(archive):,} events")
