"""Windows event XML: exported from real .evtx files, read to the same rows as the .evtx.

The XML is what the ``evtx`` crate renders for each record (the ``wevtutil qe /f:xml`` form),
written as an exported ``<Events>`` document or as bare ``<Event>`` elements one after
another; the expected rows are the ``.evtx`` reader's.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
from evtx import PyEvtxParser

from asisdk.cli import EXIT_OK, main
from asisdk.pipeline import detect_format, load_events


def _evtx_files(shared_data: Path) -> list[Path]:
    files = sorted((shared_data / "sigma" / "regression_data").rglob("*.evtx"))
    files += sorted((shared_data / "evtx" / "raw").rglob("*.evtx"))
    assert len(files) >= 220
    return files


def _event_xml(file: Path) -> list[str]:
    """Every record of ``file`` as event XML, without its XML declaration."""
    records = []
    for record in PyEvtxParser(str(file)).records():
        text = record["data"]
        if text.startswith("<?xml"):
            text = text.split("?>", 1)[1]
        records.append(text.strip())
    return records


def _write(path: Path, events: list[str], *, root: bool = True, encoding: str = "utf-8") -> Path:
    body = "\n".join(events)
    if root:
        body = f"<Events>\n{body}\n</Events>\n"
    path.write_text(f'<?xml version="1.0" encoding="{encoding}"?>\n{body}', encoding=encoding)
    return path


def _comparable(value: object) -> str:
    """XML has no types: 2772 and 2772.0 (an int column with gaps) are the same value; and
    a boolean is ``true``/``false`` text; and an XML parser reads every line end as ``\\n``
    (XML 1.0, section 2.11), and control characters XML does not allow are read as U+FFFD."""
    if isinstance(value, bool):
        return str(value).lower()
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "\ufffd", str(value).replace("\r\n", "\n"))


def _assert_same_rows(xml_frame: pd.DataFrame, evtx_frame: pd.DataFrame, file: Path) -> None:
    assert len(xml_frame) == len(evtx_frame), file
    for column in evtx_frame.columns:
        if column == "asi_file":
            continue
        assert column in xml_frame.columns, (file, column)
        got = [_comparable(v) for v in xml_frame[column]]
        want = [_comparable(v) for v in evtx_frame[column]]
        assert got == want, (file, column)


def test_every_real_evtx_exported_as_xml_reads_to_the_same_rows(
    shared_data: Path, tmp_path: Path
) -> None:
    events = 0
    for number, file in enumerate(_evtx_files(shared_data)):
        xml = _write(tmp_path / f"{number}.xml", _event_xml(file), root=number % 2 == 0)
        assert detect_format(xml) == "winxml"
        loaded = load_events([xml])
        assert loaded.problem_count == 0, (file, loaded.problems[:2])
        _assert_same_rows(loaded.frame, load_events([file]).frame, file)
        assert loaded.frame["asi_row"].tolist() == list(range(1, len(loaded.frame) + 1))
        events += len(loaded.frame)
    assert events > 800


def _security_evtx(shared_data: Path) -> Path:
    return next(f for f in _evtx_files(shared_data) if "4624" in f.name)


def test_utf16_export_and_rendered_message_are_read(shared_data: Path, tmp_path: Path) -> None:
    file = _security_evtx(shared_data)
    events = _event_xml(file)
    rendered = [
        event.replace(
            "</Event>",
            "<RenderingInfo Culture='en-US'><Message>An account was successfully logged on."
            "</Message><Level>Information</Level></RenderingInfo></Event>",
        )
        for event in events
    ]
    path = _write(tmp_path / "rendered.xml", rendered, encoding="utf-16")

    loaded = load_events([path])

    assert loaded.problem_count == 0
    assert len(loaded.frame) == len(events)
    assert set(loaded.frame["Message"]) == {"An account was successfully logged on."}
    assert set(loaded.frame["EventID"]) == set(load_events([file]).frame["EventID"])


def test_xml_that_breaks_off_keeps_the_events_before(shared_data: Path, tmp_path: Path) -> None:
    events = _event_xml(_security_evtx(shared_data))
    assert len(events) >= 3
    text = "<Events>" + "".join(events[:2]) + events[2][: len(events[2]) // 2]
    path = tmp_path / "cut.xml"
    path.write_text(text, encoding="utf-8")

    loaded = load_events([path])

    assert len(loaded.frame) == 2
    (problem,) = loaded.problems
    assert problem.row == 3
    assert problem.skipped
    assert "breaks off at event 3" in problem.message


def test_a_dtd_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE Events [<!ENTITY a "aaaaaaaaaa">]>\n'
        "<Events><Event><System><EventID>1</EventID></System></Event></Events>\n"
    )

    loaded = load_events([path])

    assert len(loaded.frame) == 0
    (problem,) = loaded.problems
    assert "DTD" in problem.message
    assert problem.row is None


def test_triage_runs_on_exported_xml(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = next(f for f in _evtx_files(shared_data) if "sysmon" in f.name.lower())
    path = _write(tmp_path / "sysmon.xml", _event_xml(file))

    code = main(["triage", str(path), "--out", str(tmp_path / "out"), "--workers", "1", "--no-geo"])

    assert code == EXIT_OK, capsys.readouterr().err
    events = pd.read_parquet(tmp_path / "out" / "events.parquet")
    assert len(events) == len(load_events([file]).frame)
