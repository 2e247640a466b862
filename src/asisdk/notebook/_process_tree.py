"""Process trees from Windows 4688 and Sysmon 1 events: a table, text and a bokeh plot."""

from __future__ import annotations

import bisect
from collections import defaultdict
from typing import Any, Final, Literal, get_args

import pandas as pd

from asisdk.errors import InvalidInputError, LimitExceededError
from asisdk.notebook._defaults import (
    MAX_TOOLTIP_CHARS,
    MAX_TREE_ROWS,
    PLOT_WIDTH,
    PROCESS_ROW_HEIGHT,
)
from asisdk.notebook._lazy import require
from asisdk.notebook._plots import BokehPlot, check_plot_rows, columns_of, show_plot
from asisdk.schema import (
    EVENT_HOST_COLUMNS,
    EVENT_TIME_COLUMNS,
    PROCESS_ROLES,
    ProcessFamily,
)

__all__ = [
    "build_process_tree",
    "display_process_tree",
    "plot_process_tree",
    "process_tree_text",
]

#: Which process-creation events a tree is built from: a family of
#: :data:`asisdk.schema.ProcessFamily`, or ``"auto"`` (Sysmon 1 when present).
Schema = Literal["auto", ProcessFamily]
_SCHEMAS: Final[tuple[str, ...]] = get_args(Schema)

#: Columns of the frame :func:`build_process_tree` returns, in order.
_TREE_COLUMNS = (
    "proc_key",
    "parent_key",
    "host",
    "process_id",
    "parent_process_id",
    "pid_inferred",
    "image",
    "process_name",
    "command_line",
    "account",
    "time",
    "event_id",
    "source_index",
    "in_data",
    "depth",
    "tree",
    "order",
)


def _pid(value: object) -> int | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not text or text == "-":
        return None
    try:
        return int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError:
        return None


def _column(rows: pd.DataFrame, names: tuple[str, ...]) -> pd.Series[Any]:
    """The first of ``names`` that holds a value, per row (blank and "-" count as missing)."""
    found = pd.Series(None, index=rows.index, dtype=object)
    for name in names:
        if name not in rows.columns:
            continue
        values = rows[name].astype(object)
        text = values.astype(str).str.strip()
        usable = values.notna() & ~text.isin(["", "-"])
        found = found.where(found.notna(), values.where(usable))
    return found


def _times(rows: pd.DataFrame) -> pd.Series[Any]:
    found = pd.Series(pd.NaT, index=rows.index, dtype="datetime64[ns, UTC]")
    for name in EVENT_TIME_COLUMNS:
        if name in rows.columns:
            parsed = pd.to_datetime(rows[name], utc=True, errors="coerce", format="mixed")
            found = found.fillna(parsed)
    return found


def _as_objects(values: pd.Series[Any]) -> list[Any]:
    """Python values with every kind of missing (NaN, NaT, NA) as ``None``."""
    objects = values.astype(object)
    return list(objects.where(objects.notna(), None).tolist())


def _pids(values: pd.Series[Any]) -> pd.Series[Any]:
    """:func:`_pid` of each value, parsing each distinct value once."""
    parsed = {value: _pid(value) for value in values.dropna().unique()}
    return values.map(parsed, na_action="ignore").astype("Int64")


def _guids(values: pd.Series[Any]) -> pd.Series[Any]:
    """Process GUIDs compared as Windows does: case-insensitive, braces optional."""
    return values.map(lambda v: str(v).strip().strip("{}").casefold(), na_action="ignore")


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and value != ""


def _basename(path: str | None) -> str:
    if not path:
        return "(unknown)"
    return str(path).replace("/", "\\").rsplit("\\", 1)[-1]


