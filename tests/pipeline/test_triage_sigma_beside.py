"""Sigma beside the worker-process stages gives the same result as Sigma after them."""

from __future__ import annotations

import gzip
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from asisdk.executors import InlineExecutor
from asisdk.pipeline import load_events, run_triage
from asisdk.sigma import SigmaRules

EVTX = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "evtx" / "data"


def test_sigma_beside_process_workers_matches_inline(tmp_path: Path) -> None:
    name = "evtx-credential_access-sysmon_rdrleakdiag_lsass_dump"
    plain = tmp_path / f"{name}.jsonl"
    plain.write_bytes(gzip.decompress((EVTX / f"{name}.jsonl.gz").read_bytes()))
    loaded = load_events([plain])
    match = SigmaRules.bundled().match
    inline = run_triage(loaded, executor=InlineExecutor(), sigma=match)
    with ProcessPoolExecutor(max_workers=2) as pool:
        beside = run_triage(loaded, executor=pool, sigma=match)
    assert inline.sigma_matches is not None
    assert beside.sigma_matches is not None
    assert len(beside.sigma_matches) > 0
    pd.testing.assert_frame_equal(inline.sigma_matches, beside.sigma_matches)
    pd.testing.assert_frame_equal(inline.findings, beside.findings)
    assert [t.stage for t in beside.timings] == [t.stage for t in inline.timings]
