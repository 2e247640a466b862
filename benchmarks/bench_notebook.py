"""Process trees and timelines of asisdk.notebook, side by side with msticpy, in one run.

Input: the real OTRF Sysmon 1 events bundled with asisdk (``asisdk.data``), replicated over
N hosts (each copy on its own host with its process ids shifted, so every tree links exactly
as the original) to 4,190 / 41,900 / 100,560 processes.

* process tree: ``asisdk.notebook.build_process_tree(df)`` against msticpy's
  ``build_process_tree(df, schema=SYSMON_PROCESS_CREATE_EVENT_SCH)`` (both link parents by
  host, process id and time, add parents not in the data, and give depth and tree order).
* timeline: building the bokeh timeline (grouped lanes, hover columns, range tool) with
  ``display_timeline(..., show=False)`` against msticpy's ``display_timeline(..., hide=True)``,
  then serialising it to standalone HTML (``bokeh.embed.file_html``) for both.

Each figure is the best of 3 runs, the two libraries timed back to back per size. The machine
has 2 cores shared with other work; the ratio is the number to read.

Run: ``python benchmarks/bench_notebook.py`` (needs ``bench_notebook.requirements.txt``;
without msticpy its columns say "not installed").
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd

from asisdk.data import sample_events_frame
from asisdk.notebook import build_process_tree, display_timeline, plot_html

SIZES = (10, 100, 240)  # host copies of the 419 Sysmon 1 events
COLUMNS = ["Hostname", "Image", "CommandLine"]
REPEATS = 3


def sysmon_frame(copies: int) -> pd.DataFrame:
    base = sample_events_frame()
    base = base[base["EventID"] == 1].reset_index(drop=True)
    frames = []
    for n in range(copies):
        frame = base.copy()
        frame["Hostname"] = frame["Hostname"] + f"-{n}"
        # distinct ids per copy too: msticpy keys processes by id and time, not by host
        for column in ("ProcessId", "ParentProcessId"):
            ids = pd.to_numeric(frame[column], errors="coerce") + n * 1_000_000
            frame[column] = ids.map(lambda v: "" if pd.isna(v) else str(int(v)))
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    # msticpy's Sysmon schema names: Computer, UtcTime
    frame["Computer"] = frame["Hostname"]
    frame["UtcTime"] = frame["TimeCreated"].dt.tz_convert(None)
    return frame


def best(function: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    try:
        from msticpy.transform.proc_tree_builder import build_process_tree as mp_tree
        from msticpy.transform.proc_tree_schema import SYSMON_PROCESS_CREATE_EVENT_SCH
        from msticpy.vis.timeline import display_timeline as mp_timeline
    except ImportError:
        mp_tree = mp_timeline = None  # type: ignore[assignment]
    from bokeh.embed import file_html
    from bokeh.resources import INLINE

    warnings.filterwarnings("ignore")
    print(f"{'what':<34}{'rows':>8}{'asisdk s':>11}{'msticpy s':>11}{'msticpy/asisdk':>16}")
    for copies in SIZES:
        frame = sysmon_frame(copies)
        ours_s, ours = best(lambda frame=frame: build_process_tree(frame, schema="sysmon"))
        line = f"{'process tree':<34}{len(frame):>8}{ours_s:>11.3f}"
        if mp_tree is not None:
            theirs_s, theirs = best(
                lambda frame=frame: mp_tree(frame, schema=SYSMON_PROCESS_CREATE_EVENT_SCH)
            )
            line += f"{theirs_s:>11.3f}{theirs_s / ours_s:>15.1f}x"
            line += f"   (processes: asisdk {int(ours['in_data'].sum())}, msticpy {len(theirs)})"
        else:
            line += f"{'not installed':>27}"
        print(line, flush=True)

        def ours_timeline(frame: pd.DataFrame = frame) -> str:
            plot = display_timeline(
                frame, time_column="UtcTime", group_by="SourceDataset",
                source_columns=COLUMNS, show=False,
            )  # fmt: skip
            return plot_html(plot)

        if len(frame) > 100_000:
            print(f"{'timeline':<34}{len(frame):>8}   (over asisdk's 100,000-row plot limit)")
            continue
        ours_s, _ = best(ours_timeline)
        line = f"{'timeline build + standalone HTML':<34}{len(frame):>8}{ours_s:>11.3f}"
        if mp_timeline is not None:

            def theirs_timeline(frame: pd.DataFrame = frame) -> str:
                plot = mp_timeline(
                    frame, time_column="UtcTime", group_by="SourceDataset",
                    source_columns=COLUMNS, hide=True,
                )  # fmt: skip
                return str(file_html(plot, resources=INLINE, title="timeline"))

            theirs_s, _ = best(theirs_timeline)
            line += f"{theirs_s:>11.3f}{theirs_s / ours_s:>15.1f}x"
        else:
            line += f"{'not installed':>27}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