def _pick_schema(data: pd.DataFrame, schema: Schema) -> tuple[str, pd.DataFrame]:
    if schema not in _SCHEMAS:
        raise InvalidInputError(f"schema must be 'auto', 'sysmon' or 'security', not {schema!r}")
    if "EventID" in data.columns:
        ids = pd.to_numeric(data["EventID"], errors="coerce")
        if schema == "auto":
            # Sysmon 1 carries the process's own id; both describe the same processes, so
            # mixing them would list every process twice.
            schema = "sysmon" if bool((ids == 1).any()) else "security"
        wanted = 1 if schema == "sysmon" else 4688
        return schema, data[ids == wanted]
    if schema == "auto":
        schema = "security" if PROCESS_ROLES["security"].image[0] in data.columns else "sysmon"
    return schema, data


def build_process_tree(data: pd.DataFrame, *, schema: Schema = "auto") -> pd.DataFrame:
    """Link process-creation events into trees: one row per process, in depth-first order.

    Reads Sysmon event 1 rows (``ProcessId``, ``ParentProcessId``, ``Image``, ...) or Windows
    4688 rows (``NewProcessId``, creator ``ProcessId``, ``NewProcessName``, ...; hexadecimal
    ids are understood). With ``schema="auto"`` and both kinds present, Sysmon 1 is used,
    since both describe the same processes.

    A parent is the latest process with the parent id on the same host created at or before
    the child (ids are reused). A parent that is not in the data is added with
    ``in_data=False``. 4688 rows without ``NewProcessId`` (the OTRF/Mordor flattened layout)
    get their id from a child: the latest process on the host with the child's parent image
    and no id yet; ``pid_inferred`` marks them. Sysmon rows without ``ParentProcessId`` (the
    2019 OTRF layout has only ``ProcessGuid`` and ``ParentProcessGuid``) link by GUID, and a
    ``ParentProcessGuid`` of a process in the data links to it even when the ids do not.

    Args:
        data: events; other event ids are ignored.
        schema: ``"auto"``, ``"sysmon"`` or ``"security"``.

    Returns:
        A frame with the columns ``proc_key``, ``parent_key``, ``host``, ``process_id``,
        ``parent_process_id``, ``pid_inferred``, ``image``, ``process_name``,
        ``command_line``, ``account``, ``time``, ``event_id``, ``source_index``, ``in_data``,
        ``depth``, ``tree`` and ``order``: ``proc_key`` / ``parent_key`` link rows, ``depth``
        is 0 for roots, ``tree`` is the root's key, ``order`` the depth-first position, and
        ``source_index`` the row's index in ``data`` (``None`` for added parents).

    Examples:
        >>> from asisdk.data import sample_events_frame
        >>> tree = build_process_tree(sample_events_frame())
        >>> row = tree[tree.process_name.str.lower() == "whoami.exe"].iloc[0]
        >>> tree.set_index("proc_key").loc[row.parent_key, "process_name"].lower()
        'powershell.exe'

    Raises:
        InvalidInputError: ``data`` is not a DataFrame or has no process image column.
        LimitExceededError: more than 5,000,000 process events.
    """
    if not isinstance(data, pd.DataFrame):
        raise InvalidInputError(f"expected a pandas DataFrame, not {type(data).__name__}")
    chosen, rows = _pick_schema(data, schema)
    columns = PROCESS_ROLES["sysmon" if chosen == "sysmon" else "security"]
    if not any(c in data.columns for c in columns.image):
        raise InvalidInputError(
            f"no process image column ({' or '.join(columns.image)}) for the {chosen} schema"
        )
    if len(rows) > MAX_TREE_ROWS:
        raise LimitExceededError(
            f"{len(rows)} processes is more than {MAX_TREE_ROWS}; filter the frame first",
            limit="max_tree_rows",
            value=len(rows),
        )

    fields = {
        "host": _column(rows, EVENT_HOST_COLUMNS).fillna("").astype(str),
        "process_id": _pids(_column(rows, columns.pid)),
        "parent_process_id": _pids(_column(rows, columns.ppid)),
        "image": _column(rows, columns.image),
        "parent_image": _column(rows, columns.parent_image),
        "command_line": _column(rows, columns.command_line),
        "account": _column(rows, columns.account),
        "time": _times(rows),
        "event_id": _pids(_column(rows, ("EventID",))),
        "guid": _guids(_column(rows, columns.guid)),
        "parent_guid": _guids(_column(rows, columns.parent_guid)),
    }
    names = list(fields)
    lists = [_as_objects(fields[name]) for name in names]
    records = [
        {**dict(zip(names, values, strict=True)), "source_index": index}
        for index, *values in zip(rows.index, *lists, strict=True)
    ]
    records.sort(key=lambda r: (r["time"] is None, r["time"] or pd.Timestamp(0, tz="UTC")))
    return _link(records)


