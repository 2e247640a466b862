"""The one-screen summary of a triage, as a dict (``--json``) and as text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from asisdk.pipeline._triage import TriageResult

__all__ = ["summary_text", "triage_summary"]

_TOP: Final = 5
_PROBLEMS: Final = 20
_WIDTH: Final = 100


def triage_summary(
    result: TriageResult, *, outputs: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The counts of a triage as plain JSON-ready values.

    Keys: ``events``, ``skipped_rows``, ``skipped_files``, ``input_problems``, ``problems``
    (the first 20, as text),
    ``removed_by_since``, ``decoded_payloads``, ``events_with_payloads``, ``iocs``,
    ``iocs_by_type``, ``noise_addresses`` (set aside), ``patterns``, ``rare_patterns``,
    ``top_rare_patterns``, ``top_iocs`` (the five most suspicious), ``public_ips_located``,
    ``geo`` (``ran`` / ``not run``), ``geo_note``, ``virustotal``, ``columns``, ``timings``
    and ``outputs`` (file name -> path, when given).

    Examples:
        >>> from asisdk.data import sample_events_frame
        >>> from asisdk.pipeline import load_frame, run_triage
        >>> triage_summary(run_triage(load_frame(sample_events_frame())))["events"]
        642
    """
    iocs = result.iocs
    rare = result.rare_patterns
    located = 0
    if "geo_status" in iocs.columns:
        located = int((iocs["geo_status"] == "found").sum())
    by_type = iocs["ioc_type"].value_counts() if len(iocs) else None
    return {
        "events": len(result.events),
        "skipped_rows": result.loaded.skipped_rows,
        "skipped_files": result.loaded.skipped_files,
        "input_problems": result.loaded.problem_count,
        "problems": [str(p) for p in result.loaded.problems[:_PROBLEMS]],
        "removed_by_since": result.removed_by_since,
        "decoded_payloads": len(result.decoded),
        "events_with_payloads": int(result.decoded["src_index"].nunique())
        if len(result.decoded)
        else 0,
        "iocs": len(iocs),
        "iocs_by_type": {str(k): int(v) for k, v in by_type.items()} if by_type is not None else {},
        "noise_addresses": result.noise_addresses,
        "patterns": len(result.patterns),
        "rare_patterns": len(rare),
        "top_rare_patterns": [
            {"events": int(events), "template": str(template)}
            for events, template in zip(
                rare["events"].head(_TOP).tolist(),
                rare["template"].head(_TOP).tolist(),
                strict=True,
            )
        ],
        "top_iocs": [
            {"type": str(kind), "observable": str(value), "events": int(events)}
            for kind, value, events in iocs.head(_TOP)[
                ["ioc_type", "observable", "events"]
            ].itertuples(index=False, name=None)
        ],
        "public_ips_located": located,
        "geo": "ran" if result.geo_attribution else "not run",
        "geo_note": result.geo_note,
        "virustotal": result.vt_note or "not asked",
        "columns": {
            "text": list(result.columns.text),
            "time": result.columns.time,
            "time_local": result.columns.time_local,
            "ip": list(result.columns.ip),
        },
        "timings": {t.stage: round(t.seconds, 3) for t in result.timings},
        "outputs": dict(outputs or {}),
    }


def _cut(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def _noise_note(summary: Mapping[str, Any]) -> list[str]:
    noise = int(summary.get("noise_addresses", 0))
    if not noise:
        return []
    return [
        f"  noise     {noise:,} loopback/link-local/multicast/unspecified address"
        f"{'' if noise == 1 else 'es'} set aside (--keep-noise-addresses)"
    ]


def summary_text(summary: Mapping[str, Any]) -> str:
    """Format :func:`triage_summary` for a terminal (fits one screen).

    Examples:
        >>> print(summary_text({"events": 3, "skipped_rows": 0, "input_problems": 0,
        ...     "decoded_payloads": 0, "events_with_payloads": 0, "iocs": 0,
        ...     "iocs_by_type": {}, "patterns": 1, "rare_patterns": 0, "top_rare_patterns": [],
        ...     "top_iocs": [], "public_ips_located": 0, "virustotal": "not asked",
        ...     "timings": {}, "outputs": {}}).splitlines()[0])
        asisdk triage: 3 events, 0 skipped rows, 0 input problems
    """
    lines = [
        f"asisdk triage: {summary['events']:,} events, {summary['skipped_rows']:,} skipped rows, "
        f"{summary['input_problems']:,} input problems",
        f"  decoded   {summary['decoded_payloads']:,} payload layers in "
        f"{summary['events_with_payloads']:,} events",
        f"  iocs      {summary['iocs']:,} distinct ("
        + (", ".join(f"{n} {t}" for t, n in summary["iocs_by_type"].items()) or "none")
        + ")",
        *_noise_note(summary),
        f"  patterns  {summary['patterns']:,}, of which {summary['rare_patterns']:,} rare",
        f"  geo       {summary['public_ips_located']:,} public IPs located"
        if summary.get("geo", "ran") == "ran"
        else f"  geo       {_cut(str(summary.get('geo_note') or 'not run'), _WIDTH - 12)}",
        f"  vt        {summary['virustotal']}",
    ]
    if summary["top_rare_patterns"]:
        lines.append("rarest patterns:")
        lines.extend(
            f"  {p['events']:>5}  {_cut(p['template'], _WIDTH - 9)}"
            for p in summary["top_rare_patterns"]
        )
    if summary["top_iocs"]:
        lines.append("indicators:")
        lines.extend(
            f"  {i['type']:<12} {_cut(i['observable'], _WIDTH - 30)}  "
            f"({i['events']} event{'' if i['events'] == 1 else 's'})"
            for i in summary["top_iocs"]
        )
    if summary["timings"]:
        lines.append("time: " + ", ".join(f"{k} {v:.1f}s" for k, v in summary["timings"].items()))
    outputs = summary["outputs"]
    if outputs:
        report = outputs.get("report.html")
        if report:
            lines.append(f"report: {report}")
        others = [name for name in outputs if name != "report.html"]
        if others:
            lines.append("also: " + ", ".join(others))
    return "\n".join(lines)
