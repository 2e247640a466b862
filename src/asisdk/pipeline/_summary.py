"""The one-screen summary of a triage, as a dict (``--json``) and as text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from asisdk.pipeline._triage import TriageResult

__all__ = ["TOP_FINDINGS", "summary_text", "top_findings", "triage_summary"]

_TOP: Final = 5
#: Findings shown in the summary unless ``top`` says otherwise.
TOP_FINDINGS: Final = 10
_PROBLEMS: Final = 20
_WIDTH: Final = 100


def _image_name(path: object) -> str:
    text = str(path or "")
    return text.replace("/", "\\").rsplit("\\", 1)[-1]


def _plain_int(value: object) -> int | None:
    try:
        return int(str(value)) if value is not None and str(value) not in ("", "nan") else None
    except ValueError:
        return None


def top_findings(result: TriageResult, top: int = TOP_FINDINGS) -> list[dict[str, Any]]:
    """The first ``top`` findings as JSON-ready dicts (rank, score, where, what and why)."""
    return [
        {
            "rank": int(row["rank"]),
            "score": int(row["score"]),
            "host": str(row.get("host") or ""),
            "user": str(row.get("user") or ""),
            "image": str(row.get("image") or ""),
            "command_line": str(row.get("command_line") or row.get("details") or ""),
            "parent_image": str(row.get("parent_image") or ""),
            "events": int(row["events"]),
            "asi_file": str(row.get("asi_file") or ""),
            "asi_row": _plain_int(row.get("asi_row")),
            "reason_kinds": str(row["reason_kinds"]),
            "reasons": str(row["reasons"]),
        }
        for row in result.findings.head(top).to_dict("records")
    ]


def triage_summary(
    result: TriageResult, *, outputs: Mapping[str, str] | None = None, top: int = TOP_FINDINGS
) -> dict[str, Any]:
    """The counts of a triage as plain JSON-ready values.

    Keys: ``findings`` (how many), ``top_findings`` (the first ``top``, see
    :func:`top_findings`), ``events``, ``skipped_rows``, ``skipped_files``,
    ``input_problems``, ``problems`` (the first 20, as text),
    ``removed_by_since``, ``decoded_payloads``, ``events_with_payloads``, ``iocs``,
    ``iocs_by_type``, ``noise_addresses`` (set aside), ``patterns``, ``rare_patterns``,
    ``top_rare_patterns``, ``top_iocs`` (the five most suspicious), ``allowed_iocs`` (left
    out by the allow-list), ``identifier_hashes`` (hash-shaped ids that are not hashes),
    ``sigma_matches`` (``None``: Sigma did not run), ``public_ips_located``,
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
    located = int((iocs["geo_status"] == "found").sum()) if "geo_status" in iocs.columns else 0
    by_type = (
        {str(k): int(v) for k, v in iocs["ioc_type"].value_counts().items()} if len(iocs) else {}
    )
    return {
        "findings": len(result.findings),
        "top_findings": top_findings(result, top),
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
        "iocs_by_type": by_type,
        "noise_addresses": result.noise_addresses,
        "allowed_iocs": result.allowed_iocs,
        "identifier_hashes": result.identifier_hashes,
        "sigma_matches": None if result.sigma_matches is None else len(result.sigma_matches),
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
    lines = []
    noise = int(summary.get("noise_addresses", 0))
    if noise:
        lines.append(
            f"  noise     {noise:,} loopback/link-local/multicast/unspecified address"
            f"{'' if noise == 1 else 'es'} set aside (--keep-noise-addresses)"
        )
    allowed = int(summary.get("allowed_iocs", 0))
    if allowed:
        lines.append(f"  allowed   {allowed:,} indicators left out by the allow-list (--allow)")
    ids = int(summary.get("identifier_hashes", 0))
    if ids:
        lines.append(
            f"  ids       {ids:,} hash-shaped values the events name as ids, not counted as hashes"
        )
    return lines


def _arguments(command_line: str, image: str) -> str:
    """The command line without its leading program path (the image is shown already)."""
    text = command_line.strip()
    name = _image_name(image).lower()
    if text.startswith('"'):
        end = text.find('"', 1)
        program, rest = text[1:end], text[end + 1 :]
    else:
        program, _, rest = text.partition(" ")
    if name and _image_name(program).lower() == name and rest.strip():
        return rest.strip()
    return text


def _finding_lines(summary: Mapping[str, Any]) -> list[str]:
    found = summary.get("top_findings") or []
    total = int(summary.get("findings", 0))
    if not found:
        return ["findings: none"] if "findings" in summary else []
    lines = [f"findings: {total:,} (the first {len(found)}; findings.csv has them all)"]
    for f in found:
        where = f["host"].split(".")[0][:24] or "(no host)"
        count = f" x{f['events']}" if f["events"] > 1 else ""
        what = f": {_arguments(f['command_line'], f['image'])}" if f["command_line"] else ""
        lines.append(
            f"  #{f['rank']:<3} "
            + _cut(
                f"{f['score']:>4} {where} {_image_name(f['image']) or '-'}{count} "
                f"row {f['asi_row']} [{f['reason_kinds']}]{what}",
                _WIDTH - 7,
            )
        )
    return lines


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
        *_finding_lines(summary),
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
    if summary.get("sigma_matches") is not None:
        lines.append(f"  sigma     {int(summary['sigma_matches']):,} rule matches")
    if summary["top_rare_patterns"] and not summary.get("top_findings"):
        lines.append("rarest patterns:")
        lines.extend(
            f"  {p['events']:>5}  {_cut(p['template'], _WIDTH - 9)}"
            for p in summary["top_rare_patterns"]
        )
    if summary["top_iocs"]:
        lines.append(
            _cut(
                "indicators: "
                + ", ".join(
                    f"{i['observable']} ({i['type']}, {i['events']} event"
                    f"{'' if i['events'] == 1 else 's'})"
                    for i in summary["top_iocs"]
                ),
                _WIDTH,
            )
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