class _Linker:
    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.by_pid: dict[tuple[str, int], list[tuple[pd.Timestamp, int]]] = defaultdict(list)
        self.pidless: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.added: dict[tuple[str, int, str], int] = {}
        self.by_guid: dict[tuple[str, str], int] = {}

    def index_pid(self, node: int, pid: int) -> None:
        record = self.nodes[node]
        moment = record["time"] or pd.Timestamp(0, tz="UTC")
        entries = self.by_pid[(record["host"], pid)]
        bisect.insort(entries, (moment, node))

    def parent_of(self, record: dict[str, Any]) -> int | None:
        host, ppid = record["host"], record["parent_process_id"]
        guid = record.get("parent_guid")
        if guid is not None and (host, guid) in self.by_guid:
            return self.by_guid[(host, guid)]  # a GUID names one process: no id reuse
        if ppid is None:
            return self.parent_by_guid(record)
        moment = record["time"] or pd.Timestamp.max.tz_localize("UTC")
        entries = self.by_pid.get((host, ppid), [])
        earlier = [node for time, node in entries if time <= moment]
        if earlier:
            return earlier[-1]
        parent_image = str(record["parent_image"] or "").casefold()
        if parent_image:
            for node in reversed(self.pidless.get((host, parent_image), [])):
                candidate = self.nodes[node]
                if candidate["time"] is None or candidate["time"] <= moment:
                    candidate["process_id"] = ppid
                    candidate["pid_inferred"] = True
                    self.pidless[(host, parent_image)].remove(node)
                    self.index_pid(node, ppid)
                    return node
        key = (host, ppid, parent_image)
        if key not in self.added:
            self.added[key] = self.add(_missing_parent(host, record["parent_image"], pid=ppid))
        return self.added[key]

    def parent_by_guid(self, record: dict[str, Any]) -> int | None:
        """The parent named by ``ParentProcessGuid`` (added when not in the data), if any."""
        host, guid = record["host"], record.get("parent_guid")
        if guid is None:
            return None
        if (host, guid) not in self.by_guid:
            self.add(_missing_parent(host, record["parent_image"], guid=guid))
        return self.by_guid[(host, guid)]

    def add(self, record: dict[str, Any]) -> int:
        node = len(self.nodes)
        record.setdefault("pid_inferred", False)
        self.nodes.append(record)
        guid = record.get("guid")
        if guid is not None:
            # A GUID names one process; an added parent gives way to its own event.
            self.by_guid[(record["host"], guid)] = node
            if record["process_id"] is None:
                return node
        if record["process_id"] is not None:
            self.index_pid(node, record["process_id"])
        elif record["image"]:
            self.pidless[(record["host"], str(record["image"]).casefold())].append(node)
        return node


