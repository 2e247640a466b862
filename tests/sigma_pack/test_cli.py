"""``asisdk sigma kql`` and ``asisdk sigma update`` through the stand-alone parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from _support.extras import needs_kusto
from _support.loopback import LoopbackServer, threaded_server
from asisdk.cli._sigma_pack import build_sigma_pack_parser, main
from asisdk.sigma._kql import rule_to_kql
from asisdk.sigma._pack import bundled_rules_path, read_manifest, rule_by_id

from .conftest import release_zip, selected_rule_files
from .test_update import ASSET_PATH, TAG, ReleaseApp

RULE = "proc_creation_win_powershell_encode"


@needs_kusto
def test_kql_by_id_prints_the_query_and_names_the_author(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rule = rule_by_id(RULE)
    assert main(["kql", str(rule.id)]) == 0
    out, err = capsys.readouterr()
    assert out == rule_to_kql(rule).query + "\n"
    assert "by frack113" in err
    assert "DRL 1.1" in err
    assert main(["kql", RULE, "--target", "azure_monitor"]) == 0
    assert capsys.readouterr().out.startswith("SecurityEvent\n| where ")


@needs_kusto
def test_kql_by_path_as_json(sigma_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = sigma_data / f"rules/windows/process_creation/{RULE}.yml"
    assert main(["kql", str(path), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["author"] == "frack113"
    assert record["table"] == "DeviceProcessEvents"
    assert record["query"] == rule_to_kql(path).query


@needs_kusto
def test_kql_failures_exit_1_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kql", "lnx_auditd_binary_padding", "--json"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["reason"] == "no_table"
    assert "[reason: no_table]" in err
    assert main(["kql", "no-such-rule"]) == 1
    assert "no rule with id or file name" in capsys.readouterr().err
    assert main(["kql", RULE, "--target", "splunk"]) == 2
    assert main([]) == 2


def test_update_installs_and_failures_keep_the_pack(
    tmp_path: Path, sigma_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [p for p in selected_rule_files(sigma_data) if "/windows/" in p.as_posix()][:320]
    app = ReleaseApp(release_zip(sigma_data, files))
    with threaded_server(LoopbackServer(app)) as server:
        app.base = server.base_url
        common = ["--data-dir", str(tmp_path), "--api-url", server.base_url]
        assert main(["update", *common]) == 0
        out = capsys.readouterr().out
        assert f"installed 320 Sigma rules from {TAG} (sha256 verified)" in out
        assert "the pack in use before held 2503 rules" in out
        installed = tmp_path / "sigma-rules.tar.xz"
        before = installed.read_bytes()
        assert read_manifest(installed).rule_count == 320
        url = server.base_url + ASSET_PATH
        assert main(["update", *common, "--url", url, "--sha256", "0" * 64]) == 1
        assert "does not match its sha256" in capsys.readouterr().err
        assert main(["update", *common, "--package", "core++"]) == 1
        err = capsys.readouterr().err
        assert "was kept" in err
        assert installed.read_bytes() == before
    assert bundled_rules_path().is_file()


def test_the_commands_register_on_a_group() -> None:
    parser = build_sigma_pack_parser()
    args = parser.parse_args(["update", "--url", "https://example.org/sigma.zip"])
    assert args.package == "core+"
    assert args.handler.__name__ == "_run_update"
