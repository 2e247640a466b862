"""``render_report``: the self-contained report.html of a triage."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from typing import Final

import pandas as pd

from asisdk import __version__
from asisdk.pipeline import _defaults
from asisdk.pipeline._summary import triage_summary
from asisdk.pipeline._timeline import TimelineEngine, timeline_html, timeline_points
from asisdk.pipeline._triage import TriageResult

__all__ = ["SECTIONS", "render_report"]

#: The ``id`` of every section of report.html, in order.
SECTIONS: Final[tuple[str, ...]] = (
    "summary",
    "input",
    "decoded",
    "iocs",
    "enrichment",
    "patterns",
    "timeline",
    "attribution",
)

_CSS: Final = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1400px;
padding:0 1.5rem 3rem;color:#263238}
h1{margin-top:1.2rem}h2{border-bottom:2px solid #cfd8dc;padding-bottom:.2rem;margin-top:2rem}
nav a{margin-right:1rem}table{border-collapse:collapse;width:100%;font-size:.85rem}
th,td{border:1px solid #cfd8dc;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#eceff1;position:sticky;top:0}td.num{text-align:right}
code,pre{font-family:ui-monospace,Consolas,monospace;font-size:.8rem;white-space:pre-wrap;
word-break:break-all}pre{max-height:18rem;overflow:auto;background:#fafafa;margin:.2rem 0}
dl.counts{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}
dl.counts dt{font-weight:600}.empty{color:#78909c}.note{color:#6d4c41}
#timeline-tip{position:absolute;background:#263238;color:#fff;padding:.3rem .5rem;
font-size:.75rem;white-space:pre-wrap;max-width:40rem;border-radius:3px;pointer-events:none}
.tag{display:inline-block;padding:0 .35rem;border-radius:3px;background:#eceff1;font-size:.75rem}
.tag.decoded{background:#f8bbd0}.tag.bad{background:#ffe0b2}
"""


def _e(value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, pd.Timestamp):
        return html.escape(value.strftime("%Y-%m-%d %H:%M:%S"))
    return html.escape(str(value))


def _table(
    frame: pd.DataFrame,
    columns: Sequence[tuple[str, str]],
    *,
    table_id: str,
    total: int | None = None,
    code: Sequence[str] = (),
    numeric: Sequence[str] = (),
) -> str:
    count = len(frame) if total is None else total
    if frame.empty:
        return f'<p class="empty" id="{table_id}-empty">None.</p>'
    shown = frame.head(_defaults.REPORT_MAX_ROWS)
    head = "".join(f"<th>{html.escape(title)}</th>" for _, title in columns)
    body: list[str] = []
    for record in shown.to_dict("records"):
        cells = []
        for name, _ in columns:
            value = record.get(name)
            if name in code:
                cells.append(f"<td><pre>{_e(value)}</pre></td>")
            elif name in numeric:
                cells.append(f'<td class="num">{_e(value)}</td>')
            else:
                cells.append(f"<td>{_e(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        f'<p class="note">Showing {len(shown):,} of {count:,} rows; the CSV file has them all.</p>'
        if count > len(shown)
        else ""
    )
    return (
        f'<table id="{table_id}" data-rows="{count}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>{more}"
    )


def _section(section_id: str, title: str, count: int | None, content: str) -> str:
    data = f' data-count="{count}"' if count is not None else ""
    return f'<section id="{section_id}"{data}><h2>{html.escape(title)}</h2>{content}</section>'


def _summary_section(result: TriageResult) -> str:
    summary = triage_summary(result)
    items = [
        ("events", "Events triaged"),
        ("skipped_rows", "Rows skipped (unreadable)"),
        ("input_problems", "Input problems"),
        ("decoded_payloads", "Decoded payloads (layers)"),
        ("events_with_payloads", "Events with an encoded payload"),
        ("iocs", "Distinct indicators"),
        ("patterns", "Patterns"),
        ("rare_patterns", "Rare patterns"),
        ("public_ips_located", "Public IPs located"),
    ]
    rows = "".join(
        f'<dt>{html.escape(label)}</dt><dd data-key="{key}">{summary[key]:,}</dd>'
        for key, label in items
    )
    columns = result.columns
    described = (
        f"<p>Text columns: <code>{_e(', '.join(columns.text))}</code>; time column: "
        f"<code>{_e(columns.time or 'none')}</code>; IP columns: "
        f"<code>{_e(', '.join(columns.ip) or 'none')}</code>.</p>"
    )
    if result.removed_by_since:
        described += (
            f'<p class="note">{result.removed_by_since:,} older events left out by --since.</p>'
        )
    by_type = summary["iocs_by_type"]
    types = ", ".join(f"{n:,} {html.escape(t)}" for t, n in by_type.items()) or "none"
    return _section(
        "summary",
        "Summary",
        None,
        f'<dl class="counts">{rows}</dl>{described}<p>Indicators by type: {types}.</p>',
    )


