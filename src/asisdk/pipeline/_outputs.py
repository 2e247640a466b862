"""``write_report``: every output file of a triage in one folder."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import pandas as pd

from asisdk.pipeline._report import render_report
from asisdk.pipeline._stix import stix_bundle
from asisdk.pipeline._summary import TOP_FINDINGS
from asisdk.pipeline._timeline import TimelineEngine
from asisdk.pipeline._triage import TriageResult

__all__ = ["CSV_FORMULA_PREFIXES", "OUTPUT_FILES", "write_csv", "write_report"]

#: The files :func:`write_report` writes, in order.
OUTPUT_FILES: Final[tuple[str, ...]] = (
    "report.html",
    "findings.csv",
    "iocs.csv",
    "ioc_hits.csv",
    "decoded.csv",
    "clusters.csv",
    "events.parquet",
    "iocs.stix.json",
)


#: First characters that make a spreadsheet read a cell as a formula (CSV / formula injection).
CSV_FORMULA_PREFIXES: Final[tuple[str, ...]] = ("=", "+", "-", "@", "\t", "\r")


def _neutralise_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(CSV_FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv(
    frame: pd.DataFrame, path: str | os.PathLike[str], *, neutralise: bool = True
) -> Path:
    """Write ``frame`` to ``path`` as CSV, with formula-like text cells neutralised.

    Command lines and decoded payloads are attacker-controlled: a cell such as
    ``=HYPERLINK(...)`` or ``-cmd|' /c calc'!A1`` runs as a formula when the file is opened in
    a spreadsheet. Every *text* cell that begins with one of :data:`CSV_FORMULA_PREFIXES` is
    written with a leading ``'``, which spreadsheets show as text. Numbers (``-5`` in a numeric
    column) stay numbers, and the frame itself is not changed.

    Args:
        frame: the table to write (its index is not written).
        path: the file (replaced when it exists).
        neutralise: ``False`` writes text cells exactly as they are, e.g. for a tool that
            reads the CSV back and must see ``-enc ...`` unchanged (``asisdk triage
            --no-csv-neutralise``).

    Returns:
        The path written.

    Raises:
        OSError: the file cannot be written.

    Examples:
        >>> import pandas as pd
        >>> out = write_csv(pd.DataFrame({"cmd": ["=1+2", "ok"], "n": [-5, 3]}), "t.csv")  # doctest: +SKIP
        >>> print(open("t.csv").read())  # doctest: +SKIP
        cmd,n
        '=1+2,-5
        ok,3
    """  # noqa: E501
    out = frame
    if neutralise:
        text = [c for c in frame.columns if frame[c].dtype == object or frame[c].dtype == "string"]
        if text:
            out = frame.copy()
            for name in text:
                out[name] = out[name].map(_neutralise_cell, na_action="ignore")
    target = Path(path)
    out.to_csv(target, index=False)
    return target


def _parquet_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns as nullable strings: files mix numbers and text in one column."""
    out = frame.copy(deep=False)  # columns are replaced, never written in place
    for name in out.columns:
        if out[name].dtype == object:
            out[name] = (
                out[name]
                .map(lambda v: v if v is None or isinstance(v, str) else str(v), na_action="ignore")
                .astype("string")
            )
    out.columns = [str(c) for c in out.columns]
    return out


def write_report(
    result: TriageResult,
    out_dir: str | os.PathLike[str],
    *,
    data_attribution: Sequence[str] = (),
    timeline: TimelineEngine = "auto",
    neutralise_csv: bool = True,
    top: int = TOP_FINDINGS,
) -> tuple[TriageResult, dict[str, Path]]:
    """Write report.html, the CSV files, events.parquet and iocs.stix.json to ``out_dir``.

    Args:
        result: from :func:`run_triage` (and :func:`enrich_virustotal`).
        out_dir: the folder (created when missing; files in it are replaced).
        data_attribution: credit lines of the input data, shown in the report.
        timeline: the timeline engine (see :func:`render_report`).
        neutralise_csv: prefix text cells that a spreadsheet would run as a formula with
            ``'`` in every CSV file (see :func:`write_csv`); ``False`` writes them unchanged.
        top: findings shown in report.html (findings.csv has them all).

    Returns:
        ``(result, files)``: the result with the ``report`` stage timing added, and the path
        of every file written, by name (:data:`OUTPUT_FILES`).

    Raises:
        OSError: the folder or a file cannot be written.

    Examples:
        >>> from asisdk.data import sample_events_frame
        >>> from asisdk.pipeline import load_frame, run_triage
        >>> _, files = write_report(run_triage(load_frame(sample_events_frame())), "out")  # doctest: +SKIP
        >>> sorted(files)  # doctest: +SKIP
        ['clusters.csv', 'decoded.csv', 'events.parquet', 'ioc_hits.csv', 'iocs.csv', ...]
    """  # noqa: E501
    start = time.perf_counter()
    folder = Path(out_dir).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    files = {name: folder / name for name in OUTPUT_FILES}
    tables = {
        "findings.csv": result.findings,
        "iocs.csv": result.iocs,
        "ioc_hits.csv": result.ioc_hits,
        "decoded.csv": result.decoded,
        "clusters.csv": result.patterns,
    }
    for name, table in tables.items():
        write_csv(table, files[name], neutralise=neutralise_csv)
    _parquet_ready(result.events).to_parquet(files["events.parquet"], index=True)
    bundle = stix_bundle(result.iocs)
    # stix2's own pretty printer re-orders every key in Python and is slow on big bundles.
    pretty = json.dumps(json.loads(bundle.serialize()), indent=2, ensure_ascii=False)
    files["iocs.stix.json"].write_text(pretty, encoding="utf-8")
    page = render_report(result, data_attribution=data_attribution, timeline=timeline, top=top)
    files["report.html"].write_text(page, encoding="utf-8")
    # The page shows the stages before it; the returned result has the report's time too.
    timed = result.with_timing("report", time.perf_counter() - start, len(OUTPUT_FILES))
    return timed, {name: files[name] for name in OUTPUT_FILES}
