"""Pickers: :class:`SelectItem`, :class:`SelectAlert` and :class:`SelectSubset`."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from asisdk.entities import Alert
from asisdk.errors import InvalidInputError
from asisdk.notebook._base import Widget, ipywidgets
from asisdk.notebook._defaults import SELECT_ROWS, WIDGET_WIDTH
from asisdk.notebook._lazy import require

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SelectAlert", "SelectItem", "SelectSubset"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_T = TypeVar("_T")


def _labelled(options: Sequence[_T] | Mapping[str, _T]) -> dict[str, _T]:
    if isinstance(options, Mapping):
        return {str(label): value for label, value in options.items()}
    if isinstance(options, str | bytes):
        raise InvalidInputError("options must be a list or a dict, not a single string")
    labelled: dict[str, _T] = {}
    for item in options:
        labelled.setdefault(str(item), item)
    return labelled


def _matches(label: str, text: str) -> bool:
    return not text or text.casefold() in label.casefold()


class SelectItem(Widget, Generic[_T]):
    """Pick one item from a list (labels are the items) or a dict (label -> value).

    A filter box above the list narrows it to labels containing the typed text. When
    ``action`` is given it is called with the selected value on every selection; what it
    returns is kept in :attr:`action_result` and shown under the list.

    Args:
        options: the items, or a mapping of label to value.
        description: the label above the list.
        action: called with the selected value when the selection changes.
        value: the label selected at first.
        show_filter: show the filter box.

    Examples:
        >>> pick = SelectItem({"Production": "prod-ws", "Lab": "lab-ws"})
        >>> pick.select("Lab")
        >>> pick.value
        'lab-ws'

    Raises:
        InvalidInputError: ``value`` is not one of the labels.
    """

    def __init__(
        self,
        options: Sequence[_T] | Mapping[str, _T],
        *,
        description: str = "Select an item",
        action: Callable[[_T], object] | None = None,
        value: str | None = None,
        show_filter: bool = True,
    ) -> None:
        self._options = _labelled(options)
        self._action = action
        self.action_result: object = None
        w = ipywidgets()
        self._filter = w.Text(description="Filter", layout=w.Layout(width=WIDGET_WIDTH))
        self._select = w.Select(
            options=list(self._options),
            value=None,
            rows=min(SELECT_ROWS, max(1, len(self._options))),
            layout=w.Layout(width=WIDGET_WIDTH),
        )
        self._output = w.Output()
        children = [w.HTML(f"<b>{html.escape(description)}</b>")]
        if show_filter:
            children.append(self._filter)
        self.widget = w.VBox([*children, self._select, self._output])
        self._filter.observe(self._on_filter, names="value")
        self._select.observe(self._on_select, names="value")
        if value is not None:
            self.select(value)

    @property
    def label(self) -> str | None:
        """The selected label, or ``None``."""
        selected = self._select.value
        return None if selected is None else str(selected)

    @property
    def value(self) -> _T | None:
        """The selected value (the item itself for a list), or ``None``."""
        label = self.label
        return None if label is None else self._options[label]

    @property
    def options(self) -> list[str]:
        """The labels shown now (after filtering)."""
        return [str(o) for o in self._select.options]

    def select(self, label: str) -> None:
        """Select the item with this label (clearing a filter that hides it).

        Raises:
            InvalidInputError: no item has this label.
        """
        if label not in self._options:
            raise InvalidInputError(f"{label!r} is not one of the options")
        if label not in self._select.options:
            self._filter.value = ""
        self._select.value = label

    def filter(self, text: str) -> None:
        """Show only labels that contain ``text`` (case-insensitive)."""
        self._filter.value = text

    def _on_filter(self, change: dict[str, Any]) -> None:
        current = self._select.value
        shown = [label for label in self._options if _matches(label, str(change["new"]))]
        self._select.options = shown
        self._select.value = current if current in shown else None

    def _on_select(self, change: dict[str, Any]) -> None:
        if change["new"] is None or self._action is None:
            return
        self.action_result = self._action(self._options[str(change["new"])])
        self._output.clear_output()
        if self.action_result is not None:
            with self._output:
                require("IPython.display").display(self.action_result)


def _alert_label(alert: Alert) -> str:
    start, _ = alert.time_window
    when = start.strftime("%Y-%m-%d %H:%M:%S") if start else "(no time)"
    severity = alert.severity.value if alert.severity else "-"
    ident = (alert.system_alert_id or "")[:12]
    return f"{when}  {severity:<13} {alert.display_name or 'Alert'}  [{ident}]"


class SelectAlert(Widget):
    """Pick one alert from a ``SecurityAlert`` DataFrame or a list of :class:`Alert`.

    Each line shows start time, severity, name and the start of the alert id; the filter box
    matches any of those. :attr:`selected_alert` is the chosen :class:`Alert`, and the widget
    is a query parameter provider for it (``query_params()`` is the alert's).

    Args:
        alerts: a DataFrame of ``SecurityAlert`` rows, or alerts.
        action: called with the chosen :class:`Alert` (for instance ``display_alert``).
        description: the label above the list.

    Examples:
        >>> from asisdk.data import sample_alerts
        >>> picker = SelectAlert(sample_alerts())
        >>> picker.filter("lsass")
        >>> picker.select_index(0)
        >>> picker.selected_alert.severity.value
        'High'

    Raises:
        EntityError: a row cannot be read as an alert.
    """

    def __init__(
        self,
        alerts: pd.DataFrame | Iterable[Alert],
        *,
        action: Callable[[Alert], object] | None = None,
        description: str = "Select an alert",
    ) -> None:
        if hasattr(alerts, "to_dict") and hasattr(alerts, "columns"):
            parsed = [Alert.from_sentinel(row) for row in alerts.to_dict("records")]
        else:
            parsed = list(alerts)
            if not all(isinstance(a, Alert) for a in parsed):
                raise InvalidInputError("alerts must be a DataFrame or a list of Alert objects")
        parsed.sort(key=lambda a: a.time_window[0] or a.time_generated or _EPOCH, reverse=True)
        labelled: dict[str, Alert] = {}
        for alert in parsed:
            label = _alert_label(alert)
            while label in labelled:  # two alerts that print alike stay distinct
                label += " "
            labelled[label] = alert
        self._picker: SelectItem[Alert] = SelectItem(
            labelled, description=description, action=action
        )
        self.widget = self._picker.widget

    @property
    def alerts(self) -> list[Alert]:
        """Every alert offered, newest first."""
        return list(self._picker._options.values())

    @property
    def options(self) -> list[str]:
        """The lines shown now (after filtering)."""
        return self._picker.options

    @property
    def selected_alert(self) -> Alert | None:
        """The chosen alert, or ``None``."""
        return self._picker.value

    @property
    def action_result(self) -> object:
        """What ``action`` returned for the current selection."""
        return self._picker.action_result

    def filter(self, text: str) -> None:
        """Show only alerts whose line contains ``text``."""
        self._picker.filter(text)

    def select_index(self, position: int) -> None:
        """Select the alert at ``position`` among those shown now.

        Raises:
            InvalidInputError: no alert is shown at that position.
        """
        shown = self._picker.options
        if not -len(shown) <= position < len(shown):
            raise InvalidInputError(f"no alert at position {position}; {len(shown)} are shown")
        self._picker.select(shown[position])

    def select_id(self, system_alert_id: str) -> None:
        """Select the alert with this ``system_alert_id``.

        Raises:
            InvalidInputError: no alert has that id.
        """
        for label, alert in self._picker._options.items():
            if (alert.system_alert_id or "").casefold() == system_alert_id.casefold():
                self._picker.select(label)
                return
        raise InvalidInputError(f"no alert has system_alert_id {system_alert_id!r}")

    def query_params(self) -> dict[str, object]:
        """The selected alert's query parameters (empty when none is selected)."""
        alert = self.selected_alert
        return alert.query_params() if alert is not None else {}


class SelectSubset(Widget):
    """Choose a subset of items with two lists and add / remove buttons.

    Args:
        source_items: the items to choose from (shown by ``str()``; duplicates dropped).
        default_selected: items selected at first.
        description: the label above the lists.

    Examples:
        >>> subset = SelectSubset(["4624", "4625", "4688"], default_selected=["4688"])
        >>> subset.add(["4624"])
        >>> subset.selected_items
        ['4624', '4688']

    Raises:
        InvalidInputError: a default or added item is not among the source items.
    """

    def __init__(
        self,
        source_items: Iterable[object],
        *,
        default_selected: Iterable[object] = (),
        description: str = "Select items",
    ) -> None:
        self._items = list(dict.fromkeys(str(i) for i in source_items))
        self._chosen: list[str] = []
        w = ipywidgets()
        self._filter = w.Text(description="Filter")
        self._source = w.SelectMultiple(options=self._items, rows=SELECT_ROWS)
        self._selected = w.SelectMultiple(options=[], rows=SELECT_ROWS)
        buttons = {
            "Add >": lambda _: self.add(self._source.value),
            "< Remove": lambda _: self.remove(self._selected.value),
            "Add all >>": lambda _: self.add_all(),
            "<< Remove all": lambda _: self.remove_all(),
        }
        column = []
        for text, callback in buttons.items():
            button = w.Button(description=text)
            button.on_click(callback)
            column.append(button)
        self.widget = w.VBox(
            [
                w.HTML(f"<b>{html.escape(description)}</b>"),
                self._filter,
                w.HBox([self._source, w.VBox(column), self._selected]),
            ]
        )
        self._filter.observe(lambda _: self._refresh(), names="value")
        self.add(default_selected)

    @property
    def selected_items(self) -> list[str]:
        """The chosen items, in source order."""
        return list(self._chosen)

    @property
    def value(self) -> list[str]:
        """The same as :attr:`selected_items`."""
        return self.selected_items

    def add(self, items: Iterable[object]) -> None:
        """Add items to the selection.

        Raises:
            InvalidInputError: an item is not among the source items.
        """
        wanted = {str(i) for i in items}
        unknown = wanted - set(self._items)
        if unknown:
            raise InvalidInputError(f"not among the source items: {sorted(unknown)}")
        chosen = set(self._chosen) | wanted
        self._chosen = [i for i in self._items if i in chosen]
        self._refresh()

    def remove(self, items: Iterable[object]) -> None:
        """Remove items from the selection (unknown ones are ignored)."""
        dropped = {str(i) for i in items}
        self._chosen = [i for i in self._chosen if i not in dropped]
        self._refresh()

    def add_all(self) -> None:
        """Select every item that the filter shows."""
        self.add(self._source.options)

    def remove_all(self) -> None:
        """Empty the selection."""
        self._chosen = []
        self._refresh()

    def filter(self, text: str) -> None:
        """Show only source items that contain ``text``."""
        self._filter.value = text

    def _refresh(self) -> None:
        text = str(self._filter.value)
        self._source.options = [
            i for i in self._items if i not in self._chosen and _matches(i, text)
        ]
        self._selected.options = list(self._chosen)