def _input_section(result: TriageResult) -> str:
    loaded = result.loaded
    listed = pd.DataFrame(
        [
            {
                "file": p.file,
                "row": p.row,
                "column": p.column,
                "message": p.message,
                "outcome": ("file skipped" if p.row is None else "row skipped")
                if p.skipped
                else "row kept",
            }
            for p in loaded.problems
        ]
    )
    sources = "".join(f"<li><code>{_e(s)}</code></li>" for s in loaded.sources)
    intro = (
        f"<p>Read from:</p><ul>{sources}</ul><p>{loaded.skipped_rows:,} rows skipped, "
        f"{loaded.skipped_files:,} files skipped, {loaded.problem_count:,} problems in all.</p>"
    )
    table = _table(
        listed,
        [
            ("file", "File"),
            ("row", "Row"),
            ("column", "Column"),
            ("message", "Problem"),
            ("outcome", "Outcome"),
        ],
        table_id="problems-table",
        total=loaded.problem_count,
    )
    return _section("input", "Input and skipped rows", loaded.skipped_rows, intro + table)


def _decoded_section(result: TriageResult) -> str:
    decoded = result.decoded.copy()
    if not decoded.empty:
        decoded["where"] = decoded["asi_file"].astype(str) + ":" + decoded["asi_row"].astype(str)
        decoded["decoded_preview"] = decoded["decoded_text"].map(
            lambda t: t if not isinstance(t, str) or len(t) <= 2000 else t[:2000] + " ..."
        )
    table = _table(
        decoded,
        [
            ("src_index", "Event"),
            ("where", "File:row"),
            ("column", "Column"),
            ("layer", "Layer"),
            ("depth", "Depth"),
            ("encoding", "Encoding"),
            ("file_type", "Type"),
            ("decoded_size", "Bytes"),
            ("sha256", "SHA-256"),
            ("encoded", "Encoded"),
            ("decoded_preview", "Decoded"),
            ("error", "Stopped by"),
        ],
        table_id="decoded-table",
        code=("encoded", "decoded_preview", "sha256"),
        numeric=("src_index", "depth", "decoded_size"),
    )
    return _section("decoded", "Decoded payloads", len(result.decoded), table)


def _ioc_section(result: TriageResult) -> str:
    iocs = result.iocs
    columns = [
        ("ioc_type", "Type"),
        ("observable", "Indicator"),
        ("events", "Events"),
        ("sources", "Found in"),
        ("columns", "Columns"),
        ("first_seen", "First seen"),
        ("last_seen", "Last seen"),
        ("first_row", "First row"),
    ]
    if "geo_status" in iocs.columns:
        columns += [("country_code", "Country"), ("city", "City"), ("organization", "Org")]
    if "vt_status" in iocs.columns:
        columns += [("vt_status", "VirusTotal"), ("vt_malicious", "Malicious")]
    table = _table(iocs, columns, table_id="iocs-table", code=("observable",), numeric=("events",))
    return _section("iocs", "Indicators of compromise", len(iocs), table)


def _enrichment_section(result: TriageResult) -> str:
    parts: list[str] = ["<h3>Geolocation</h3>"]
    iocs = result.iocs
    if "geo_status" in iocs.columns:
        ips = iocs[iocs["geo_status"].notna()]
        counts = ips["geo_status"].value_counts()
        parts.append(
            '<p id="geo-counts">'
            + (", ".join(f"{n:,} {html.escape(str(s))}" for s, n in counts.items()) or "No IPs")
            + " (private and local addresses are never looked up).</p>"
        )
        located = ips[ips["geo_status"] == "found"]
        parts.append(
            _table(
                located,
                [
                    ("observable", "IP"),
                    ("country_name", "Country"),
                    ("city", "City"),
                    ("latitude", "Lat"),
                    ("longitude", "Lon"),
                    ("asn", "ASN"),
                    ("organization", "Organisation"),
                    ("events", "Events"),
                ],
                table_id="geo-table",
            )
        )
    else:
        parts.append('<p class="empty">Geolocation did not run.</p>')
    if result.geo_note:
        parts.append(f'<p class="note">{_e(result.geo_note)}</p>')
    parts.append("<h3>VirusTotal</h3>")
    if "vt_status" in iocs.columns:
        asked = iocs[iocs["vt_status"].notna() & (iocs["vt_status"] != "skipped")]
        parts.append(
            _table(
                asked,
                [
                    ("ioc_type", "Type"),
                    ("observable", "Indicator"),
                    ("vt_status", "Status"),
                    ("vt_malicious", "Malicious"),
                    ("vt_suspicious", "Suspicious"),
                    ("vt_reputation", "Reputation"),
                    ("vt_permalink", "Link"),
                    ("vt_error", "Error"),
                ],
                table_id="vt-table",
            )
        )
    note = result.vt_note or "Not asked (run with --vt and a VirusTotal API key)."
    parts.append(f'<p class="note" id="vt-note">{_e(note)}</p>')
    return _section("enrichment", "Enrichment", None, "".join(parts))


