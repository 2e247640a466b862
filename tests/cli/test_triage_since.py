"""``asisdk triage --since`` that leaves out every event fails and says so (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asisdk.cli import EXIT_FINDINGS_ERROR, EXIT_OK, main

# The bundled sample is OTRF data recorded in 2020: an hour's --since leaves out all of it.
_SAMPLE_EVENTS = 642


def test_since_removing_everything_fails_in_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["triage", "--since", "1h", "--out", str(tmp_path), "--workers", "1", "--no-geo"]
    code = main([*argv, "--json"])
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert code == EXIT_FINDINGS_ERROR
    assert summary["events"] == 0
    assert summary["removed_by_since"] == _SAMPLE_EVENTS
    assert summary["failure"] == (
        "--since 1h left out all 642 events (none is newer); try a longer --since"
    )
    assert "asisdk triage: failed: --since 1h left out all 642 events" in captured.err


def test_since_removing_everything_fails_in_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["triage", "--since", "1h", "--out", str(tmp_path), "--workers", "1", "--no-geo"]
    assert main(argv) == EXIT_FINDINGS_ERROR
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "asisdk triage: 0 events, 0 skipped rows, 0 input problems"
    assert out[-1].startswith("failed: --since 1h left out all 642 events")


def test_since_keeping_events_succeeds(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # 100 years reaches back past 2020: nothing is left out and the run succeeds.
    argv = ["triage", "--since", "36500d", "--out", str(tmp_path), "--workers", "1", "--no-geo"]
    code = main([*argv, "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK
    assert summary["events"] == _SAMPLE_EVENTS
    assert "failure" not in summary
