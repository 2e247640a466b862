"""Local data source: the query library's named queries served from local files.

Examples:
    >>> from asisdk.local import LocalDataSource
    >>> "SecurityAlert.list_alerts" in LocalDataSource.sample().queries
    True
"""

from __future__ import annotations

from asisdk.local._source import ColumnFilter, LocalDataSource, LocalQuery

__all__ = ["ColumnFilter", "LocalDataSource", "LocalQuery"]
