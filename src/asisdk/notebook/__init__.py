"""The notebook layer: widgets, rich display, timelines, process trees and ``df.asi``.

Needs the ``notebook`` extra (``pip install 'asisdk[notebook]'``: ipywidgets, IPython,
bokeh). Those libraries are imported only when a widget is created or a plot is drawn, so
importing this package is cheap and ``import asisdk`` never imports it.

Importing this package registers the ``df.asi`` pandas accessor (:class:`AsiAccessor`) and,
inside IPython, HTML views of asisdk results (``Unpacked``, ``ClusterResult``,
``QueryResult``) with the running shell (:func:`register_html_formatters`).

Examples:
    >>> from asisdk.notebook import QueryTime
    >>> window = QueryTime(units="hour", before=2, after=1, origin="2024-05-01T12:00:00Z")
    >>> window.timespan.duration
    datetime.timedelta(seconds=10800)
"""

from __future__ import annotations

from asisdk.notebook._accessor import AsiAccessor
from asisdk.notebook._display import (
    display_alert,
    display_event,
    display_html,
    entity_table_html,
    format_alert,
    format_event,
)
from asisdk.notebook._map import plot_map
from asisdk.notebook._plots import plot_html, save_plot, show_plot
from asisdk.notebook._process_tree import (
    build_process_tree,
    display_process_tree,
    plot_process_tree,
    process_tree_text,
)
from asisdk.notebook._prompt_widgets import GetEnvironmentKey, OptionButtons, Progress
from asisdk.notebook._results import (
    format_cluster_result,
    format_query_result,
    format_unpacked,
    register_html_formatters,
)
from asisdk.notebook._select_widgets import SelectAlert, SelectItem, SelectSubset
from asisdk.notebook._state import WidgetState
from asisdk.notebook._time_widgets import Lookback, QueryTime
from asisdk.notebook._timeline import display_timeline, display_timeline_duration

__all__ = [
    "AsiAccessor",
    "GetEnvironmentKey",
    "Lookback",
    "OptionButtons",
    "Progress",
    "QueryTime",
    "SelectAlert",
    "SelectItem",
    "SelectSubset",
    "WidgetState",
    "build_process_tree",
    "display_alert",
    "display_event",
    "display_html",
    "display_process_tree",
    "display_timeline",
    "display_timeline_duration",
    "entity_table_html",
    "format_alert",
    "format_cluster_result",
    "format_event",
    "format_query_result",
    "format_unpacked",
    "plot_html",
    "plot_map",
    "plot_process_tree",
    "process_tree_text",
    "register_html_formatters",
    "save_plot",
    "show_plot",
]

register_html_formatters()
