"""Bundled sample data: real OTRF Windows events and sample Sentinel alerts.

The events are real lab attack simulations from the OTRF Security Datasets (Mordor), MIT
licence; see :data:`ATTRIBUTION`. The alerts were written for asisdk around the same
simulations.

Examples:
    >>> from asisdk.data import sample_alerts
    >>> [a.severity.value for a in sample_alerts()]
    ['High', 'High', 'Medium', 'Low']
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Final

from asisdk.errors import MissingFileError

if TYPE_CHECKING:
    import pandas as pd

    from asisdk.entities import Alert, Event

__all__ = [
    "ATTRIBUTION",
    "sample_alert_rows",
    "sample_alerts",
    "sample_events",
    "sample_events_frame",
    "sample_path",
]

#: Credit line to show wherever the sample events are used.
ATTRIBUTION: Final = (
    "Sample events: OTRF Security Datasets (Mordor), MIT licence, "
    "Copyright (c) 2021 Open Threat Research Forge"
)

_FILES: Final = frozenset(
    {"sample_events.csv", "sample_alerts.json", "LICENSE.OTRF-Security-Datasets.txt", "NOTICE.md"}
)


def sample_path(name: str) -> Path:
    """Return the path of a bundled file (``"sample_events.csv"``, ``"sample_alerts.json"``).

    Raises:
        MissingFileError: (a ``FileNotFoundError``) no bundled file has that name.
    """
    if name not in _FILES:
        raise MissingFileError(f"no bundled sample named {name!r}; choose from {sorted(_FILES)}")
    return Path(str(resources.files(__name__).joinpath(name)))


def sample_alert_rows() -> list[dict[str, object]]:
    """The sample ``SecurityAlert`` rows as parsed JSON (``Entities`` still raw)."""
    rows: list[dict[str, object]] = json.loads(
        sample_path("sample_alerts.json").read_text(encoding="utf-8")
    )
    return rows


def sample_alerts() -> list[Alert]:
    """The sample alerts as :class:`~asisdk.entities.Alert` objects."""
    from asisdk.entities import Alert

    return [Alert.from_sentinel(row) for row in sample_alert_rows()]


def sample_events_frame() -> pd.DataFrame:
    """The real OTRF events as a DataFrame (``TimeCreated`` parsed to UTC datetimes)."""
    import pandas as pd

    frame = pd.read_csv(sample_path("sample_events.csv"), dtype=str, keep_default_na=False)
    frame["TimeCreated"] = pd.to_datetime(frame["TimeCreated"], utc=True, format="ISO8601")
    frame["EventID"] = frame["EventID"].astype(int)
    return frame


def sample_events() -> list[Event]:
    """The real OTRF events as :class:`~asisdk.entities.Event` objects."""
    from asisdk.entities import Event

    return Event.from_rows(sample_events_frame())
