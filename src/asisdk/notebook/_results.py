"""HTML views of other packages' results (decode, cluster, Log Analytics) and their
registration with IPython.

Those result types live in layers below the notebook layer, which must not depend on
IPython; so their rich display is defined here and registered with the running IPython
shell's HTML formatter (per kernel, never globally) when :mod:`asisdk.notebook` is imported.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from asisdk.notebook._defaults import MAX_CELL_CHARS
from asisdk.notebook._lazy import current_shell

if TYPE_CHECKING:
    from asisdk.cluster import ClusterResult
    from asisdk.decode import Layer, Unpacked
    from asisdk.loganalytics import QueryResult

__all__ = [
    "format_cluster_result",
    "format_query_result",
    "format_unpacked",
    "register_html_formatters",
]

_STYLE = (
    "<style>.asisdk-unpacked{font-family:sans-serif}.asisdk-unpacked ul{margin:2px 0;"
    "padding-left:18px}.asisdk-mono{font-family:monospace;white-space:pre-wrap;"
    "word-break:break-all;background:#f6f6f6;padding:2px 4px}</style>"
)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return html.escape(text)
    return html.escape(text[:limit]) + f"... ({len(text) - limit} more characters)"


def _layer_html(layer: Layer, limit: int) -> str:
    facts = [
        f"<b>{html.escape(layer.index)}</b>",
        html.escape(layer.encoding),
        f"&rarr; {html.escape(layer.file_type)}",
        f"{len(layer.data)} bytes",
    ]
    if layer.file_name:
        facts.append(f"file {html.escape(layer.file_name)}")
    facts.append(f"sha256 <code>{html.escape(layer.sha256[:16])}...</code>")
    parts = [" ".join(facts)]
    if layer.error:
        parts.append(f"<div style='color:#c62828'>error: {html.escape(layer.error)}</div>")
    if layer.text is not None:
        parts.append(f"<div class='asisdk-mono'>{_cut(layer.text, limit)}</div>")
    return "".join(parts)


def format_unpacked(unpacked: Unpacked, *, max_chars: int = MAX_CELL_CHARS) -> str:
    """An HTML view of :func:`asisdk.decode.unpack`'s result: the decoded text, then the
    layers as a tree (encoding, file type, size, hash, decoded text of each).

    Args:
        unpacked: the result.
        max_chars: texts are cut to this many characters.

    Examples:
        >>> from asisdk.decode import unpack
        >>> view = format_unpacked(unpack("powershell -enc ZABpAHIAIABDADoAXAA="))
        >>> "base64" in view and "dir C:\\\\" in view
        True
    """
    children: dict[str | None, list[Layer]] = defaultdict(list)
    for layer in unpacked.layers:
        children[layer.parent].append(layer)

    summary = f"{len(unpacked.layers)} decoded layer{'s' if len(unpacked.layers) != 1 else ''}"
    parts = [_STYLE, "<div class='asisdk-unpacked'>", f"<b>Unpacked</b>: {summary}"]
    if unpacked.error:
        parts.append(f"<div style='color:#c62828'>error: {html.escape(unpacked.error)}</div>")
    parts.append(f"<div class='asisdk-mono'>{_cut(unpacked.text, max_chars)}</div>")
    parts.append(_tree_iteratively(children, max_chars) if unpacked.layers else "")
    parts.append("</div>")
    return "".join(parts)


def _tree_iteratively(children: dict[str | None, list[Layer]], limit: int) -> str:
    """Nested lists of layers, built without recursion (layers may nest 200 deep)."""
    out: list[str] = []
    stack: list[tuple[str, Layer | None]] = [("open", None)]
    while stack:
        action, layer = stack.pop()
        if action == "close-li":
            out.append("</li>")
        elif action == "close-ul":
            out.append("</ul>")
        else:
            parent = None if layer is None else layer.index
            if layer is not None:
                out.append(f"<li>{_layer_html(layer, limit)}")
                stack.append(("close-li", None))
            items = children.get(parent, [])
            if items:
                out.append("<ul>")
                stack.append(("close-ul", None))
                stack.extend(("open", item) for item in reversed(items))
    return "".join(out)


_CLUSTER_COLUMNS = ("ClusterId", "ClusterSize", "FirstEventTime", "LastEventTime", "Template")


def format_cluster_result(
    result: ClusterResult,
    *,
    columns: Sequence[str] | None = None,
    max_rows: int = 25,
    max_chars: int = 120,
) -> str:
    """An HTML view of :func:`asisdk.cluster.cluster_events`' result: the counts, then the
    summary rows smallest cluster first (unclustered and rare events are the ones to read).

    Args:
        result: the result.
        columns: input columns to show next to the cluster columns (default: the first
            three of ``CommandLine``, ``NewProcessName``, ``Image``, ``Account``,
            ``SubjectUserName``, ``User``, ``Computer``, ``Hostname`` that exist).
        max_rows: summary rows shown.
        max_chars: cells are cut to this many characters.

    Examples:
        >>> import pandas as pd
        >>> from asisdk.cluster import cluster_events
        >>> events = pd.DataFrame({"NewProcessName": ["C:\\\\w\\\\a.exe"] * 3,
        ...                        "CommandLine": ["a.exe -x"] * 3})
        >>> "1 cluster" in format_cluster_result(cluster_events(events, time_column=None))
        True
    """
    summary = result.summary
    if columns is None:
        preferred = (
            "CommandLine", "NewProcessName", "Image", "Account", "SubjectUserName", "User",
            "Computer", "Hostname",
        )  # fmt: skip
        columns = [c for c in preferred if c in summary.columns][:3]
    shown = [c for c in (*_CLUSTER_COLUMNS, *columns) if c in summary.columns]
    ordered = summary.sort_values("ClusterSize", kind="stable") if len(summary) else summary
    clusters = result.n_clusters
    header = (
        f"<b>ClusterResult</b> ({html.escape(result.method)}): {len(result.labels)} events, "
        f"{clusters} cluster{'s' if clusters != 1 else ''}, "
        f"{result.n_unclustered} unclustered; {len(summary)} summary rows"
    )
    more = len(summary) - max_rows
    footer = f"<div><i>{more} more rows in result.summary</i></div>" if more > 0 else ""
    body = _small_table(ordered[shown], max_rows, max_chars)
    return f"<div class='asisdk-clusters'>{header}{body}{footer}</div>"


_STATUS_COLOURS = {"success": "#2e7d32", "partial": "#ef6c00", "failure": "#c62828"}


def _cut_value(value: object, limit: int) -> object:
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "..."
    return value


def _small_table(frame: pd.DataFrame, max_rows: int, max_chars: int) -> str:
    shown = frame.head(max_rows).copy()
    for column in shown.columns:
        if shown[column].dtype == object or pd.api.types.is_string_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: _cut_value(v, max_chars))
    return str(shown.to_html(index=False, escape=True, na_rep="", border=0))


def format_query_result(result: QueryResult, *, max_rows: int = 10, max_chars: int = 120) -> str:
    """An HTML view of a query's outcome: a status badge, rows, time range, the error and
    hints when there are any, the chunks of a split query, and the first rows.

    Args:
        result: the result (Log Analytics or a local data source).
        max_rows: rows of the primary table shown.
        max_chars: cells are cut to this many characters.

    Examples:
        >>> from asisdk.loganalytics import QueryResult, QueryStatus
        >>> "failure" in format_query_result(QueryResult(status=QueryStatus.FAILURE))
        True
    """
    colour = _STATUS_COLOURS.get(result.status.value, "#616161")
    facts = [
        f"<span style='background:{colour};color:white;padding:1px 6px;border-radius:3px'>"
        f"{html.escape(result.status.value)}</span>",
        f"{result.row_count} rows",
    ]
    if result.truncated:
        facts.append("<b>truncated by the service's limit</b>")
    if result.timespan is not None:
        facts.append(
            f"{html.escape(result.timespan.start.isoformat())} &ndash; "
            f"{html.escape(result.timespan.end.isoformat())}"
        )
    parts = ["<div class='asisdk-query-result'>", f"<b>QueryResult</b> {' · '.join(facts)}"]
    if result.query:
        parts.append(f"<div><code>{_cut(result.query, 300)}</code></div>")
    if result.error is not None:
        error = result.error
        ids = (
            f" (correlation id {html.escape(error.correlation_id)})" if error.correlation_id else ""
        )
        parts.append(
            f"<div style='color:#c62828'>{html.escape(error.code)}: "
            f"{html.escape(error.message)}{ids}</div>"
        )
    for hint in result.hints:
        parts.append(f"<div><i>hint: {html.escape(hint)}</i></div>")
    if result.unapplied_parameters:
        names = ", ".join(result.unapplied_parameters)
        parts.append(f"<div><i>parameters not applied: {html.escape(names)}</i></div>")
    if result.chunks:
        chunks = pd.DataFrame(
            [
                {
                    "chunk": c.index,
                    "start": c.timespan.start,
                    "end": c.timespan.end,
                    "status": c.status.value,
                    "rows": c.row_count,
                    "error": c.error.message if c.error else "",
                }
                for c in result.chunks
            ]
        )
        parts.append(
            f"<details><summary>{len(result.chunks)} chunks, {len(result.failed_chunks)} failed"
            f"</summary>{_small_table(chunks, len(chunks), max_chars)}</details>"
        )
    if result.row_count:
        parts.append(_small_table(result.to_frame(), max_rows, max_chars))
        if result.row_count > max_rows:
            parts.append(
                f"<div><i>{result.row_count - max_rows} more rows: result.to_frame()</i></div>"
            )
    parts.append("</div>")
    return "".join(parts)


# (module, class name): registered by name, so neither IPython nor the other packages (and
# scikit-learn behind the cluster package) are imported until such a result is displayed.
_FORMATTERS: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
    ("asisdk.decode._model", "Unpacked", format_unpacked),
    ("asisdk.cluster._result", "ClusterResult", format_cluster_result),
    ("asisdk.loganalytics._result", "QueryResult", format_query_result),
)


def register_html_formatters(shell: object | None = None) -> bool:
    """Show asisdk results (``Unpacked``, ...) as HTML in ``shell`` (default: the running one).

    Called by ``import asisdk.notebook``; call it again in a new shell. Returns whether a
    shell was found.
    """
    target = shell if shell is not None else current_shell()
    formatter = getattr(getattr(target, "display_formatter", None), "formatters", {}).get(
        "text/html"
    )
    if formatter is None:
        return False
    for module, name, function in _FORMATTERS:
        formatter.for_type_by_name(module, name, function)
    return True
