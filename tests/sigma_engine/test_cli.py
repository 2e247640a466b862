"""``asisdk sigma scan`` and ``asisdk sigma list`` on real captures and rules."""

from __future__ import annotations

import json

import pytest

from asisdk.cli import main

from ._data import REGRESSION, SIGMA

CAPTURE = (
    REGRESSION
    / "rules"
    / "windows"
    / "process_creation"
    / "proc_creation_win_findstr_recon_everyone"
)
RULES = SIGMA / "rules" / "windows" / "process_creation"


def test_scan_shows_rule_level_technique_and_author(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sigma", "scan", *map(str, CAPTURE.glob("*.evtx")), "--rules", str(RULES)])
    out = capsys.readouterr().out
    assert code == 0
    assert "Permission Misconfiguration Reconnaissance Via Findstr.EXE" in out
    assert "author " in out
    assert "technique T" in out


def test_scan_json_and_level(capsys: pytest.CaptureFixture[str]) -> None:
    evtx = [str(p) for p in CAPTURE.glob("*.evtx")]
    assert main(["sigma", "scan", *evtx, "--rules", str(RULES), "--json"]) == 0
    groups = json.loads(capsys.readouterr().out)
    assert groups
    assert all(g["author"] for g in groups)
    assert all(g["events"][0]["asi_file"].endswith(".evtx") for g in groups)
    assert main(["sigma", "scan", *evtx, "--rules", str(RULES), "--json", "--level", "high"]) == 0
    high = json.loads(capsys.readouterr().out)
    assert {g["level"] for g in high} <= {"high", "critical"}
    assert len(high) < len(groups)


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    folder = SIGMA / "rules" / "windows" / "builtin" / "security"
    assert main(["sigma", "list", "--rules", str(folder), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) > 50
    assert all(r["author"] for r in listed)
    assert main(["sigma", "list", "--rules", str(folder)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(listed)


def test_without_rules_or_pack_it_says_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        import asisdk.sigma._pack  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        assert main(["sigma", "list"]) == 2
        assert "--rules" in capsys.readouterr().err
    else:  # the bundled pack is installed: the default works
        assert main(["sigma", "list"]) == 0


def test_sigma_alone_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sigma"]) == 2
    assert "scan" in capsys.readouterr().err
