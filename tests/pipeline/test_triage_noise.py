"""Triage policy: noise addresses set aside, indicators ordered by suspicion."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from asisdk.data import sample_events_frame
from asisdk.executors import InlineExecutor
from asisdk.pipeline import TriageOptions, TriageResult, load_frame, run_triage, triage_summary
from asisdk.pipeline._summary import summary_text

#: Sysmon 1 (wmic fetching a remote XSL), 3 (connections) and 7 (msxml3.dll, signed by
#: Microsoft) from EVTX-ATTACK-SAMPLES.
_WMIC_XSL = "evtx/data/evtx-execution-exec_wmic_xsl_internet_sysmon_3_1_11.jsonl.gz"
_NOISE = {"::1", "fe80::9582:39e0:356b:ef4e"}


def test_sample_sets_noise_addresses_aside(sample_result: TriageResult) -> None:
    observables = set(sample_result.iocs["observable"])
    assert not observables & _NOISE
    assert set(sample_result.ioc_hits["observable"]) >= _NOISE  # the extractor still sees them
    summary = triage_summary(sample_result)
    assert summary["noise_addresses"] == len(_NOISE)
    assert "2 loopback/link-local/multicast/unspecified addresses set aside" in summary_text(
        summary
    )
    assert not {i["observable"] for i in summary["top_iocs"]} & _NOISE


def test_sample_keeps_noise_addresses_when_asked() -> None:
    result = run_triage(
        load_frame(sample_events_frame()),
        executor=InlineExecutor(),
        options=TriageOptions(keep_noise_addresses=True),
    )
    assert set(result.iocs["observable"]) >= _NOISE
    assert result.noise_addresses == 0
    assert "set aside" not in summary_text(triage_summary(result))


def test_sample_summary_puts_urls_first(sample_result: TriageResult) -> None:
    kinds = sample_result.iocs["ioc_type"].tolist()
    assert kinds[0] == "url"
    assert kinds.index("ipv4") > max(i for i, k in enumerate(kinds) if k == "url")


@pytest.fixture(scope="module")
def sysmon_frame(shared_data: Path) -> pd.DataFrame:
    with gzip.open(shared_data / _WMIC_XSL, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    frame = pd.DataFrame(rows)
    assert (frame["EventID"] == 7).sum() == 1
    return frame


def test_url_ranks_above_microsoft_signed_dll_hash(sysmon_frame: pd.DataFrame) -> None:
    result = run_triage(
        load_frame(sysmon_frame),
        executor=InlineExecutor(),
        options=TriageOptions(text_columns=("CommandLine", "Hashes")),
    )
    iocs = result.iocs
    kinds = iocs["ioc_type"].tolist()
    observables = iocs["observable"].tolist()
    url = observables.index("https://a.uguu.se/x50IGVBRfr55_test.xsl")
    image_load = sysmon_frame[sysmon_frame["EventID"] == 7].iloc[0]
    assert image_load["Signed"] == "true"
    assert "Microsoft" in image_load["Signature"]
    sha256 = image_load["Hashes"].split("SHA256=")[1].split(",")[0].lower()
    signed = observables.index(sha256)
    assert kinds[0] == "url"
    assert url < observables.index("45.76.12.27") < signed
    # The demoted hashes come after everything else, private addresses included.
    assert observables.index("10.0.2.15") < signed
    assert set(kinds[signed:]) == {"md5", "sha1", "sha256"}
    top = [i["observable"] for i in triage_summary(result)["top_iocs"]]
    assert top[0] == "https://a.uguu.se/x50IGVBRfr55_test.xsl"


def test_unsigned_hash_is_not_demoted(sysmon_frame: pd.DataFrame) -> None:
    unsigned = sysmon_frame.assign(Signed="false")
    result = run_triage(
        load_frame(unsigned),
        executor=InlineExecutor(),
        options=TriageOptions(text_columns=("CommandLine", "Hashes")),
    )
    observables = result.iocs["observable"].tolist()
    image_load = sysmon_frame[sysmon_frame["EventID"] == 7].iloc[0]
    sha256 = image_load["Hashes"].split("SHA256=")[1].split(",")[0].lower()
    # An ordinary hash ranks below public addresses and above private ones.
    assert observables.index("45.76.12.27") < observables.index(sha256)
    assert observables.index(sha256) < observables.index("10.0.2.15")
