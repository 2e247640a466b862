"""``asisdk triage`` on real files in a temporary folder: outputs, summaries, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import respx

from asisdk.cli import EXIT_FINDINGS_ERROR, EXIT_OK, EXIT_USAGE, main
from asisdk.data import sample_events_frame, sample_path
from asisdk.pipeline import OUTPUT_FILES


def _json_run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(["triage", *argv, "--json"])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if captured.out else {}), captured.err


def test_sample_triage_writes_every_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, summary, _ = _json_run(capsys, "--out", str(tmp_path / "r"), "--workers", "1")
    assert code == EXIT_OK
    assert summary["events"] == 642
    assert summary["decoded_payloads"] > 0
    assert set(summary["outputs"]) == set(OUTPUT_FILES)
    for path in summary["outputs"].values():
        assert Path(path).is_file()
    html = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "OTRF Security Datasets" in html


def test_summary_text_fits_one_screen(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["triage", "--out", str(tmp_path), "--workers", "1"]) == EXIT_OK
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0] == "asisdk triage: 642 events, 0 skipped rows, 0 input problems"
    assert len(lines) <= 24
    assert max(map(len, lines)) <= 110
    assert f"report: {tmp_path / 'report.html'}" in lines
    assert "triage: done" in captured.err  # the progress bar went to stderr


def test_quiet_prints_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["triage", "--out", str(tmp_path), "--quiet", "--workers", "1"]) == EXIT_OK
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""
    assert (tmp_path / "report.html").is_file()


def test_csv_with_a_malformed_row(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    lines = sample_path("sample_events.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "events.csv"
    path.write_text("\n".join([*lines[:30], "a,b,c", *lines[30:60]]) + "\n", encoding="utf-8")
    code = main(["triage", str(path), "--out", str(tmp_path / "out"), "--workers", "1"])
    captured = capsys.readouterr()
    assert code == EXIT_OK
    assert "59 events, 1 skipped rows" in captured.out
    assert f"warning: {path}: row 31: expected 19 fields as in the header, found 3" in captured.err


def test_jsonl_and_parquet_together(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    frame = sample_events_frame()
    jsonl = tmp_path / "a.jsonl"
    frame.head(100).to_json(jsonl, orient="records", lines=True, date_format="iso")
    parquet = tmp_path / "b.parquet"
    frame.iloc[100:250].to_parquet(parquet)
    code, summary, _ = _json_run(
        capsys, str(jsonl), str(parquet), "--out", str(tmp_path / "o"), "--workers", "1"
    )
    assert code == EXIT_OK
    assert summary["events"] == 250
    assert summary["problems"] == []
    assert summary["columns"]["time"] == "TimeCreated"
    events = pd.read_parquet(tmp_path / "o" / "events.parquet")
    assert set(events["asi_file"]) == {str(jsonl), str(parquet)}


def test_real_defender_export_with_two_workers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, shared_data: Path
) -> None:
    source = shared_data / "events" / "msticpy" / "mde_proc_cs1.csv"
    code, summary, _ = _json_run(capsys, str(source), "--out", str(tmp_path), "--workers", "2")
    assert code == EXIT_OK
    assert summary["columns"]["text"][0] == "CreatedProcessCommandLine"
    assert summary["events"] == len(pd.read_csv(source, usecols=[0]))
    assert summary["patterns"] > 0


def test_public_ip_is_geolocated_with_the_configured_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "e.csv"
    pd.DataFrame(
        {
            "TimeGenerated": ["2024-05-01T10:00:00Z", "2024-05-01T10:05:00Z"],
            "ProcessCommandLine": ["curl http://81.2.69.142/x -o y", "whoami"],
        }
    ).to_csv(path, index=False)
    code, summary, _ = _json_run(capsys, str(path), "--out", str(tmp_path / "o"))
    assert code == EXIT_OK
    assert summary["public_ips_located"] == 1
    assert "GeoLite2" in (tmp_path / "o" / "report.html").read_text(encoding="utf-8")


def test_no_geo(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, summary, _ = _json_run(capsys, "--no-geo", "--out", str(tmp_path), "--workers", "1")
    assert code == EXIT_OK
    assert summary["geo"] == "not run"
    assert summary["geo_note"] == "geolocation switched off (--no-geo)"
    assert "geo" not in summary["timings"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--column", "NoSuchColumn"], "--column 'NoSuchColumn': no such column"),
        (["--time-column", "When"], "--time-column 'When': no such column"),
        (["/no/such/file.csv"], "no such file: /no/such/file.csv"),
        (["--since", "yesterday"], "--since 'yesterday'"),
        (["--workers", "0"], "--workers must be at least 1"),
        (["--query", "Nope.nothing"], "no query named 'Nope.nothing'"),
        (["--workspace", "0b1a7c6e-0000-4000-8000-000000000000"], "--workspace needs --query"),
        (
            ["--query", "WindowsSecurity.list_host_logons", "--workspace", "x"],
            "ASISDK_LOGANALYTICS",
        ),
        (["--query", "SecurityAlert.list_alerts", "events.csv"], "not both"),
        (["--vt"], "ASISDK_VT_API_KEY"),
        (["--format", "xml"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    code = main(["triage", "--out", str(tmp_path), "--workers", "1", "--no-geo", *argv])
    assert code == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_nothing_readable_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text("not json\n{also not\n", encoding="utf-8")
    code = main(["triage", str(path), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == EXIT_FINDINGS_ERROR
    assert f"no events could be read: {path}: row 1: invalid JSON" in err


def test_since_keeps_only_recent_events(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    now = pd.Timestamp.now(tz="UTC")
    path = tmp_path / "e.csv"
    pd.DataFrame(
        {
            "TimeGenerated": [(now - pd.Timedelta(days=3)).isoformat(), now.isoformat()],
            "CommandLine": ["old.exe /x", "new.exe /y"],
        }
    ).to_csv(path, index=False)
    code, summary, _ = _json_run(capsys, str(path), "--since", "24h", "--out", str(tmp_path / "o"))
    assert code == EXIT_OK
    assert summary["events"] == 1
    assert summary["removed_by_since"] == 1


def test_vt_lookups_through_the_command(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    respx_mock: respx.MockRouter,
) -> None:
    monkeypatch.setenv("ASISDK_VT_API_KEY", "vt-test-key-0123456789abcdef0123456789abcdef")
    route = respx_mock.get("https://www.virustotal.com/api/v3/ip_addresses/81.2.69.142").respond(
        404, json={"error": {"code": "NotFoundError", "message": "unknown"}}
    )
    path = tmp_path / "e.csv"
    pd.DataFrame({"CommandLine": ["ping 81.2.69.142", "ping 10.0.0.1"]}).to_csv(path, index=False)
    code, summary, _ = _json_run(
        capsys, str(path), "--vt", "--out", str(tmp_path / "o"), "--workers", "1"
    )
    assert code == EXIT_OK
    assert route.call_count == 1
    assert summary["virustotal"].startswith("looked up 1 of 1 eligible indicators")
    assert "vt" in summary["timings"]
    assert (tmp_path / "cache" / "asisdk" / "virustotal.sqlite").is_file()


def test_python_dash_m_triage_prints_where_the_report_is(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "asisdk", "triage", "--out", str(tmp_path), "--workers", "1"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == EXIT_OK, done.stderr
    assert f"report: {tmp_path / 'report.html'}" in done.stdout


def test_since_without_a_time_column_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "e.csv"
    pd.DataFrame({"CommandLine": ["whoami"]}).to_csv(path, index=False)
    assert main(["triage", str(path), "--since", "1d", "--out", str(tmp_path / "o")]) == EXIT_USAGE
    assert "--since needs a time column" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def _evtx_files() -> list[Path]:
    evtx = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "evtx"
    files = sorted(evtx.rglob("*.evtx"))
    assert len(files) >= 22
    return files


@pytest.mark.parametrize("evtx", _evtx_files(), ids=lambda path: path.stem)
def test_every_evtx_log_triages_with_or_without_command_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, evtx: Path
) -> None:
    code, summary, err = _json_run(
        capsys, str(evtx), "--out", str(tmp_path), "--workers", "1", "--no-geo"
    )

    assert code == EXIT_OK, err
    events = pd.read_parquet(tmp_path / "events.parquet")
    assert summary["events"] == len(events) > 0
    if "CommandLine" not in events.columns and "ScriptBlockText" not in events.columns:
        assert events["asi_event_text"].str.startswith("EventID=").all()


def test_a_logon_log_triages_on_its_event_text_with_since(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, shared_data: Path
) -> None:
    raw = shared_data / "evtx" / "raw" / "Command_and_Control__DE_RDP_Tunneling_4624.evtx"

    code, summary, err = _json_run(
        capsys, str(raw), "--out", str(tmp_path), "--workers", "1", "--no-geo", "--since", "100000d"
    )

    assert code == EXIT_OK, err
    assert summary["events"] == 18
    iocs = pd.read_csv(tmp_path / "iocs.csv")
    assert "10.0.2.17" in set(iocs["observable"])


def test_format_offers_evtx_and_help_lists_every_format(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, shared_data: Path
) -> None:
    raw = shared_data / "evtx" / "raw" / "Defense_Evasion__DE_1102_security_log_cleared.evtx"
    renamed = tmp_path / "export.log"
    renamed.write_bytes(raw.read_bytes())

    code, summary, err = _json_run(
        capsys, str(renamed), "--format", "evtx", "--out", str(tmp_path / "r"), "--no-geo"
    )
    assert code == EXIT_OK, err
    assert summary["events"] == 112

    assert main(["triage", "--help"]) == EXIT_OK
    help_text = " ".join(capsys.readouterr().out.split())
    assert "auto,csv,jsonl,json,parquet,evtx,zeek,winxml,syslog,auditd,access,iis,text" in (
        help_text
    )
    assert "CSV/TSV, JSON lines, JSON, Parquet or Windows EVTX files" in help_text
    assert "CSV, JSON lines, JSON, Parquet, EVTX, Windows event XML (winxml), Zeek, syslog" in (
        help_text
    )


@pytest.mark.parametrize(
    ("flag", "expected"), [((), ",'=cmd.exe"), (("--no-csv-neutralise",), ",=cmd.exe")]
)
def test_csv_neutralise_flag(tmp_path: Path, flag: tuple[str, ...], expected: str) -> None:
    frame = sample_events_frame().head(20).copy()
    frame.loc[2, "CommandLine"] = "=cmd.exe /c calc"
    frame.to_parquet(tmp_path / "events.parquet")
    argv = ["triage", str(tmp_path / "events.parquet"), "--out", str(tmp_path / "r"), "--quiet"]
    assert main([*argv, "--workers", "1", "--no-geo", *flag]) == EXIT_OK
    assert expected in (tmp_path / "r" / "clusters.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize(("flag", "kept"), [((), False), (("--keep-noise-addresses",), True)])
def test_noise_addresses_in_iocs_csv_only_with_the_flag(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, flag: tuple[str, ...], kept: bool
) -> None:
    code, summary, _ = _json_run(capsys, "--out", str(tmp_path), "--workers", "1", *flag)
    assert code == EXIT_OK
    observables = set(pd.read_csv(tmp_path / "iocs.csv")["observable"])
    noise = {"::1", "fe80::9582:39e0:356b:ef4e"}
    assert (noise & observables) == (noise if kept else set())
    assert summary["noise_addresses"] == (0 if kept else 2)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert ("fe80::9582:39e0:356b:ef4e" in html) is kept