def _link(records: list[dict[str, Any]]) -> pd.DataFrame:
    linker = _Linker()
    for record in records:
        parent = linker.parent_of(record)
        record["in_data"] = True
        record["parent"] = parent
        linker.add(record)
    nodes = linker.nodes
    children: dict[int | None, list[int]] = defaultdict(list)
    for node, record in enumerate(nodes):
        children[record["parent"]].append(node)

    latest = pd.Timestamp.max.tz_localize("UTC")

    def first_time(node: int) -> pd.Timestamp:
        # Only added parents lack a time, and their children are all rows of the data.
        own: pd.Timestamp | None = nodes[node]["time"]
        if own is not None:
            return own
        kids = [nodes[k]["time"] for k in children.get(node, []) if nodes[k]["time"] is not None]
        return min(kids) if kids else latest

    out: list[dict[str, Any]] = []
    stack = [(root, 0, root) for root in sorted(children[None], key=first_time, reverse=True)]
    while stack:
        node, depth, root = stack.pop()
        record = nodes[node]
        # The record's own values, then the columns the walk computes.
        out.append(
            {name: record.get(name) for name in _TREE_COLUMNS}
            | {
                "proc_key": f"p{node}",
                "parent_key": None if record["parent"] is None else f"p{record['parent']}",
                "process_name": _basename(record["image"]),
                "depth": depth,
                "tree": f"p{root}",
                "order": len(out),
            }
        )
        kids = sorted(children.get(node, []), key=first_time, reverse=True)
        stack.extend((kid, depth + 1, root) for kid in kids)
    return pd.DataFrame(out, columns=list(_TREE_COLUMNS)).astype(
        {"process_id": "Int64", "parent_process_id": "Int64"}
    )


def process_tree_text(tree: pd.DataFrame, *, max_command_chars: int = 100) -> str:
    """The tree as indented text, one process a line, grouped by host.

    Args:
        tree: the output of :func:`build_process_tree` (or events, which are built first).
        max_command_chars: command lines are cut to this length.

    Examples:
        >>> from asisdk.data import sample_events_frame
        >>> frame = sample_events_frame()
        >>> text = process_tree_text(frame[frame.SourceDataset == "empire_launcher_vbs"])
        >>> print(text.splitlines()[2].strip()[:32])
        └─ wscript.exe [2440] 2020-09-04
    """
    if "proc_key" not in tree.columns:
        tree = build_process_tree(tree)
    lines: list[str] = []
    host = None
    for row in tree.to_dict("records"):
        depth = int(row["depth"])
        if depth == 0 and row["host"] != host:
            host = row["host"]
            lines.append(str(host or "(unknown host)"))
        pid = "?" if pd.isna(row["process_id"]) else str(row["process_id"])
        parts = [f"{'   ' * depth}└─ {row['process_name']} [{pid}]"]
        if not row["in_data"]:
            parts.append("(not in the data)")
        when = row["time"]
        if isinstance(when, pd.Timestamp) and not pd.isna(when):
            parts.append(when.strftime("%Y-%m-%d %H:%M:%S"))
        if _present(row["account"]):
            parts.append(str(row["account"]))
        if _present(row["command_line"]):
            command = str(row["command_line"])
            if len(command) > max_command_chars:
                command = command[:max_command_chars] + "..."
            parts.append(f"| {command}")
        lines.append(" ".join(parts))
    return "\n".join(lines)


