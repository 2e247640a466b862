"""The whole triage of the bundled sample: the README's first command, in the test suite."""

from __future__ import annotations

from asisdk.pipeline import TriageResult, triage_summary


def test_sample_triage_finds_the_empire_launchers(sample_result: TriageResult) -> None:
    summary = triage_summary(sample_result)
    assert summary["events"] == 642
    assert summary["skipped_rows"] == 0
    assert sample_result.columns.text == ("CommandLine", "ParentCommandLine")
    assert sample_result.columns.time == "TimeCreated"
    # Every Empire stager in the sample is an -enc PowerShell launcher that decodes.
    encoded = sample_result.events["CommandLine"].str.contains(" -enc ", na=False)
    decoded_rows = set(sample_result.decoded["src_index"])
    assert set(sample_result.events.index[encoded]) <= decoded_rows
    # The stagers' C2 address is only visible after decoding.
    c2 = sample_result.iocs[sample_result.iocs["observable"] == "http://10.10.10.5"]
    assert c2["sources"].tolist() == ["decoded"]
    assert summary["rare_patterns"] > 0
    assert sample_result.patterns["events"].sum() == int(
        (sample_result.events["pattern_id"] >= 0).sum()
    )
    assert summary["patterns"] == len(sample_result.patterns)
