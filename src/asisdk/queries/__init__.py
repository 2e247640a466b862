"""The query library: YAML query templates with typed parameters, and the QueryProvider.

Examples:
    >>> from asisdk.queries import QueryLibrary
    >>> "WindowsSecurity.list_host_logons" in QueryLibrary.default().names()
    True
"""

from __future__ import annotations

from asisdk.queries._kql import (
    kql_bool,
    kql_datetime,
    kql_dynamic_list,
    kql_int,
    kql_real,
    kql_string,
    kql_timespan,
)
from asisdk.queries._library import QueryLibrary, parse_query_file
from asisdk.queries._provider import NamedQuerySource, QueryProvider
from asisdk.queries._template import Parameter, QueryTemplate

__all__ = [
    "NamedQuerySource",
    "Parameter",
    "QueryLibrary",
    "QueryProvider",
    "QueryTemplate",
    "kql_bool",
    "kql_datetime",
    "kql_dynamic_list",
    "kql_int",
    "kql_real",
    "kql_string",
    "kql_timespan",
    "parse_query_file",
]
