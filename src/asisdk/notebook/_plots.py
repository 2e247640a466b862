"""Showing and saving bokeh plots: inline resources, so output works offline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from asisdk.errors import LimitExceededError
from asisdk.notebook._defaults import MAX_PLOT_ROWS
from asisdk.notebook._lazy import require

__all__ = ["BokehPlot", "check_plot_rows", "columns_of", "plot_html", "save_plot", "show_plot"]


#: A bokeh layout or figure (``bokeh.models.LayoutDOM``); typed loosely so that asisdk
#: type-checks the same with and without the optional bokeh installed.
BokehPlot = Any


def check_plot_rows(count: int, what: str, advice: str) -> None:
    """Refuse to plot more than ``MAX_PLOT_ROWS`` rows (``what``): a browser chokes on them."""
    if count > MAX_PLOT_ROWS:
        raise LimitExceededError(
            f"{count} {what} is more than a browser plots comfortably ({MAX_PLOT_ROWS}); {advice}",
            limit="max_plot_rows",
            value=count,
        )


def plot_html(plot: BokehPlot, *, title: str = "asisdk plot") -> str:
    """A standalone HTML page holding ``plot`` with bokeh's JavaScript inlined (no CDN).

    Examples:
        >>> from bokeh.plotting import figure
        >>> page = plot_html(figure(title="t"), title="demo")
        >>> page.startswith("<!DOCTYPE html>") and "cdn.bokeh.org" not in page
        True
    """
    embed = require("bokeh.embed")
    resources = require("bokeh.resources")
    page: str = embed.file_html(plot, resources=resources.INLINE, title=title)
    return page


def save_plot(plot: BokehPlot, path: str | Path, *, title: str = "asisdk plot") -> Path:
    """Write :func:`plot_html` of ``plot`` to ``path`` (UTF-8) and return the path."""
    target = Path(path)
    target.write_text(plot_html(plot, title=title), encoding="utf-8")
    return target


def show_plot(plot: BokehPlot) -> None:
    """Show ``plot`` in the notebook, loading bokeh's JavaScript inline on first use."""
    io = require("bokeh.io")
    resources = require("bokeh.resources")
    state = require("bokeh.io.state")
    if not state.curstate().notebook:
        io.output_notebook(resources=resources.INLINE, hide_banner=True)
    io.show(plot)


def columns_of(frame: pd.DataFrame) -> dict[str, Any]:
    """A frame's columns as arrays, the form ``ColumnDataSource`` takes without copying the
    frame or resetting its index."""
    return {str(column): frame[column].to_numpy() for column in frame.columns}
