"""``render_report``: the self-contained report.html of a triage."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from typing import Final

import pandas as pd

from asisdk import __version__
from asisdk.pipeline import _defaults
from asisdk.pipeline._findings import SIGMA_LEVELS, event_fields, flat_text
from asisdk.pipeline._summary import triage_summary
from asisdk.pipeline._timeline import TimelineEngine, timeline_data, timeline_html
from asisdk.pipeline._triage import TriageResult

__all__ = ["REPORT_FINDINGS", "SECTIONS", "render_report"]

#: The ``id`` of every section of report.html, in order.
SECTIONS: Final[tuple[str, ...]] = (
    "findings",
    "summary",
    "sigma",
    "decoded",
    "iocs",
    "enrichment",
    "patterns",
    "timeline",
    "events",
    "input",
    "attribution",
)

#: Findings shown in report.html unless ``top`` says otherwise (findings.csv has them all).
REPORT_FINDINGS: Final = 100

#: Events of each indicator or payload linked from its row (the rest are in ioc_hits.csv).
_LINKED_EVENTS: Final = 5

_CSS: Final = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1400px;
padding:0 1.5rem 3rem;color:#263238}
h1{margin-top:1.2rem}h2{border-bottom:2px solid #cfd8dc;padding-bottom:.2rem;margin-top:2rem}
nav a{margin-right:1rem}table{border-collapse:collapse;width:100%;font-size:.85rem}
th,td{border:1px solid #cfd8dc;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#eceff1;position:sticky;top:0}#findings-table{table-layout:fixed}
#findings-table th:nth-child(-n+2){width:3.5rem}#findings-table th:nth-child(7),
#findings-table th:nth-child(9){width:22%}td.num{text-align:right}
code,pre{font-family:ui-monospace,Consolas,monospace;font-size:.8rem;white-space:pre-wrap;
word-break:break-all}pre{max-height:18rem;overflow:auto;background:#fafafa;margin:.2rem 0}
dl.counts{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}
dl.counts dt{font-weight:600}.empty{color:#78909c}.note{color:#6d4c41}
#timeline-tip{position:absolute;background:#263238;color:#fff;padding:.3rem .5rem;
font-size:.75rem;white-space:pre-wrap;max-width:40rem;border-radius:3px;pointer-events:none}
.tag{display:inline-block;padding:0 .35rem;border-radius:3px;background:#eceff1;font-size:.75rem}
.tag.decoded{background:#f8bbd0}.tag.bad{background:#ffcdd2}
ul.why{margin:0;padding-left:1rem}code.cmd{display:block;white-space:normal}td{overflow-wrap:anywhere}tr:target{background:#fff9c4}
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
    markup: Sequence[str] = (),
    row_ids: Sequence[str] | None = None,
    max_rows: int = _defaults.REPORT_MAX_ROWS,
) -> str:
    count = len(frame) if total is None else total
    if frame.empty:
        return f'<p class="empty" id="{table_id}-empty">None.</p>'
    shown = frame.head(max_rows)
    head = "".join(f"<th>{html.escape(title)}</th>" for _, title in columns)

    def cell(name: str, value: object) -> str:
        if name in markup:
            return f"<td>{value if isinstance(value, str) else ''}</td>"
        if name in code:
            return f"<td><pre>{_e(value)}</pre></td>"
        return f'<td class="num">{_e(value)}</td>' if name in numeric else f"<td>{_e(value)}</td>"

    body: list[str] = []
    for position, record in enumerate(shown.to_dict("records")):
        cells = "".join(cell(name, record.get(name)) for name, _ in columns)
        row_id = f' id="{html.escape(row_ids[position])}"' if row_ids is not None else ""
        body.append(f"<tr{row_id}>{cells}</tr>")
    more = (
        f'<p class="note">Showing {len(shown):,} of {count:,} rows; the CSV file has them all.</p>'
        if count > len(shown)
        else ""
    )
    return (
        f'<table id="{table_id}" data-rows="{count}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>{more}"
    )


#: Longest command line shown in a table cell (the CSV files and events.parquet have it all):
#: a browser lays out a page of multi-kilobyte unbroken payloads slowly.
_CELL_CHARS: Final = 1500


#: ... and in the findings table (its event's row has more).
_SHORT_CHARS: Final = 400


def _long(text: object, limit: int = _CELL_CHARS) -> str:
    value = "" if text is None else str(text)
    if len(value) <= limit:
        return value
    return value[:limit] + f" ... ({len(value):,} characters; the CSV files have it all)"


def _section(section_id: str, title: str, count: int | None, content: str) -> str:
    data = f' data-count="{count}"' if count is not None else ""
    return f'<section id="{section_id}"{data}><h2>{html.escape(title)}</h2>{content}</section>'


class _Linked(set[object]):
    """The events the page links to (they make up its event table)."""

    def link(self, index: object, label: object = None) -> str:
        self.add(index)
        text = _e(label if label is not None else f"event {index}")
        return f'<a href="#event-{_e(index)}">{text}</a>'

    def links(self, indices: Sequence[object], total: int, more: str) -> str:
        shown = ", ".join(self.link(i, i) for i in indices[:_LINKED_EVENTS])
        rest = total - min(total, _LINKED_EVENTS)
        return shown + (f' <span class="note">+{rest:,} more ({more})</span>' if rest > 0 else "")


def _findings_section(result: TriageResult, top: int, linked: _Linked) -> str:
    findings = result.findings
    if findings.empty:
        return _section(
            "findings", "Findings", 0, '<p class="empty" id="findings-table-empty">None.</p>'
        )
    shown = findings.head(top).copy()
    reasons = result.finding_reasons
    by_rank: dict[object, list[str]] = {}
    if not reasons.empty:
        ranks = set(shown["rank"])
        for rank, kind, points, evidence in reasons[
            ["rank", "kind", "points", "evidence"]
        ].itertuples(index=False, name=None):
            if rank in ranks:
                extra = f" <b>+{int(points)}</b>" if points else ""
                by_rank.setdefault(rank, []).append(
                    f'<li><span class="tag">{_e(kind)}</span> {_e(evidence)}{extra}</li>'
                )
    shown["why"] = [f'<ul class="why">{"".join(by_rank.get(r, []))}</ul>' for r in shown["rank"]]
    shown["what"] = [
        f'<code class="cmd">{_e(_long(cmd or details, _SHORT_CHARS))}</code>'
        + (
            f'<br><code class="cmd">{_e(_long(details, _SHORT_CHARS))}</code>'
            if cmd and details
            else ""
        )
        for cmd, details in zip(shown["command_line"], shown["details"], strict=True)
    ]
    shown["parent"] = [
        f"<code>{_e(image)}</code>"
        + (f'<br><code class="cmd">{_e(_long(cmd, _SHORT_CHARS))}</code>' if cmd else "")
        for image, cmd in zip(shown["parent_image"], shown["parent_command_line"], strict=True)
    ]
    shown["link"] = [
        linked.link(i, f"{f}:{r}")
        + (f' <span class="note">x{n} (rows {_e(rows)})</span>' if n > 1 else "")
        for i, f, r, n, rows in zip(
            shown["event_index"],
            shown["asi_file"],
            shown["asi_row"],
            shown["events"],
            shown["asi_rows"],
            strict=True,
        )
    ]
    intro = (
        f"<p>{len(findings):,} findings, best first (findings.csv has them all). The score is "
        "the sum of the points of each reason; see the triage documentation for the weights."
        "</p>"
    )
    table = _table(
        shown,
        [
            ("rank", "Rank"),
            ("score", "Score"),
            ("time", "Time"),
            ("host", "Host"),
            ("user", "User"),
            ("image", "Image"),
            ("what", "Command line / details"),
            ("parent", "Parent"),
            ("why", "Why"),
            ("link", "Event"),
        ],
        table_id="findings-table",
        total=len(findings),
        numeric=("rank", "score"),
        markup=("what", "parent", "why", "link"),
        row_ids=[f"finding-{r}" for r in shown["rank"]],
        max_rows=top,
    )
    return _section("findings", "Findings", len(findings), intro + table)


def _sigma_section(result: TriageResult, linked: _Linked) -> str:
    matches = result.sigma_matches
    if matches is None:
        return _section("sigma", "Sigma matches", None, '<p class="empty">Sigma did not run.</p>')
    if matches.empty:
        return _section("sigma", "Sigma matches", 0, '<p class="empty">No rule matched.</p>')
    keys = ["rule_id", "title", "level", "technique", "author"]
    work = matches.assign(**{name: matches[name].map(flat_text) for name in keys})
    grouped = work.groupby(keys, sort=False, dropna=False)
    table = grouped["event_index"].agg(lambda s: list(s)).reset_index()
    table["events"] = table["event_index"].map(len)
    table["links"] = [
        linked.links(list(i), len(i), "every match is in findings.csv")
        for i in table["event_index"]
    ]
    table["_level"] = (
        table["level"].str.lower().map(lambda v: SIGMA_LEVELS.index(v) if v in SIGMA_LEVELS else -1)
    )
    table = table.sort_values(["_level", "events"], ascending=[False, True], kind="stable")
    content = _table(
        table,
        [
            ("level", "Level"),
            ("title", "Rule"),
            ("technique", "Technique"),
            ("author", "Author"),
            ("events", "Events"),
            ("links", "Matched events"),
        ],
        table_id="sigma-table",
        numeric=("events",),
        markup=("links",),
    )
    note = (
        '<p class="note">Sigma rules are the work of their authors (the Author column), '
        "shared under the Detection Rule License (DRL) 1.1.</p>"
    )
    return _section("sigma", "Sigma matches", len(matches), content + note)


def _summary_section(result: TriageResult) -> str:
    summary = triage_summary(result)
    items = [
        ("findings", "Findings"),
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


def _decoded_section(result: TriageResult, linked: _Linked) -> str:
    decoded = result.decoded
    table = decoded.iloc[0:0]
    if not decoded.empty:
        work = decoded.assign(
            _key=decoded["sha256"]
            .where(decoded["sha256"].notna(), decoded["decoded_text"])
            .astype(str)
            + "|"
            + decoded["encoding"].astype(str)
        )
        grouped = work.groupby("_key", sort=False)
        table = grouped.head(1).copy()
        events = grouped["src_index"].agg(lambda s: list(dict.fromkeys(s)))
        table["events"] = [len(events[k]) for k in table["_key"]]
        table["links"] = [
            linked.links(events[k], len(events[k]), "decoded.csv") for k in table["_key"]
        ]
        table["decoded_preview"] = table["decoded_text"].map(
            lambda t: t if not isinstance(t, str) or len(t) <= 2000 else t[:2000] + " ..."
        )
        table = table.sort_values(["depth", "events"], ascending=[True, False], kind="stable")
    content = _table(
        table,
        [
            ("events", "Events"),
            ("links", "Found in"),
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
        numeric=("events", "depth", "decoded_size"),
        markup=("links",),
    )
    intro = (
        f"<p>{len(decoded):,} decoded layers, {len(table):,} distinct: each is shown once with "
        "the events that hold it (decoded.csv has every layer of every event).</p>"
        if len(decoded)
        else ""
    )
    return _section("decoded", "Decoded payloads", len(decoded), intro + content)


def _ioc_section(result: TriageResult, linked: _Linked) -> str:
    iocs = result.iocs
    columns = [
        ("ioc_type", "Type"),
        ("observable", "Indicator"),
        ("events", "Events"),
        ("sources", "Found in"),
        ("columns", "Columns"),
        ("first_seen", "First seen"),
        ("last_seen", "Last seen"),
        ("links", "Events"),
    ]
    iocs = iocs.head(_defaults.REPORT_MAX_ROWS).copy()
    if len(iocs):
        hits = result.ioc_hits
        wanted = hits[hits["observable"].isin(set(iocs["observable"]))]
        events = wanted.groupby("observable", sort=False)["src_index"].agg(
            lambda s: list(dict.fromkeys(s))
        )
        iocs["links"] = [
            linked.links(events.get(o, []), int(n), "ioc_hits.csv")
            for o, n in zip(iocs["observable"], iocs["events"], strict=True)
        ]
    if "geo_status" in iocs.columns:
        columns += [("country_code", "Country"), ("city", "City"), ("organization", "Org")]
    if "vt_status" in iocs.columns:
        columns += [("vt_status", "VirusTotal"), ("vt_malicious", "Malicious")]
    table = _table(
        iocs,
        columns,
        table_id="iocs-table",
        total=len(result.iocs),
        code=("observable",),
        numeric=("events",),
        markup=("links",),
    )
    return _section("iocs", "Indicators of compromise", len(result.iocs), table)


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


def _patterns_section(result: TriageResult, linked: _Linked) -> str:
    rare = result.rare_patterns.head(_defaults.REPORT_MAX_ROWS).copy()
    if not rare.empty:
        rare["where"] = [
            linked.link(i, f"{f}:{r}")
            for i, f, r in zip(
                rare["example_index"], rare["example_file"], rare["example_row"], strict=True
            )
        ]
    intro = (
        f"<p>{len(result.patterns):,} patterns in all; {len(result.rare_patterns):,} are rare "
        "(the rarest first). A wildcard <code>&lt;*&gt;</code> never stands for a URL, a UNC "
        "path, an IP address or an encoded payload: those show as <code>&lt;url&gt;</code>, "
        "<code>&lt;unc&gt;</code>, <code>&lt;ip&gt;</code> and <code>&lt;payload&gt;</code> "
        "with their values under Exemplars. Every pattern is in clusters.csv.</p>"
    )
    table = _table(
        rare,
        [
            ("rarity_rank", "Rank"),
            ("events", "Events"),
            ("template", "Pattern"),
            ("example_host", "Host"),
            ("example_user", "User"),
            ("example_parent", "Parent"),
            ("example_text", "Example line"),
            ("exemplars", "Exemplars"),
            ("first_seen", "First seen"),
            ("where", "Example event"),
        ],
        table_id="patterns-table",
        total=len(result.rare_patterns),
        code=("template", "example_text", "exemplars", "example_parent"),
        numeric=("rarity_rank", "events"),
        markup=("where",),
    )
    return _section("patterns", "Rare patterns", len(result.rare_patterns), intro + table)


def _events_section(result: TriageResult, linked: _Linked) -> str:
    events = result.events
    wanted = [i for i in events.index if i in linked]
    subset = events.loc[wanted]
    fields = event_fields(subset, host_column=result.columns.host)
    table = fields.assign(
        event=[f"{i}" for i in wanted],
        where=(
            subset["asi_file"].astype(str) + ":" + subset["asi_row"].astype(str)
            if "asi_file" in subset.columns
            else ""
        ),
        time=subset[result.columns.time].to_numpy() if result.columns.time else None,
        what=[
            _long(c or d) for c, d in zip(fields["command_line"], fields["details"], strict=True)
        ],
    )
    findings = result.findings
    rank_of = (
        {} if findings.empty else dict(zip(findings["event_index"], findings["rank"], strict=True))
    )
    table["finding"] = [
        f'<a href="#finding-{rank_of[i]}">#{rank_of[i]}</a>' if i in rank_of else "" for i in wanted
    ]
    intro = (
        f"<p>The {len(wanted):,} events the tables above link to (events.parquet has all "
        f"{len(events):,}).</p>"
    )
    content = _table(
        table,
        [
            ("event", "Event"),
            ("where", "File:row"),
            ("record_id", "EventRecordID"),
            ("time", "Time"),
            ("event_id", "EventID"),
            ("host", "Host"),
            ("user", "User"),
            ("image", "Image"),
            ("what", "Command line / details"),
            ("parent_image", "Parent"),
            ("finding", "Finding"),
        ],
        table_id="events-table",
        code=("what",),
        markup=("finding",),
        row_ids=[f"event-{i}" for i in wanted],
        max_rows=len(table),
    )
    return _section("events", "Linked events", len(wanted), intro + content)


def _timeline(result: TriageResult, engine: TimelineEngine, top: int) -> tuple[str, str]:
    data = timeline_data(
        result.events,
        time_column=result.columns.time,
        host_column=result.columns.host,
        findings=result.findings,
        max_markers=top,
    )
    head, body = timeline_html(data, engine=engine)
    legend = (
        '<p><span class="tag">grey bars: events per time bin (every event counted)</span> '
        '<span class="tag bad">red: a finding</span></p>'
    )
    count = 0 if data is None else int(data["events"])
    return head, _section("timeline", "Timeline", count, legend + body)


def _attribution_section(result: TriageResult, data_attribution: Sequence[str]) -> str:
    lines = list(data_attribution)
    if result.geo_attribution:
        lines.append(result.geo_attribution)
    if result.vt_note:
        lines.append("Threat intelligence: VirusTotal (virustotal.com), under its terms of use.")
    matches = result.sigma_matches
    if matches is not None and len(matches) and "author" in matches.columns:
        authors = sorted({str(a) for a in matches["author"] if isinstance(a, str) and a})
        lines.append(
            "Sigma rules (Detection Rule License 1.1) by "
            + (", ".join(authors) if authors else "their authors")
            + "."
        )
    lines.append(f"Report generated by asisdk {__version__}.")
    items = "".join(f"<li>{_e(line)}</li>" for line in lines)
    return _section("attribution", "Attribution", None, f"<ul>{items}</ul>")


def render_report(
    result: TriageResult,
    *,
    data_attribution: Sequence[str] = (),
    timeline: TimelineEngine = "auto",
    generated: dt.datetime | None = None,
    top: int | None = None,
) -> str:
    """Render the triage as one self-contained HTML page (no network, no CDN).

    Sections (their ``id``): ``findings`` (ranked, each with its reasons and a link to its
    event), ``summary``, ``sigma`` (matches by rule, with the rule's author), ``decoded``
    (each distinct payload once, with its events), ``iocs`` (each with links to its events),
    ``enrichment`` (geolocation, VirusTotal), ``patterns`` (rare ones, with host, user and
    parent), ``timeline`` (binned, zoomable, findings marked), ``events`` (every event linked
    from above, ``id="event-N"``), ``input`` (files read, skipped rows and every problem) and
    ``attribution``. Counted sections carry a
    ``data-count`` attribute and tables a ``data-rows`` attribute with the full count.

    Args:
        result: from :func:`run_triage`.
        data_attribution: credit lines of the input data (the bundled sample's licence).
        timeline: ``auto`` or ``svg`` (inline SVG, axis breaks at long gaps) or ``bokeh``.
        generated: the time printed in the header (default: now).
        top: findings shown (default :data:`REPORT_FINDINGS`; findings.csv has them all).

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
    shown = REPORT_FINDINGS if top is None else top
    timeline_head, timeline_section = _timeline(result, timeline, shown)
    nav = "".join(f'<a href="#{s}">{s.capitalize()}</a>' for s in SECTIONS)
    linked = _Linked()
    sections = {
        "findings": _findings_section(result, shown, linked),
        "summary": _summary_section(result),
        "sigma": _sigma_section(result, linked),
        "decoded": _decoded_section(result, linked),
        "iocs": _ioc_section(result, linked),
        "enrichment": _enrichment_section(result),
        "patterns": _patterns_section(result, linked),
        "timeline": timeline_section,
        "input": _input_section(result),
        "attribution": _attribution_section(result, data_attribution),
    }
    sections["events"] = _events_section(result, linked)
    body = [sections[name] for name in SECTIONS]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>asisdk triage report</title><style>{_CSS}</style>{timeline_head}</head><body>"
        f"<header><h1>asisdk triage report</h1><p>Generated {when} from "
        f"{len(result.events):,} events.</p><nav>{nav}</nav></header>"
        f"<main>{''.join(body)}</main></body></html>"
    )
