"""``df.asi`` forwards to the library functions."""

from __future__ import annotations

import pandas as pd

import asisdk.notebook
from asisdk.data import sample_alert_rows
from asisdk.entities import Alert, Event


def test_events_and_alerts(events: pd.DataFrame) -> None:
    parsed = events.head(5).asi.events()
    assert all(isinstance(e, Event) for e in parsed)
    assert [e.event_id for e in parsed] == events.head(5)["EventID"].tolist()
    alerts = pd.DataFrame(sample_alert_rows()).asi.alerts()
    assert all(isinstance(a, Alert) for a in alerts)
    assert len(alerts) == len(sample_alert_rows())


def test_plots_and_trees_match_the_functions(events: pd.DataFrame) -> None:
    tree = events.asi.process_tree(schema="security")
    pd.testing.assert_frame_equal(
        tree, asisdk.notebook.build_process_tree(events, schema="security")
    )
    text = events.asi.display_process_tree(as_text=True, show=False)
    assert text == asisdk.notebook.process_tree_text(asisdk.notebook.build_process_tree(events))
    layout = events.asi.timeline(time_column="TimeCreated", group_by="Hostname", show=False)
    assert sorted(layout.children[0].y_range.factors) == sorted(events["Hostname"].unique())
    bars = events.asi.timeline_duration(
        group_by="SourceDataset", time_column="TimeCreated", show=False
    )
    assert len(bars.y_range.factors) == events["SourceDataset"].nunique()
