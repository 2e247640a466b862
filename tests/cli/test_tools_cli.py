"""The small commands: decode, ioc, geo, vt, query."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from asisdk.cli import EXIT_OK, EXIT_USAGE, main


def test_decode_prints_text_and_layers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", "powershell -e ZABpAHIAIABDADoAXAA="]) == EXIT_OK
    captured = capsys.readouterr()
    assert captured.out.strip() == "powershell -e dir C:\\"
    assert "layer 1" in captured.err
    assert "base64" in captured.err


def test_decode_json_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("echo SGVsbG8sIGRlY29kZWQgd29ybGQh"))
    assert main(["decode", "-", "--json"]) == EXIT_OK
    payload = json.loads(capsys.readouterr().out)
    assert payload["text"] == "echo Hello, decoded world!"
    assert payload["layers"][0]["encoding"] == "base64"


def test_ioc_from_text_file_and_types(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["ioc", "GET hxxp://203.0.113.9/x.ps1"]) == EXIT_OK
    assert capsys.readouterr().out.splitlines() == [
        "ipv4\t203.0.113.9",
        "url\thttp://203.0.113.9/x.ps1",
    ]
    path = tmp_path / "notes.txt"
    path.write_text("beacon to evil[.]example[.]com and 198.51.100.7\n", encoding="utf-8")
    assert main(["ioc", str(path), "--types", "dns", "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out) == {"dns": ["evil.example.com"]}
    assert main(["ioc", "x", "--types", "nonsense"]) == EXIT_USAGE


# MaxMind's test database is old on purpose; the staleness warning is tested in tests/geo.
@pytest.mark.filterwarnings("ignore::asisdk.geo.StaleDatabaseWarning")
def test_geo_addresses_are_looked_up(capsys: pytest.CaptureFixture[str]) -> None:
    # `asisdk geo IP ...` is short for the geo package's `asisdk geo lookup IP ...`
    assert main(["geo", "81.2.69.142", "10.0.0.1", "--json"]) == EXIT_OK
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["status"] for r in rows] == ["found", "private"]
    assert rows[0]["city"] == "London"
    assert main(["geo", "lookup", "81.2.69.142", "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["country_code"] == "GB"


def test_vt_without_a_key_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["vt", "8.8.8.8"]) == EXIT_USAGE
    assert "ASISDK_VT_API_KEY" in capsys.readouterr().err


def test_vt_looks_up_through_the_blocking_door(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from _support.loopback import LoopbackServer, VtApp, threaded_server

    with threaded_server(LoopbackServer(VtApp(not_found={"missing.example"}))) as server:
        monkeypatch.setenv("ASISDK_VT_API_KEY", "cli-vt-key")
        monkeypatch.setenv("ASISDK_VT_BASE_URL", f"{server.base_url}/api/v3")
        assert main(["vt", "example.com", "missing.example", "--json"]) == EXIT_OK
        assert server.stats.api_keys == {"cli-vt-key": 2}
    reports = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in reports] == ["found", "not_found"]


def test_ipstack_command_locates_through_the_blocking_door(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from _support.loopback import LoopbackServer, threaded_server
    from ipstack.conftest import API_KEY, IPStackApp

    with threaded_server(LoopbackServer(IPStackApp())) as server:
        monkeypatch.setenv("ASISDK_IPSTACK_API_KEY", API_KEY)
        monkeypatch.setenv("ASISDK_IPSTACK_BASE_URL", server.base_url)
        code = main(["ipstack", "134.201.250.155", "10.0.0.1", "nope", "--json", "--bulk"])
    assert code == EXIT_OK
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["status"] for r in rows] == ["found", "private", "invalid"]
    assert rows[0]["country_code"] is not None


def test_ipstack_without_a_key_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ipstack", "8.8.8.8"]) == EXIT_USAGE
    assert "ASISDK_IPSTACK_API_KEY" in capsys.readouterr().err
