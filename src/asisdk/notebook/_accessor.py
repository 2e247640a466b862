"""The ``df.asi`` pandas accessor: asisdk functions as DataFrame methods.

Importing :mod:`asisdk.notebook` registers it (pandas only allows registration by a
decorator at import time; asisdk itself never does this, so ``import asisdk`` leaves pandas
untouched). Most methods forward to a library function that takes the frame as its first
argument, with that function's own signature (not declared again here): see that function
for the details. The decode, ioc and cluster functions are imported on first use.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import pandas as pd

from asisdk.entities import Alert, Event
from asisdk.notebook._process_tree import build_process_tree, display_process_tree
from asisdk.notebook._timeline import display_timeline, display_timeline_duration

if TYPE_CHECKING:
    from asisdk.cluster import cluster_events
    from asisdk.decode import unpack_frame
    from asisdk.executors import ProgressCallback
    from asisdk.geo import GeoIpDatabase
    from asisdk.ioc import extract_frame
    from asisdk.virustotal import VirusTotalClient

__all__ = ["AsiAccessor"]

_P = ParamSpec("_P")
_T = TypeVar("_T")


def _as_method(func: Callable[..., Any], target: str) -> Callable[..., Any]:
    """``func(self._frame, ...)`` as a method, showing ``func``'s signature."""

    @functools.wraps(func, assigned=("__module__", "__name__", "__qualname__"))
    def method(self: AsiAccessor, /, *args: Any, **kwargs: Any) -> Any:
        return func(self._frame, *args, **kwargs)

    signature = inspect.signature(func)
    first, *rest = signature.parameters.values()
    method.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[first.replace(name="self", annotation=inspect.Parameter.empty), *rest]
    )
    method.__doc__ = f":func:`{target}` of this frame (same arguments, without the frame)."
    return method


def _forward(
    func: Callable[Concatenate[pd.DataFrame, _P], _T],
) -> Callable[Concatenate[AsiAccessor, _P], _T]:
    """Make ``func`` a ``df.asi`` method (the frame is its first argument)."""
    return _as_method(func, f"{func.__module__.rsplit('._', 1)[0]}.{func.__name__}")


class _Lazy:
    """A forwarding method whose function is imported on first use."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.method: Callable[..., Any] | None = None

    def __get__(self, accessor: AsiAccessor | None, owner: type | None = None) -> Any:
        if self.method is None:
            module, name = self.target.rsplit(".", 1)
            self.method = _as_method(getattr(importlib.import_module(module), name), self.target)
        return self.method if accessor is None else self.method.__get__(accessor, owner)


@pd.api.extensions.register_dataframe_accessor("asi")
class AsiAccessor:
    """``df.asi``: asisdk on a DataFrame (registered by ``import asisdk.notebook``).

    Examples:
        >>> import asisdk.notebook
        >>> from asisdk.data import sample_events_frame
        >>> tree = sample_events_frame().asi.process_tree()
        >>> int(tree["in_data"].sum())
        419
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def events(self) -> list[Event]:
        """The rows as :class:`~asisdk.entities.Event` objects (``Event.from_rows``)."""
        return Event.from_rows(self._frame)

    def alerts(self) -> list[Alert]:
        """``SecurityAlert`` rows as :class:`~asisdk.entities.Alert` objects."""
        return [Alert.from_sentinel(row) for row in self._frame.to_dict("records")]

    if TYPE_CHECKING:
        unpack = _forward(unpack_frame)
        extract_iocs = _forward(extract_frame)
        cluster = _forward(cluster_events)
    else:
        #: one row per decoded layer of ``df[column]``
        unpack = _Lazy("asisdk.decode.unpack_frame")
        #: one row per indicator found in ``columns``
        extract_iocs = _Lazy("asisdk.ioc.extract_frame")
        #: clusters of this frame's events
        cluster = _Lazy("asisdk.cluster.cluster_events")
    timeline = _forward(display_timeline)
    timeline_duration = _forward(display_timeline_duration)
    process_tree = _forward(build_process_tree)
    display_process_tree = _forward(display_process_tree)

    def geolocate(self, column: str, *, database: GeoIpDatabase | None = None) -> pd.DataFrame:
        """:meth:`asisdk.geo.GeoIpDatabase.lookup_frame`: location columns for ``df[column]``.

        Args:
            column: the column of IP addresses (strings or ``IpAddress`` entities).
            database: an open database (default: ``GeoIpDatabase()``, which finds the
                configured, downloaded or embedded one, opened for this call only).

        Raises:
            GeoDatabaseError: no database was given and none could be found.
        """
        from asisdk.geo import GeoIpDatabase

        # a staleness warning should point at the caller's cell, not at this forward
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if database is not None:
                located = database.lookup_frame(self._frame, column)
            else:
                with GeoIpDatabase() as opened:
                    located = opened.lookup_frame(self._frame, column)
        for warning in caught:
            warnings.warn(warning.message, warning.category, stacklevel=2)
        return located

    async def vt_lookup(
        self,
        column: str,
        *,
        client: VirusTotalClient,
        kind_column: str | None = None,
        progress: ProgressCallback | bool | None = None,
    ) -> pd.DataFrame:
        """``await client.lookup_frame(df, column, ...)``: VirusTotal reports as columns.

        Args:
            column: the column of observables (IPs, domains, URLs, hashes or entities).
            client: an open :class:`~asisdk.virustotal.VirusTotalClient`.
            kind_column: a column naming each row's kind (see ``lookup_frame``).
            progress: a callback (a :class:`~asisdk.notebook.Progress` bar works) or ``True``.
        """
        return await client.lookup_frame(
            self._frame, column, kind_column=kind_column, progress=progress
        )
