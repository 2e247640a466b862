"""Process-creation column roles per source family, written once.

The canonical ``asi_process_id`` cannot serve a process tree: in a Security 4688 row
without ``NewProcessId`` (the OTRF layout) it falls back to ``ProcessId``, which there is
the *creator's* id. A tree needs each family's own layout, so these tables say, for Sysmon
1 and Security 4688, which source columns hold each role, in order of preference.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

import attrs

__all__ = [
    "EVENT_HOST_COLUMNS",
    "EVENT_TIME_COLUMNS",
    "PROCESS_ROLES",
    "ProcessFamily",
    "ProcessRoles",
]


@attrs.frozen(kw_only=True)
class ProcessRoles:
    """Where one source family keeps what a process-creation event says.

    Each attribute lists source columns in order of preference (the first that holds a
    value wins, per row); an empty tuple means the family has no such column.

    Attributes:
        image: the new process's image path.
        pid: the new process's id.
        ppid: the creator's (parent's) id.
        parent_image: the parent's image path.
        command_line: the new process's command line.
        account: the account that started it.
        guid: the new process's GUID (Sysmon only).
        parent_guid: the parent's GUID (Sysmon only).
        logon_id: the logon session id.

    Examples:
        >>> from asisdk.schema import PROCESS_ROLES
        >>> PROCESS_ROLES["security"].pid, PROCESS_ROLES["security"].ppid
        (('NewProcessId',), ('ProcessId', 'ParentProcessId'))
        >>> PROCESS_ROLES["sysmon"].pid
        ('ProcessId',)
    """

    image: tuple[str, ...]
    pid: tuple[str, ...]
    ppid: tuple[str, ...]
    parent_image: tuple[str, ...]
    command_line: tuple[str, ...]
    account: tuple[str, ...]
    guid: tuple[str, ...] = ()
    parent_guid: tuple[str, ...] = ()
    logon_id: tuple[str, ...] = ()


#: A process-creation family: Sysmon event 1, or Security event 4688.
ProcessFamily = Literal["sysmon", "security"]

#: Sysmon event 1 (process creation).
_SYSMON: Final = ProcessRoles(
    image=("Image",),
    pid=("ProcessId",),
    ppid=("ParentProcessId",),
    parent_image=("ParentImage",),
    command_line=("CommandLine",),
    account=("User",),
    guid=("ProcessGuid",),
    parent_guid=("ParentProcessGuid",),
    logon_id=("LogonId",),
)

#: Security event 4688 (also Sentinel ``SecurityEvent``): ``ProcessId`` is the creator's
#: id; ``ParentProcessId`` and ``Image`` appear in some exports.
_SECURITY: Final = ProcessRoles(
    image=("NewProcessName", "Image"),
    pid=("NewProcessId",),
    ppid=("ProcessId", "ParentProcessId"),
    parent_image=("ParentProcessName", "ParentImage"),
    command_line=("CommandLine",),
    account=("SubjectUserName", "User"),
    logon_id=("SubjectLogonId",),
)

#: The process roles of each family, read-only: ``PROCESS_ROLES["security"].pid``.
PROCESS_ROLES: Final[Mapping[ProcessFamily, ProcessRoles]] = MappingProxyType(
    {"sysmon": _SYSMON, "security": _SECURITY}
)

#: Event time columns in order of preference (EVTX, Sysmon, Sentinel, Defender).
EVENT_TIME_COLUMNS: Final = (
    "TimeCreatedUtc",
    "UtcTime",
    "TimeGenerated",
    "TimeCreated",
    "Timestamp",
)

#: Host name columns in order of preference (EVTX/Sentinel, syslog, Defender).
EVENT_HOST_COLUMNS: Final = ("Computer", "Hostname", "HostName", "DeviceName")
