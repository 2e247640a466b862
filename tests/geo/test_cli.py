"""``asisdk geo`` sub-commands, run through the ``asisdk`` command's shell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asisdk.cli import main


def run(argv: list[str]) -> int:
    return main(argv)


# shown, not raised, even where the suite turns warnings into errors
@pytest.mark.filterwarnings("default::asisdk.geo.StaleDatabaseWarning")
def test_lookup_prints_status_and_attribution(
    maxmind_test_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(["geo", "lookup", "--db", str(maxmind_test_db), "81.2.69.142", "10.0.0.1"])
    assert code == 0
    captured = capsys.readouterr()
    out = captured.out
    # the stale-database warning is one readable line, without Python's file and line
    warning = [line for line in captured.err.splitlines() if "days ago" in line]
    assert len(warning) == 1
    assert warning[0].startswith("asisdk: warning: ")
    assert ".py:" not in captured.err
    assert "London, England, United Kingdom" in out
    assert "private" in out
    assert "GeoLite2 data created by MaxMind" in out


def test_lookup_json_lines(city_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["geo", "lookup", "--json", "--db", str(city_db), "51.140.1.1", "nope"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[0]["status"] == "found"
    assert rows[0]["city"] == "London"
    assert rows[0]["ip_type"] == "public"
    assert (rows[1]["status"], rows[1]["ip_type"]) == ("invalid", None)


def test_info_and_errors(city_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["geo", "info", "--db", str(city_db)]) == 0
    out = capsys.readouterr().out
    assert "GeoLite2-City" in out
    assert "explicit" in out
    assert run(["geo", "info", "--db", str(tmp_path / "missing.mmdb")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("asisdk geo: error: ")
    assert "does not exist" in err


def test_update_without_maxmind_credentials_fails_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ASISDK_GEOIP_ACCOUNT_ID", raising=False)
    monkeypatch.delenv("ASISDK_GEOIP_LICENSE_KEY", raising=False)
    monkeypatch.setenv("ASISDK_CONFIG", str(tmp_path / "config.toml"))
    (tmp_path / "config.toml").write_text("")
    code = run(["geo", "update", "--edition", "GeoLite2-City", "--data-dir", str(tmp_path)])
    assert code == 1
    assert "licence key" in capsys.readouterr().err
