"""One normalised event schema: canonical columns mapped from Windows, Sysmon, Defender, ECS and Zeek.

Every source names the same things differently: the command line is ``CommandLine`` in
Sysmon 1 and Security 4688, ``ProcessCommandLine`` in Defender, ``process.command_line`` in
ECS; a parent process id is ``ParentProcessId`` in Sysmon but ``ProcessId`` (in hex) in
Security 4688. :data:`CANONICAL_COLUMNS` names each thing once (``asi_command_line``,
``asi_parent_process_id`` ...), :data:`FIELD_SOURCES` says where it comes from in every
source and when, and :func:`normalise_events` adds the canonical columns to a frame beside
the original ones. The triage's column detection, the Sigma rules and the report read them.

Examples:
    >>> import pandas as pd
    >>> from asisdk.schema import normalise_events
    >>> frame = pd.DataFrame({"EventID": [4688, 1], "Channel": ["Security", "Microsoft-Windows-Sysmon/Operational"],
    ...                       "NewProcessId": ["0x1a2c", None], "ProcessId": ["0x2f0", "6700"]})
    >>> normalise_events(frame)[["asi_process_id", "asi_parent_process_id"]].values.tolist()
    [[6700, 752], [6700, <NA>]]
"""  # noqa: E501

from __future__ import annotations

from asisdk.schema._canonical import (
    CANONICAL_COLUMNS,
    CanonicalColumn,
    ColumnKind,
    canonical_column,
)
from asisdk.schema._mapping import FIELD_PREFIXES, FIELD_SOURCES, Family, FieldSource
from asisdk.schema._normalise import SchemaMatch, match_schema, normalise_events
from asisdk.schema._process import (
    EVENT_HOST_COLUMNS,
    EVENT_TIME_COLUMNS,
    PROCESS_ROLES,
    ProcessFamily,
    ProcessRoles,
)
from asisdk.schema._time import (
    EPOCH_UNITS,
    TimeParse,
    is_local_time_column,
    parse_time_values,
    resolve_timezone,
)

__all__ = [
    "CANONICAL_COLUMNS",
    "EPOCH_UNITS",
    "EVENT_HOST_COLUMNS",
    "EVENT_TIME_COLUMNS",
    "FIELD_PREFIXES",
    "FIELD_SOURCES",
    "PROCESS_ROLES",
    "CanonicalColumn",
    "ColumnKind",
    "Family",
    "FieldSource",
    "ProcessFamily",
    "ProcessRoles",
    "SchemaMatch",
    "TimeParse",
    "canonical_column",
    "is_local_time_column",
    "match_schema",
    "normalise_events",
    "parse_time_values",
    "resolve_timezone",
]
