"""``asisdk triage --dask ADDRESS`` runs the CPU stages on a real cluster, same results."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from distributed import Client

from asisdk.cli import EXIT_OK, EXIT_USAGE, main


def _summary(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["triage", "--json", "--no-geo", *args]) == EXIT_OK
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


def test_triage_on_a_dask_cluster_matches_the_local_run(
    dask_client: Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    address = dask_client.scheduler.address
    local = _summary(capsys, "--out", str(tmp_path / "local"), "--workers", "1")
    remote = _summary(capsys, "--out", str(tmp_path / "dask"), "--dask", address)
    for key in ("events", "decoded_payloads", "iocs", "iocs_by_type", "patterns", "rare_patterns"):
        assert remote[key] == local[key], key
    # 13 Empire launchers: base64, 10 concatenations (AMSI and logging bypasses), URL
    assert local["decoded_payloads"] == 156
    for name in ("iocs.csv", "decoded.csv", "clusters.csv"):
        here = pd.read_csv(tmp_path / "local" / name)
        there = pd.read_csv(tmp_path / "dask" / name)
        pd.testing.assert_frame_equal(here, there, check_like=True)


def test_dask_and_workers_exclude_each_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["triage", "--dask", "tcp://127.0.0.1:1", "--workers", "2", "--out", str(tmp_path)])
    assert code == EXIT_USAGE
    assert "exclude each other" in capsys.readouterr().err
