"""What every asisdk widget shares: an ipywidgets box it displays, built lazily."""

from __future__ import annotations

from typing import Any

from asisdk.errors import InvalidInputError
from asisdk.notebook._lazy import require

__all__ = ["Widget", "ipywidgets", "parse_units"]

_UNITS: dict[str, str] = {
    "s": "second",
    "sec": "second",
    "secs": "second",
    "second": "second",
    "seconds": "second",
    "m": "minute",
    "min": "minute",
    "mins": "minute",
    "minute": "minute",
    "minutes": "minute",
    "h": "hour",
    "hr": "hour",
    "hrs": "hour",
    "hour": "hour",
    "hours": "hour",
    "d": "day",
    "day": "day",
    "days": "day",
    "w": "week",
    "wk": "week",
    "week": "week",
    "weeks": "week",
}


def parse_units(units: str) -> str:
    """Normalise a time unit name (``"h"``, ``"hours"`` -> ``"hour"``).

    Raises:
        InvalidInputError: not a unit of seconds, minutes, hours, days or weeks.
    """
    found = _UNITS.get(str(units).strip().casefold())
    if found is None:
        raise InvalidInputError(
            f"unknown time unit {units!r}: use second, minute, hour, day or week (or s, m, h, d, w)"
        )
    return found


def ipywidgets() -> Any:
    """The ipywidgets module (imported on first use)."""
    return require("ipywidgets")


class Widget:
    """Base of asisdk widgets: holds the ipywidgets container in :attr:`widget`.

    Displaying an asisdk widget (leaving it last in a cell, or ``display(w)``) displays its
    container; tests and scripts drive it through its methods and properties instead.
    """

    widget: Any

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def display(self) -> None:
        """Show the widget in the notebook output (the same as ``display(widget)``)."""
        require("IPython.display").display(self.widget)
