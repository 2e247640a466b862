"""The ``df.asi`` pandas accessor: asisdk functions as DataFrame methods.

Importing :mod:`asisdk.notebook` registers it (pandas only allows registration by a
decorator at import time; asisdk itself never does this, so ``import asisdk`` leaves pandas
untouched). Every method is a thin forward to a library function that takes the frame as
its first argument; see that function for the details.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from asisdk.entities import Alert, Event
from asisdk.notebook._process_tree import Schema, build_process_tree, display_process_tree
from asisdk.notebook._timeline import RefTimes, display_timeline, display_timeline_duration

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable
    from concurrent.futures import Executor

    from asisdk.cluster import ClusterResult
    from asisdk.decode import DecodeLimits
    from asisdk.executors import ProgressCallback
    from asisdk.geo import GeoIpDatabase
    from asisdk.ioc import IocExtractor
    from asisdk.virustotal import VirusTotalClient

__all__ = ["AsiAccessor"]


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

    def unpack(
        self,
        column: str,
        *,
        executor: Executor | None = None,
        max_depth: int | None = None,
        limits: DecodeLimits | None = None,
    ) -> pd.DataFrame:
        """:func:`asisdk.decode.unpack_frame`: one row per decoded layer of ``df[column]``."""
        from asisdk.decode import unpack_frame

        return unpack_frame(
            self._frame, column, executor=executor, max_depth=max_depth, limits=limits
        )

    def extract_iocs(
        self,
        columns: Hashable | Iterable[Hashable],
        *,
        types: Iterable[str] | None = None,
        executor: Executor | None = None,
        extractor: IocExtractor | None = None,
    ) -> pd.DataFrame:
        """:func:`asisdk.ioc.extract_frame`: one row per indicator found in ``columns``."""
        from asisdk.ioc import extract_frame

        return extract_frame(
            self._frame, columns, types=types, executor=executor, extractor=extractor
        )

    def cluster(self, **options: Any) -> ClusterResult:
        """:func:`asisdk.cluster.cluster_events` of this frame (``options`` are its keywords:
        ``method``, ``column``, ``time_column``, ``process_column``, ...)."""
        from asisdk.cluster import cluster_events

        return cluster_events(self._frame, **options)

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

    def timeline(
        self,
        *,
        time_column: str = "TimeGenerated",
        group_by: str | None = None,
        source_columns: Sequence[str] = (),
        ref_time: RefTimes = None,
        title: str = "Timeline",
        show: bool = True,
    ) -> Any:
        """:func:`asisdk.notebook.display_timeline` of this frame."""
        return display_timeline(
            self._frame,
            time_column=time_column,
            group_by=group_by,
            source_columns=source_columns,
            ref_time=ref_time,
            title=title,
            show=show,
        )

    def timeline_duration(
        self,
        *,
        group_by: str | Sequence[str],
        time_column: str = "TimeGenerated",
        end_column: str | None = None,
        ref_time: RefTimes = None,
        title: str = "Activity duration",
        show: bool = True,
    ) -> Any:
        """:func:`asisdk.notebook.display_timeline_duration` of this frame."""
        return display_timeline_duration(
            self._frame,
            group_by=group_by,
            time_column=time_column,
            end_column=end_column,
            ref_time=ref_time,
            title=title,
            show=show,
        )

    def process_tree(self, *, schema: Schema = "auto") -> pd.DataFrame:
        """:func:`asisdk.notebook.build_process_tree` of this frame."""
        return build_process_tree(self._frame, schema=schema)

    def display_process_tree(
        self, *, schema: Schema = "auto", as_text: bool = False, show: bool = True
    ) -> Any:
        """:func:`asisdk.notebook.display_process_tree` of this frame."""
        return display_process_tree(self._frame, schema=schema, as_text=as_text, show=show)

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
