"""``asisdk ti lookup`` against loopback servers named by ``ASISDK_<PROVIDER>_BASE_URL``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from _support.loopback import LoopbackServer, threaded_server
from asisdk.cli import main

from . import servers
from .conftest import KEYS


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("OTX", "ABUSEIPDB", "GREYNOISE", "VT", "VIRUSTOTAL", "MISP", "ABUSECH"):
        monkeypatch.delenv(f"ASISDK_{name}_API_KEY", raising=False)
    config = tmp_path / "empty-config.toml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("ASISDK_CONFIG", str(config))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_lookup_json_then_cached(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grey = servers.GreyNoiseApp(api_key=KEYS["greynoise"], good=["185.220.101.1"])
    otx = servers.OtxApp(api_key=KEYS["otx"])
    with (
        threaded_server(LoopbackServer(grey)) as gs,
        threaded_server(LoopbackServer(otx)) as os_,
    ):
        monkeypatch.setenv("ASISDK_GREYNOISE_BASE_URL", f"{gs.base_url}/v3")
        monkeypatch.setenv("ASISDK_GREYNOISE_API_KEY", KEYS["greynoise"])
        monkeypatch.setenv("ASISDK_OTX_BASE_URL", f"{os_.base_url}/api/v1")
        monkeypatch.setenv("ASISDK_OTX_API_KEY", KEYS["otx"])
        cache = str(tmp_path / "ti.sqlite")
        argv = ["ti", "lookup", "185.220.101.1", "host1.loopback-test.com", "10.0.0.1"]
        argv += ["--providers", "greynoise,otx", "--json", "--cache", cache]
        assert main(argv) == 0
        first = json.loads(capsys.readouterr().out)
        assert main(argv) == 0
        second = json.loads(capsys.readouterr().out)
        requests = grey.stats.requests + otx.stats.requests
        assert main([*argv, "--refresh"]) == 0
        capsys.readouterr()
        refreshed = grey.stats.requests + otx.stats.requests
    address, domain, private = first
    assert address["verdict"] in ("known_good", "suspicious", "malicious")
    assert address["results"][0]["verdict"] == "known_good"
    assert domain["type"] == "dns"
    assert [r["status"] for r in domain["results"]] == ["unsupported", "found"]
    assert {r["status"] for r in private["results"]} == {"unsupported"}
    assert all(
        r["cached"] for item in second[:2] for r in item["results"] if r["status"] == "found"
    )
    assert requests == 1 + 3, "greynoise once, OTX general+reputation for the IP and the domain"
    assert refreshed == 2 * requests, "--refresh asks again"
    out = json.dumps(first)
    assert KEYS["otx"] not in out
    assert KEYS["greynoise"] not in out


def test_text_output_and_unknown_provider(capsys: pytest.CaptureFixture[str]) -> None:
    circl = servers.CirclApp(good=["d41d8cd98f00b204e9800998ecf8427e"])
    with threaded_server(LoopbackServer(circl)) as server:
        mp = pytest.MonkeyPatch()
        mp.setenv("ASISDK_CIRCL_BASE_URL", server.base_url)
        try:
            code = main(
                [
                    "ti",
                    "lookup",
                    "D41D8CD98F00B204E9800998ECF8427E",
                    "--providers",
                    "circl",
                    "--no-cache",
                ]
            )
        finally:
            mp.undo()
    out = capsys.readouterr().out
    assert code == 0
    assert "(md5): known_good" in out
    assert "demote" in out
    assert main(["ti", "lookup", "8.8.8.8", "--providers", "nosuch", "--no-cache"]) == 2
    assert "unknown threat-intelligence provider 'nosuch'" in capsys.readouterr().err


def test_missing_key_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ti", "lookup", "8.8.8.8", "--providers", "abuseipdb", "--no-cache"]) == 2
    assert "ASISDK_ABUSEIPDB_API_KEY" in capsys.readouterr().err
