"""Widget values that survive re-running the cell that creates the widget.

Why this design: msticpy keeps such values in a module-level dictionary, which every kernel
sharing the interpreter (and every test) sees, and which grows for ever. Here the values live
in a :class:`WidgetState` object owned by whoever runs the notebook:

* in IPython / Jupyter, one ``WidgetState`` per shell, stored in the shell's user namespace
  under a hidden name (``%who`` does not list it). Its lifetime is the kernel's namespace:
  ``%reset`` or a kernel restart forgets widget values, as a user would expect, and two
  kernels (or two shells in one process, as tests make) never see each other's values;
* outside IPython nothing is remembered unless the caller passes ``state=WidgetState()``
  explicitly, so scripts and tests are deterministic.

Values are keyed by the widget class and the arguments it was created with, so two cells
that create ``QueryTime(units="day")`` and ``QueryTime(units="hour")`` keep separate values.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from asisdk.notebook._defaults import MAX_REMEMBERED_WIDGETS, STATE_NAME
from asisdk.notebook._lazy import current_shell

__all__ = ["WidgetState", "resolve_state", "widget_key"]


class WidgetState:
    """Remembered widget values of one kernel (or one explicit session), oldest forgotten first.

    Examples:
        >>> state = WidgetState()
        >>> state.save(("QueryTime", "units='day'"), {"before": 3})
        >>> state.load(("QueryTime", "units='day'"))
        {'before': 3}
    """

    def __init__(self, *, max_widgets: int = MAX_REMEMBERED_WIDGETS) -> None:
        self._values: OrderedDict[tuple[str, ...], dict[str, Any]] = OrderedDict()
        self._max = max_widgets

    def load(self, key: tuple[str, ...]) -> dict[str, Any]:
        """A copy of the values saved under ``key`` (empty if none)."""
        values = self._values.get(key)
        if values is None:
            return {}
        self._values.move_to_end(key)
        return dict(values)

    def save(self, key: tuple[str, ...], values: Mapping[str, Any]) -> None:
        """Merge ``values`` into those saved under ``key``."""
        current = self._values.setdefault(key, {})
        current.update(values)
        self._values.move_to_end(key)
        while len(self._values) > self._max:
            self._values.popitem(last=False)

    def clear(self) -> None:
        """Forget every remembered value."""
        self._values.clear()

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"WidgetState(widgets={len(self._values)})"


def widget_key(kind: str, **arguments: object) -> tuple[str, ...]:
    """The key a widget's values are remembered under: its kind and its arguments' reprs."""
    return (kind, *(f"{name}={arguments[name]!r}" for name in sorted(arguments)))


def resolve_state(state: WidgetState | None) -> WidgetState | None:
    """``state`` if given, else the running IPython shell's state (created on first use)."""
    if state is not None:
        return state
    shell = current_shell()
    namespace = getattr(shell, "user_ns", None)
    if not isinstance(namespace, dict):
        return None
    found = namespace.get(STATE_NAME)
    if not isinstance(found, WidgetState):
        found = WidgetState()
        namespace[STATE_NAME] = found
        hidden = getattr(shell, "user_ns_hidden", None)
        if isinstance(hidden, dict):
            hidden[STATE_NAME] = found
    return found
