"""The asisdk command line, run in-process and as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from asisdk.cli import EXIT_OK, EXIT_USAGE, main


def test_sample_prints_alerts_entities_and_events(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "4 sample alerts" in out
    assert "[High] Suspicious PowerShell encoded command launched by a script host" in out
    assert "primary host: WORKSTATION5.theshire.local" in out
    assert "RegistryValue     HKLM\\SYSTEM\\CurrentControlSet" in out
    assert "642 real Windows events" in out
    assert "processes with an encoded PowerShell command: 6" in out
    assert "OTRF Security Datasets (Mordor)" in out


def test_sample_json_is_sentinel_shaped(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample", "--json"]) == EXIT_OK
    payload = json.loads(capsys.readouterr().out)
    assert len(payload["alerts"]) == 4
    first = payload["alerts"][0]
    assert first["AlertSeverity"] == "High"
    assert first["Entities"][0]["$id"] == "1"
    assert payload["events"] == 642


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == EXIT_USAGE
    assert "usage: asisdk" in capsys.readouterr().err
    assert main(["no-such-command"]) == EXIT_USAGE


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "asisdk", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert done.stdout.startswith("asisdk ")


def test_config_path_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASISDK_CONFIG", str(tmp_path / "c.toml"))
    assert main(["config-path"]) == EXIT_OK
    assert capsys.readouterr().out.strip() == str(tmp_path / "c.toml")