def plot_process_tree(
    tree: pd.DataFrame, *, title: str = "Process tree", width: int = PLOT_WIDTH
) -> BokehPlot:
    """A bokeh plot of the tree: one process a row, indented by depth, hover for details.

    Raises:
        LimitExceededError: more than 100,000 processes (plot one host or tree at a time).
    """
    if "proc_key" not in tree.columns:
        tree = build_process_tree(tree)
    check_plot_rows(
        len(tree), "processes", "plot one tree or host at a time (the text view has no limit)"
    )
    plotting = require("bokeh.plotting")
    models = require("bokeh.models")
    frame = tree.copy()
    frame["x"] = frame["depth"].astype(float)
    frame["y"] = frame["order"].astype(float)
    frame["label"] = frame["process_name"]
    frame["pid"] = frame["process_id"].astype(str)
    frame["when"] = frame["time"].map(lambda t: "" if t is None or pd.isna(t) else t.isoformat())
    frame["cmd"] = frame["command_line"].map(
        lambda c: str(c)[:MAX_TOOLTIP_CHARS] if _present(c) else ""
    )
    frame["who"] = frame["account"].map(lambda a: str(a) if _present(a) else "")
    frame["colour"] = frame["in_data"].map(lambda seen: "#1f77b4" if seen else "#bbbbbb")
    position = frame.set_index("proc_key")[["x", "y"]]
    links = frame.dropna(subset=["parent_key"])
    x0 = position.loc[links["parent_key"], "x"].to_numpy()
    y0 = position.loc[links["parent_key"], "y"].to_numpy()
    # elbows: down from the parent, then across to the child
    elbows = {
        "xs": [[a, a, c] for a, c in zip(x0, links["x"].to_numpy(), strict=True)],
        "ys": [[b, d, d] for b, d in zip(y0, links["y"].to_numpy(), strict=True)],
    }
    depth = int(frame["depth"].max()) if len(frame) else 0
    plot = plotting.figure(
        title=f"{title} ({int(frame['in_data'].sum())} processes)",
        width=width,
        height=max(200, PROCESS_ROW_HEIGHT * len(frame) + 60),
        x_range=(-0.5, depth + 4),
        y_range=(len(frame), -1),
        tools="pan,wheel_zoom,reset,save",
    )
    plot.multi_line(xs="xs", ys="ys", source=models.ColumnDataSource(elbows), line_color="#999999")
    source = models.ColumnDataSource(
        columns_of(frame[["x", "y", "label", "pid", "when", "cmd", "who", "host", "colour"]])
    )
    dots = plot.scatter(x="x", y="y", source=source, size=10, color="colour")
    plot.text(
        x="x", y="y", text="label", source=source, x_offset=8, y_offset=6, text_font_size="9pt"
    )
    plot.add_tools(
        models.HoverTool(
            renderers=[dots],
            tooltips=[
                ("process", "@label [@pid]"),
                ("time", "@when"),
                ("account", "@who"),
                ("host", "@host"),
                ("command line", "@cmd"),
            ],
        )
    )
    plot.axis.visible = False
    plot.grid.visible = False
    return plot


def display_process_tree(
    data: pd.DataFrame,
    *,
    schema: Schema = "auto",
    as_text: bool = False,
    title: str = "Process tree",
    show: bool = True,
) -> Any:
    """Show the process tree of 4688 / Sysmon 1 events, as a bokeh plot or as text.

    Args:
        data: events (or a tree from :func:`build_process_tree`).
        schema: see :func:`build_process_tree`.
        as_text: print indented text instead of plotting (needs no bokeh).
        title: the plot title.
        show: show the result (``False`` only returns it).

    Returns:
        The text (``as_text=True``) or the bokeh plot.

    Examples:
        >>> from asisdk.data import sample_events_frame
        >>> text = display_process_tree(sample_events_frame(), as_text=True, show=False)
        >>> "comsvcs" in text.lower()
        True
    """
    tree = data if "proc_key" in data.columns else build_process_tree(data, schema=schema)
    if as_text:
        text = process_tree_text(tree)
        if show:
            print(text)
        return text
    plot = plot_process_tree(tree, title=title)
    if show:
        show_plot(plot)
    return plot


def _missing_parent(
    host: object, image: object, *, pid: object = None, guid: object = None
) -> dict[str, Any]:
    """The node of a parent that the events name but do not contain."""
    node: dict[str, Any] = {
        "host": host,
        "process_id": pid,
        "parent_process_id": None,
        "image": image,
        "command_line": None,
        "account": None,
        "time": None,
        "event_id": None,
        "source_index": None,
        "in_data": False,
        "parent": None,
    }
    if guid is not None:
        node["guid"] = guid
    return node
