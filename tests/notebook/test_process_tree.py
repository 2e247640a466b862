"""Process trees from the real OTRF events (Sysmon 1 and 4688) and from crafted rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from bokeh.models import ColumnDataSource

from _support.chromium import open_page, requires_chromium
from asisdk.errors import InvalidInputError
from asisdk.notebook import (
    build_process_tree,
    display_process_tree,
    plot_process_tree,
    process_tree_text,
    save_plot,
)
from notebook.test_timeline import RENDERED


def _parent_names(tree: pd.DataFrame) -> dict[str, str | None]:
    names = tree.set_index("proc_key")["process_name"].str.lower()
    return {
        str(row.process_name).lower(): (
            None if row.parent_key is None else str(names[row.parent_key])
        )
        for row in tree.itertuples()
        if row.in_data
    }


@pytest.fixture(scope="module")
def launcher(events: pd.DataFrame) -> pd.DataFrame:
    return events[events["SourceDataset"] == "empire_launcher_vbs"]


def test_sysmon_tree_of_the_vbs_launcher(launcher: pd.DataFrame) -> None:
    tree = build_process_tree(launcher)
    assert set(tree["event_id"].dropna()) == {1}  # auto prefers Sysmon when both are present
    parents = _parent_names(tree)
    assert parents["wscript.exe"] == "explorer.exe"
    assert parents["powershell.exe"] == "wscript.exe"
    assert parents["conhost.exe"] == "powershell.exe"
    assert parents["whoami.exe"] == "powershell.exe"
    assert parents["wmiprvse.exe"] == "svchost.exe"
    explorer = tree[tree["process_name"] == "explorer.exe"].iloc[0]
    assert not explorer["in_data"]
    assert explorer["process_id"] == 5728
    assert explorer["depth"] == 0
    assert tree.loc[tree["process_name"] == "whoami.exe", "depth"].iloc[0] == 3
    assert tree["order"].tolist() == list(range(len(tree)))


def test_security_4688_tree_infers_missing_process_ids(launcher: pd.DataFrame) -> None:
    tree = build_process_tree(launcher, schema="security")
    assert set(tree["event_id"].dropna()) == {4688}
    parents = _parent_names(tree)
    assert parents["powershell.exe"] == "wscript.exe"
    assert parents["whoami.exe"] == "powershell.exe"
    powershell = tree[tree["process_name"].str.lower() == "powershell.exe"].iloc[0]
    # 0x90c, the creator id of conhost and whoami, becomes powershell's own id
    assert powershell["process_id"] == 0x90C
    assert bool(powershell["pid_inferred"])


def test_the_whole_sample_links_every_process(events: pd.DataFrame) -> None:
    tree = build_process_tree(events)
    assert int(tree["in_data"].sum()) == int((events["EventID"] == 1).sum())
    assert tree["source_index"].dropna().astype(int).isin(events.index).all()
    lsass_dumpers = tree[tree["command_line"].fillna("").str.contains("comsvcs", case=False)]
    assert len(lsass_dumpers) > 0
    keys = set(tree["proc_key"])
    assert set(tree["parent_key"].dropna()) <= keys


def test_reused_process_ids_link_to_the_latest_earlier_process() -> None:
    rows = pd.DataFrame(
        [
            {"EventID": 1, "TimeCreated": "2024-01-01T10:00:00Z", "Hostname": "h",
             "ProcessId": "100", "ParentProcessId": "1", "Image": r"C:\a.exe"},
            {"EventID": 1, "TimeCreated": "2024-01-01T11:00:00Z", "Hostname": "h",
             "ProcessId": "100", "ParentProcessId": "1", "Image": r"C:\b.exe"},
            {"EventID": 1, "TimeCreated": "2024-01-01T10:30:00Z", "Hostname": "h",
             "ProcessId": "200", "ParentProcessId": "100", "Image": r"C:\child1.exe"},
            {"EventID": 1, "TimeCreated": "2024-01-01T11:30:00Z", "Hostname": "h",
             "ProcessId": "300", "ParentProcessId": "100", "Image": r"C:\child2.exe"},
            {"EventID": 1, "TimeCreated": "2024-01-01T11:30:00Z", "Hostname": "other",
             "ProcessId": "400", "ParentProcessId": "100", "Image": r"C:\child3.exe"},
        ]
    )  # fmt: skip
    parents = _parent_names(build_process_tree(rows))
    assert parents["child1.exe"] == "a.exe"
    assert parents["child2.exe"] == "b.exe"
    assert parents["child3.exe"] == "(unknown)"  # another host: a parent not in the data


def test_log_analytics_4688_layout_with_hex_ids() -> None:
    rows = pd.DataFrame(
        [
            {"EventID": 4688, "TimeGenerated": "2024-01-01T10:00:00Z", "Computer": "h",
             "NewProcessId": "0x10", "ProcessId": "0x4", "NewProcessName": r"C:\cmd.exe",
             "ParentProcessName": r"C:\explorer.exe", "CommandLine": "cmd /c whoami"},
            {"EventID": 4688, "TimeGenerated": "2024-01-01T10:00:01Z", "Computer": "h",
             "NewProcessId": "0x20", "ProcessId": "0x10", "NewProcessName": r"C:\whoami.exe",
             "ParentProcessName": r"C:\cmd.exe"},
        ]
    )  # fmt: skip
    tree = build_process_tree(rows)
    assert tree["process_id"].tolist() == [4, 16, 32]
    assert _parent_names(tree)["whoami.exe"] == "cmd.exe"
    assert not tree["pid_inferred"].any()


def test_text_tree_is_indented_by_depth(launcher: pd.DataFrame) -> None:
    text = process_tree_text(build_process_tree(launcher))
    lines = text.splitlines()
    assert lines[0] == "WORKSTATION5.theshire.local"
    assert lines[1].startswith("└─ explorer.exe [5728] (not in the data)")
    whoami = next(line for line in lines if "whoami.exe" in line)
    assert whoami.startswith("         └─ whoami.exe [9152] 2020-09-04 20:10:24 THESHIRE\\pgustavo")
    encoded = next(line for line in lines if "-enc" in line)
    assert encoded.endswith("...")  # long command lines are cut
    assert "nan" not in text
    assert display_process_tree(launcher, as_text=True, show=False) == text


def test_plot_has_one_point_per_process_and_one_link_per_child(launcher: pd.DataFrame) -> None:
    tree = build_process_tree(launcher)
    plot = plot_process_tree(tree)
    sources = list(plot.select({"type": ColumnDataSource}))
    sizes = sorted(len(next(iter(s.data.values()))) for s in sources)
    assert sizes == [int(tree["parent_key"].notna().sum()), len(tree)]


def test_bad_input_is_explained() -> None:
    with pytest.raises(InvalidInputError, match="DataFrame"):
        build_process_tree([{"EventID": 1}])  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="image"):
        build_process_tree(pd.DataFrame({"EventID": [1], "ProcessId": ["1"]}))
    with pytest.raises(InvalidInputError, match="schema"):
        build_process_tree(pd.DataFrame({"Image": ["x"]}), schema="linux")  # type: ignore[arg-type]


@requires_chromium
def test_process_tree_renders_in_chromium(events: pd.DataFrame, tmp_path: Path) -> None:
    plot = display_process_tree(events, show=False)
    report = open_page(save_plot(plot, tmp_path / "tree.html"), expression=RENDERED)
    assert report.errors == []
    assert report.value["canvases"] >= 1


def test_a_very_deep_chain_is_built_without_recursion() -> None:
    depth = 5000
    rows = pd.DataFrame(
        {
            "EventID": 1,
            "Hostname": "h",
            "TimeCreated": pd.date_range("2024-01-01", periods=depth, freq="s", tz="UTC"),
            "ProcessId": [str(n + 2) for n in range(depth)],
            "ParentProcessId": [str(n + 1) for n in range(depth)],
            "Image": [rf"C:\p{n}.exe" for n in range(depth)],
        }
    )
    tree = build_process_tree(rows)
    assert int(tree["depth"].max()) == depth  # the added root parent is at depth 0
    assert len(process_tree_text(tree).splitlines()) == depth + 2


def test_plotting_is_limited_but_building_is_not(
    events: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asisdk.errors import LimitExceededError
    from asisdk.notebook import _defaults, _plots

    # The plot limit is 100,000 processes; lowered here to 1,000 so that a few copies of
    # the real Sysmon events cross it (building 100,000 processes costs seconds).
    assert _defaults.MAX_PLOT_ROWS == 100_000
    limit = 1000
    monkeypatch.setattr(_plots, "MAX_PLOT_ROWS", limit)
    sysmon = events[events["EventID"] == 1]
    copies = limit // len(sysmon) + 2
    many = pd.concat(
        [sysmon.assign(Hostname=sysmon["Hostname"] + f"-{n}") for n in range(copies)],
        ignore_index=True,
    )
    tree = build_process_tree(many)
    assert int(tree["in_data"].sum()) == len(many) > limit
    with pytest.raises(LimitExceededError, match="one tree or host at a time") as raised:
        plot_process_tree(tree)
    assert f"({limit})" in str(raised.value)
