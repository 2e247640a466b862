"""``asisdk triage`` finding options: --top, --min-level, --rare-*, --allow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from asisdk.cli import EXIT_OK, EXIT_USAGE, main


def _json_run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(["triage", "--workers", "1", "--no-geo", *argv, "--json"])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if captured.out else {})


def test_findings_come_first_and_top_limits_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, summary = _json_run(capsys, "--out", str(tmp_path), "--top", "3")
    assert code == EXIT_OK
    assert list(summary)[:2] == ["findings", "top_findings"]
    assert len(summary["top_findings"]) == 3 < summary["findings"]
    written = pd.read_csv(tmp_path / "findings.csv")
    assert len(written) == summary["findings"]
    assert [f["rank"] for f in summary["top_findings"]] == [1, 2, 3]
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.index('<section id="findings"') < html.index('<section id="summary"')
    assert main(["triage", "--out", str(tmp_path), "--workers", "1", "--no-geo"]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("findings: ")
    assert lines[2].startswith("  #1 ")


def test_rarity_knobs_change_what_is_rare(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, strict = _json_run(capsys, "--out", str(tmp_path / "a"), "--rare-min-events", "0")
    _, loose = _json_run(
        capsys, "--out", str(tmp_path / "b"), "--rare-min-events", "5", "--rare-share", "0.05"
    )
    assert strict["rare_patterns"] < loose["rare_patterns"]
    assert strict["findings"] < loose["findings"]


def test_allow_list_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    allow = tmp_path / "allow.txt"
    allow.write_text(
        "# the red team's C2 range and their tooling\n10.10.10.0/24\nimage: rundll32.exe\n",
        encoding="utf-8",
    )
    code, summary = _json_run(capsys, "--out", str(tmp_path / "o"), "--allow", str(allow))
    assert code == EXIT_OK
    assert summary["allowed_iocs"] >= 3
    assert all(not f["image"].lower().endswith("rundll32.exe") for f in summary["top_findings"])
    assert all("10.10.10." not in i["observable"] for i in summary["top_iocs"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--min-level", "severe"], "invalid choice"),
        (["--top", "many"], "expected a whole number"),
        (["--rare-share", "2"], "between 0 and 1"),
        (["--allow", "/no/such/allow.txt"], "no such file"),
    ],
)
def test_findings_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    code = main(["triage", "--out", str(tmp_path), "--workers", "1", "--no-geo", *argv])
    assert code == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_bad_allow_list_line_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    allow = tmp_path / "allow.txt"
    allow.write_text("address: 10.0.0.999\n", encoding="utf-8")
    code = main(["triage", "--out", str(tmp_path), "--workers", "1", "--allow", str(allow)])
    assert code == EXIT_USAGE
    assert "line 1" in capsys.readouterr().err