def _patterns_section(result: TriageResult) -> str:
    rare = result.rare_patterns.copy()
    if not rare.empty:
        rare["where"] = rare["example_file"].astype(str) + ":" + rare["example_row"].astype(str)
    intro = (
        f"<p>{len(result.patterns):,} patterns in all; {len(rare):,} are rare (the rarest "
        "first). Every pattern is in clusters.csv.</p>"
    )
    table = _table(
        rare,
        [
            ("rarity_rank", "Rank"),
            ("events", "Events"),
            ("template", "Pattern"),
            ("first_seen", "First seen"),
            ("last_seen", "Last seen"),
            ("where", "Example file:row"),
        ],
        table_id="patterns-table",
        code=("template",),
        numeric=("rarity_rank", "events"),
    )
    return _section("patterns", "Rare patterns", len(rare), intro + table)


def _timeline(result: TriageResult, engine: TimelineEngine) -> tuple[str, str]:
    rare_ids = set(result.rare_patterns["pattern_id"].tolist())
    rare_rows = set(result.events.index[result.events["pattern_id"].isin(rare_ids)].tolist())
    decoded_rows = set(result.decoded["src_index"].dropna().astype(int).tolist())
    points = timeline_points(
        result.events,
        time_column=result.columns.time,
        host_column=result.columns.host,
        text_columns=result.columns.text,
        decoded_rows=decoded_rows,
        rare_rows=rare_rows,
    )
    head, body = timeline_html(points, engine=engine)
    legend = (
        '<p><span class="tag">grey: event</span> <span class="tag decoded">pink: decoded '
        'payload</span> <span class="tag bad">orange: rare pattern</span></p>'
    )
    return head, _section("timeline", "Timeline", len(points), legend + body)


def _attribution_section(result: TriageResult, data_attribution: Sequence[str]) -> str:
    lines = list(data_attribution)
    if result.geo_attribution:
        lines.append(result.geo_attribution)
    if result.vt_note:
        lines.append("Threat intelligence: VirusTotal (virustotal.com), under its terms of use.")
    lines.append(f"Report generated by asisdk {__version__}.")
    items = "".join(f"<li>{_e(line)}</li>" for line in lines)
    return _section("attribution", "Attribution", None, f"<ul>{items}</ul>")


def render_report(
    result: TriageResult,
    *,
    data_attribution: Sequence[str] = (),
    timeline: TimelineEngine = "auto",
    generated: dt.datetime | None = None,
) -> str:
    """Render the triage as one self-contained HTML page (no network, no CDN).

    Sections (their ``id``): ``summary``, ``input`` (files read, skipped rows and every
    problem), ``decoded``, ``iocs``, ``enrichment`` (geolocation, VirusTotal), ``patterns``
    (rare ones), ``timeline`` (interactive) and ``attribution``. Counted sections carry a
    ``data-count`` attribute and tables a ``data-rows`` attribute with the full count.

    Args:
        result: from :func:`run_triage`.
        data_attribution: credit lines of the input data (the bundled sample's licence).
        timeline: ``auto`` (bokeh when installed, else inline SVG), ``bokeh`` or ``svg``.
        generated: the time printed in the header (default: now).

    Returns:
        The HTML text.

    Examples:
        >>> from asisdk.data import sample_events_frame
        >>> from asisdk.pipeline import load_frame, run_triage
        >>> page = render_report(run_triage(load_frame(sample_events_frame())))
        >>> '<section id="iocs"' in page
        True
    """
    when = (generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M:%S UTC")
    timeline_head, timeline_section = _timeline(result, timeline)
    nav = "".join(f'<a href="#{s}">{s.capitalize()}</a>' for s in SECTIONS)
    body = [
        _summary_section(result),
        _input_section(result),
        _decoded_section(result),
        _ioc_section(result),
        _enrichment_section(result),
        _patterns_section(result),
        timeline_section,
        _attribution_section(result, data_attribution),
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>asisdk triage report</title><style>{_CSS}</style>{timeline_head}</head><body>"
        f"<header><h1>asisdk triage report</h1><p>Generated {when} from "
        f"{len(result.events):,} events.</p><nav>{nav}</nav></header>"
        f"<main>{''.join(body)}</main></body></html>"
    )
