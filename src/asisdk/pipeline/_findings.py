"""Findings: the events an analyst must see, ranked by an explainable score.

Every event is checked by a set of behaviour rules (credential access, persistence, defence
evasion, LOLBins reaching the network, unusual ancestry, ...), by the decoded payloads and
indicators the triage found, by optional Sigma matches and threat-intelligence verdicts, and
by the rarity of its pattern *within its context* (the same host and image). Each rule that
fires adds a :class:`FindingWeights` number of points and one line of evidence; the score of
an event is the sum, so every finding says why it is where it is. Identical events on one
host (same image, command line, parent, user and details) become one finding with a count.

The default weights keep the order an analyst expects: rarity is worth at most
``rare_pattern + rare_image`` (15) points, less than a low-level Sigma match (20) and far
less than a high one (80) or a decoded payload (60), so rarity alone never outranks them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Final, Literal

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from asisdk._text_columns import is_arrow_text, is_text_category, plain_text
from asisdk.errors import AsiError, InvalidArgumentError
from asisdk.pipeline import _defaults
from asisdk.pipeline._allow import AllowList
from asisdk.pipeline._columns import (
    columns_by_name,
    empty_table,
    first_usable,
    named_columns,
    nonblank_mask,
    whole_text,
)

__all__ = [
    "FINDING_COLUMNS",
    "SIGMA_LEVELS",
    "SIGMA_MATCH_COLUMNS",
    "TI_VERDICT_COLUMNS",
    "FindingWeights",
    "SigmaLevel",
    "build_findings",
    "event_fields",
]

#: Sigma rule levels, lowest first.
SigmaLevel = Literal["informational", "low", "medium", "high", "critical"]
SIGMA_LEVELS: Final[tuple[str, ...]] = ("informational", "low", "medium", "high", "critical")


def require_level(level: str, error: type[AsiError]) -> None:
    """Raise ``error`` unless ``level`` (a ``min_level``) is one of :data:`SIGMA_LEVELS`."""
    if level not in SIGMA_LEVELS:
        raise error(f"min_level must be one of {', '.join(SIGMA_LEVELS)}, got {level!r}")


#: The columns :func:`build_findings` reads from ``sigma_matches`` (one row per event and
#: rule; ``event_index`` is the event's index in ``TriageResult.events``). ``technique`` may
#: hold several ids separated by commas; ``techniques`` (a list) is read too.
SIGMA_MATCH_COLUMNS: Final[tuple[str, ...]] = (
    "event_index",
    "rule_id",
    "title",
    "level",
    "technique",
    "author",
)

#: The columns :func:`build_findings` reads from ``ti_verdicts`` (one row per indicator
#: looked up): ``verdict`` is ``malicious``, ``suspicious``, ``harmless`` or ``unknown``;
#: ``severity`` is free text or a number shown as evidence; ``provider`` is optional.
TI_VERDICT_COLUMNS: Final[tuple[str, ...]] = ("value", "verdict", "severity")

#: The columns of the findings table (``findings.csv``), in order.
FINDING_COLUMNS: Final[tuple[str, ...]] = (
    "rank",
    "score",
    "asi_file",
    "asi_row",
    "EventRecordID",
    "event_index",
    "time",
    "host",
    "user",
    "event_id",
    "image",
    "command_line",
    "parent_image",
    "parent_command_line",
    "details",
    "events",
    "asi_rows",
    "reason_kinds",
    "reasons",
    "sigma_authors",
)


@attrs.frozen(kw_only=True)
class FindingWeights:
    """Points each kind of reason adds to an event's score (all configurable).

    Attributes:
        sigma: points per Sigma level (the event's highest-level match counts in full,
            every further rule adds ``sigma_extra``).
        sigma_extra: points for each further Sigma rule matching the same event.
        decoded_payload: the event holds an encoded payload that decodes.
        parent_payload: only the event's parent command line does (the parent's own
            event is the finding that counts).
        ti_malicious / ti_suspicious: an indicator of the event has this verdict.
        indicator: the event holds a URL, domain or public IP address (not allow-listed);
            ``decoded_indicator`` more when it appears only after decoding.
        credential_access: LSASS memory access (masks with ``PROCESS_VM_READ``), dump
            commands (``comsvcs MiniDump``, ``procdump -ma lsass``, ``rdrleakdiag``), SAM /
            NTDS copies, Mimikatz, dump files written.
        injection: remote threads, PowerShell loaded into another process, full access to
            another process.
        persistence: services, run keys, scheduled tasks, COM / handler hijacks, logon
            scripts, WMI subscriptions.
        defense_evasion: firewall changes, timestomping, shadow-copy deletion, unsigned DLLs
            loaded, Defender switched off.
        log_cleared: a log was cleared (1102, 104, ``wevtutil cl``).
        lolbin_network: a living-off-the-land binary with a URL, or connecting out.
        ancestry: Office, a browser, a web server, WMI or a text editor starting a process.
        suspicious_location: an executable running from Downloads, Temp, AppData,
            ProgramData, a drive root, a shadow copy or a zip folder.
        remote_access: remote logons through a tunnel, password sprays, named pipes used
            for enumeration or lateral movement, directory changes of a rogue DC.
        hidden_powershell: ``-w hidden``, ``-nop``, ``IEX``, download cradles.
        discovery: ``whoami``, ``net``, ``nltest``, Seatbelt, SharpHound ... (more as SYSTEM).
        rare_pattern: the event's pattern is rare on its host.
        rare_image: its image is rare on its host too.
    """

    sigma: Mapping[str, int] = attrs.field(
        factory=lambda: {
            "informational": 5,
            "low": 20,
            "medium": 50,
            "high": 80,
            "critical": 100,
        }
    )
    sigma_extra: int = 5
    decoded_payload: int = 60
    parent_payload: int = 20
    ti_malicious: int = 80
    ti_suspicious: int = 40
    indicator: int = 10
    decoded_indicator: int = 10
    credential_access: int = 70
    injection: int = 55
    persistence: int = 45
    defense_evasion: int = 40
    log_cleared: int = 60
    lolbin_network: int = 45
    ancestry: int = 50
    suspicious_location: int = 30
    remote_access: int = 45
    hidden_powershell: int = 35
    discovery: int = 15
    rare_pattern: int = 10
    rare_image: int = 5


# --- event fields -----------------------------------------------------------------------

_FIELD_NAMES: Final[Mapping[str, tuple[str, ...]]] = {
    "host": _defaults.HOST_COLUMNS,
    "user": (
        "User",
        "SubjectUserName",
        "AccountName",
        "UserName",
        "InitiatingProcessAccountName",
        "TargetUserName",
    ),
    "image": (
        "Image",
        "NewProcessName",
        "SourceImage",
        "ProcessName",
        "FolderPath",
        "CreatedProcessFilePath",
        "CreatedProcessName",
        "FileName",
    ),
    "command_line": (
        "CommandLine",
        "ProcessCommandLine",
        "CreatedProcessCommandLine",
        "Process_CommandLine",
        "ScriptBlockText",
    ),
    "parent_image": (
        "ParentImage",
        "ParentProcessName",
        "InitiatingProcessFolderPath",
        "InitiatingProcessImageFilePath",
        "InitiatingProcessFileName",
        "InitiatingProcessName",
    ),
    "parent_command_line": (
        "ParentCommandLine",
        "ParentProcessCommandLine",
        "InitiatingProcessCommandLine",
    ),
    "event_id": ("EventID", "EventId", "event_id"),
    "record_id": ("EventRecordID", "RecordNumber", "record_id"),
}

#: Fields that say what an event without a command line did (shown as ``details``).
_DETAIL_FIELDS: Final[tuple[str, ...]] = (
    "TargetImage",
    "GrantedAccess",
    "StartFunction",
    "ImageLoaded",
    "Signed",
    "TargetObject",
    "Details",
    "TargetFilename",
    "DestinationIp",
    "DestinationPort",
    "DestinationHostname",
    "PipeName",
    "ServiceName",
    "ImagePath",
    "TaskName",
    "TargetUserName",
    "IpAddress",
    "LogonType",
    "ShareName",
    "RelativeTargetName",
    "ServicePrincipalNames",
    "Status",
    "Query",
)


#: Text that stands for a missing value.
_PLACEHOLDERS: Final = ("nan", "<NA>", "None", "-")


def _large_text(values: pd.Series[str]) -> pa.ChunkedArray:
    """Text without missing cells as one Arrow ``large_string`` column."""
    return pa.chunked_array([pa.array(values, pa.large_string())])


def _text(frame: pd.DataFrame, column: str | None) -> pd.Series[str]:
    if column is None or column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    values = plain_text(frame[column])
    if is_arrow_text(values):
        # Already text: copied only where a cell is missing or a placeholder.
        blank = values.isna() | values.isin(_PLACEHOLDERS)
        return values.where(~blank, "") if bool(blank.any()) else values
    text = whole_text(values)
    return text.where(~text.isin(_PLACEHOLDERS), "")


def _first_of(
    frame: pd.DataFrame, names: Sequence[str], *, before: pd.Series[str] | None = None
) -> pd.Series[str]:
    """Per event, the first of ``names`` whose text (:func:`_text`) is not blank, else ``""``.

    ``before``: text (no missing cells) taken first where it is not blank. A missing cell or
    a placeholder (``-``, ``None``) is blank: never chosen (:func:`first_usable`).
    """
    found = named_columns(columns_by_name(frame), names)
    if not found:
        return pd.Series("", index=frame.index, dtype=object) if before is None else before
    parts = [
        values if is_arrow_text(values) or is_text_category(values) else _text(frame, column)
        for column in found
        for values in (frame[column],)
    ]
    return first_usable(
        [before, *parts] if before is not None else parts, frame.index, blank=_PLACEHOLDERS
    )


def event_fields(frame: pd.DataFrame, *, host_column: str | None = None) -> pd.DataFrame:
    """The fields a finding shows, read from whichever columns the events have.

    Args:
        frame: the events.
        host_column: the host column (default: the first of the usual names).

    Returns:
        A frame aligned to ``frame`` with ``host``, ``user``, ``image``, ``command_line``,
        ``parent_image``, ``parent_command_line``, ``event_id``, ``record_id`` and
        ``details`` (``Name=Value`` pairs of the fields that say what the event did).

    Examples:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"EventID": [10], "SourceImage": ["C:\\\\x\\\\p.exe"],
        ...                       "TargetImage": ["C:\\\\Windows\\\\lsass.exe"],
        ...                       "GrantedAccess": ["0x1010"]})
        >>> fields = event_fields(frame)
        >>> fields.loc[0, "image"], fields.loc[0, "details"]
        ('C:\\\\x\\\\p.exe', 'TargetImage=C:\\\\Windows\\\\lsass.exe; GrantedAccess=0x1010')
    """
    out = pd.DataFrame(index=frame.index)
    for role, names in _FIELD_NAMES.items():
        if role == "host" and host_column is not None:
            names = (host_column, *names)
        out[role] = _first_of(frame, names)
    lookup = columns_by_name(frame)
    # Built as Arrow text; the Python strings at the end are shared by the events with the
    # same details, not one per event.
    details = pa.chunked_array([pa.array([""] * len(frame), pa.large_string())])
    for name in _DETAIL_FIELDS:
        column = lookup.get(name.lower())
        if column is None:
            continue
        values = _text(frame, column)
        prefix, empty, separator = (pa.scalar(t, pa.large_string()) for t in (f"{name}=", "", "; "))
        piece = pc.binary_join_element_wise(prefix, _large_text(values), empty)
        joined = pc.if_else(
            pc.equal(details, empty), piece, pc.binary_join_element_wise(details, piece, separator)
        )
        details = pc.if_else(pa.array(nonblank_mask(values)), joined, details)
    codes, distinct = pd.factorize(pd.Series(details, dtype="str"))
    out["details"] = pd.Series(
        np.asarray(distinct, dtype=object)[codes], index=frame.index, dtype=object
    )
    return out


# --- behaviour rules ----------------------------------------------------------------------

_Kind = Literal[
    "credential_access",
    "injection",
    "persistence",
    "defense_evasion",
    "log_cleared",
    "lolbin_network",
    "ancestry",
    "suspicious_location",
    "remote_access",
    "hidden_powershell",
    "discovery",
]


@attrs.frozen
class _Rule:
    kind: _Kind
    evidence: str
    test: Callable[[_View], pd.Series[bool]]


@attrs.frozen(eq=False)
class _View:
    """Lower-cased text of the fields the rules read (``""`` where missing)."""

    fields: pd.DataFrame
    #: Each field factorised: (the code of every event, the distinct lower-cased values).
    #: Logs repeat the same values many times, so each regex runs once per distinct value.
    coded: Mapping[str, tuple[npt.NDArray[np.intp], pd.Series[str]]]
    event_id: pd.Series[int]

    def eid(self, *ids: int) -> pd.Series[bool]:
        return self.event_id.isin(ids)

    def _spread(
        self, name: str, test: Callable[[pd.Series[str]], npt.NDArray[np.bool_]]
    ) -> pd.Series[bool]:
        """``test`` of the distinct values of field ``name``, spread to every event."""
        found = self.coded.get(name)
        if found is None:
            return pd.Series(False, index=self.fields.index, dtype=bool)
        codes, uniques = found
        return pd.Series(test(uniques)[codes], index=self.fields.index, dtype=bool)

    def where(self, name: str, test: Callable[[str], bool]) -> pd.Series[bool]:
        """``test`` of each distinct value of field ``name``, spread to every event."""
        return self._spread(name, lambda u: np.asarray([bool(test(str(x))) for x in u], dtype=bool))

    def among(self, name: str, *values: str) -> pd.Series[bool]:
        return self._spread(name, lambda u: u.isin(values).to_numpy(dtype=bool))

    def has(self, name: str, pattern: str) -> pd.Series[bool]:
        return self._spread(
            name, lambda u: u.str.contains(pattern, regex=True, na=False).to_numpy(dtype=bool)
        )


def _basename(path: str) -> str:
    return r"(?:^|[\\/])(?:" + path + r")(?:\.exe)?$"


_LOLBINS: Final = (
    r"bitsadmin|certutil|mshta|regsvr32|rundll32|wmic|msiexec|cscript|wscript|powershell|pwsh"
    r"|curl|wget|hh|installutil|msbuild|regasm|regsvcs|cmstp|odbcconf|forfiles|esentutl|expand"
    r"|extrac32|findstr|ftp|ieexec|makecab|replace|xwizard|certreq|desktopimgdownldr"
)
_SHELLS: Final = r"cmd|powershell|pwsh|wscript|cscript|mshta|rundll32|regsvr32|bash|sh"
_OFFICE_BROWSERS_SERVERS: Final = (
    r"winword|excel|powerpnt|outlook|msaccess|mspub|onenote|visio|chrome|firefox|msedge|iexplore"
    r"|opera|brave|w3wp|httpd|nginx|tomcat\d*|java|sqlservr|php-cgi|notepad|wordpad|acrord32"
)
_LSASS_DUMP_CMD: Final = (
    r"comsvcs(?:\.dll)?[\s,#]+(?:minidump|#\s*24)|procdump\d*(?:\.exe)?\s.*-ma\s.*lsass"
    r"|rdrleakdiag.*fullmemdmp|sekurlsa::|lsadump::|mimikatz|nanodump|dumpert|pypykatz"
    r"|esentutl.*\s/vss|reg(?:\.exe)?\s+save\s+hklm\\(?:sam|system|security)"
    r"|ntdsutil.*ifm|copy\s.*(?:ntds\.dit|\\config\\sam)|out-minidump|invoke-mimikatz"
)
_PERSIST_KEYS: Final = (
    r"\\currentversion\\run|\\currentversion\\policies\\explorer\\run|\\winlogon\\(?:userinit|shell)"
    r"|userinitmprlogonscript|\\inprocserver32|\\localserver32|\\shell\\open\\command"
    r"|image file execution options|\\services\\[^\\]+\\(?:imagepath|start|servicedll)"
    r"|\\explorer\\shell folders\\startup|\\appinit_dlls|\\safeboot\\"
)
_UNUSUAL_DIRS: Final = (
    r"\\downloads\\|\\appdata\\|\\temp\\|\\tmp\\|\\programdata\\|\\users\\public\\"
    r"|^[a-z]:\\[^\\]+\.exe$|harddiskvolumeshadowcopy|\.zip\\|\\perflogs\\|\\recycle"
)
_ENUM_PIPES: Final = r"^\\?(?:samr|lsarpc|srvsvc|netlogon|atsvc|svcctl|winreg|drsuapi)$"
_DISCOVERY: Final = (
    r"whoami|net1?|nltest|tasklist|systeminfo|ipconfig|quser|qwinsta|seatbelt|sharphound|adfind"
    r"|bloodhound|dsquery|arp|route|netstat|nslookup|klist|cmdkey|vssadmin"
)


def _rules() -> tuple[_Rule, ...]:
    """The behaviour rules; each reads lower-cased fields through a :class:`_View`."""
    lolbin = _basename(_LOLBINS)
    shell = _basename(_SHELLS)
    return (
        _Rule(
            "credential_access",
            "LSASS opened with memory-read access",
            lambda v: (
                v.eid(10)
                & v.has("TargetImage", r"\\lsass\.exe$")
                & v.where("GrantedAccess", _reads_memory)
                & ~v.has("image", _basename(r"wininit|csrss|svchost|msmpeng|lsm|wmiprvse|taskmgr"))
            ),
        ),
        _Rule(
            "credential_access",
            "credential dump command",
            lambda v: (
                v.has("command_line", _LSASS_DUMP_CMD) | v.has("image", _basename("rdrleakdiag"))
            ),
        ),
        _Rule(
            "credential_access",
            "remote thread into LSASS or LSASS spawned",
            lambda v: (
                (v.eid(8) & v.has("TargetImage", r"\\lsass\.exe$"))
                | (v.eid(1, 4688) & v.has("parent_image", r"\\lsass\.exe$"))
            ),
        ),
        _Rule(
            "credential_access",
            "memory dump or credential store file written",
            lambda v: (
                v.eid(11) & v.has("TargetFilename", r"\.dmp$|\\sam$|\\ntds\.dit$|\\security$|lsass")
            ),
        ),
        _Rule(
            "credential_access",
            "credential module loaded by a script host",
            lambda v: (
                v.eid(7)
                & v.has("image", _basename(r"powershell|pwsh|rundll32"))
                & v.has("ImageLoaded", r"\\(?:cryptdll|vaultcli|samlib|dbghelp|dbgcore)\.dll$")
            ),
        ),
        _Rule(
            "injection",
            "remote thread created in another process",
            lambda v: v.eid(8),
        ),
        _Rule(
            "injection",
            "PowerShell engine loaded into a process that is not PowerShell",
            lambda v: (
                v.eid(7)
                & v.has("ImageLoaded", r"system\.management\.automation")
                & ~v.has(
                    "image", _basename(r"powershell|pwsh|powershell_ise|wsmprovhost|sdiagnhost")
                )
            ),
        ),
        _Rule(
            "injection",
            "full access to another process from a script host",
            lambda v: (
                v.eid(10)
                & v.has("image", _basename(r"powershell|pwsh|rundll32|cscript|wscript|mshta|cmd"))
                & v.has("GrantedAccess", r"^0x1f[0-9a-f]fff$")
            ),
        ),
        _Rule(
            "persistence",
            "service installed",
            lambda v: (
                v.eid(7045, 4697) | v.has("command_line", r"\bsc(?:\.exe)?\s+create\b|new-service")
            ),
        ),
        _Rule(
            "persistence",
            "autostart registry key written",
            lambda v: (
                (v.eid(12, 13, 14, 4657) & v.has("TargetObject", _PERSIST_KEYS))
                | v.has("command_line", r"reg(?:\.exe)?\s+add\s.*(?:" + _PERSIST_KEYS + ")")
            ),
        ),
        _Rule(
            "persistence",
            "scheduled task created or deleted",
            lambda v: (
                v.eid(4698, 4699, 106, 141)
                | v.has(
                    "command_line",
                    r"schtasks(?:\.exe)?\s.*/(?:create|change)|register-scheduledtask",
                )
            ),
        ),
        _Rule(
            "persistence",
            "WMI event subscription",
            lambda v: v.eid(19, 20, 21, 5861),
        ),
        _Rule(
            "log_cleared",
            "event log cleared",
            lambda v: (
                (v.eid(1102) & v.has("Channel", r"security"))
                | (v.eid(104) & v.has("Channel", r"system"))
                | v.has(
                    "command_line",
                    r"wevtutil(?:\.exe)?\s+(?:cl|clear-log)\b|clear-eventlog|remove-eventlog",
                )
            ),
        ),
        _Rule(
            "defense_evasion",
            "firewall or Defender changed",
            lambda v: (
                v.eid(4946, 4947, 4948, 2004, 2005, 2006, 5001, 5007)
                | v.has(
                    "command_line",
                    r"netsh(?:\.exe)?\s.*(?:advfirewall|firewall)\s.*(?:add|set|delete)|set-mppreference\s.*-disable"
                    r"|add-mppreference\s.*exclusion",
                )
            ),
        ),
        _Rule(
            "defense_evasion",
            "file creation time changed (timestomp)",
            lambda v: v.eid(2),
        ),
        _Rule(
            "defense_evasion",
            "shadow copies created, deleted or used",
            lambda v: (
                v.has(
                    "command_line",
                    r"vssadmin.*(?:delete|create|resize)\s+shadow|shadowcopy\s.*(?:delete|call\s+create)"
                    r"|wbadmin.*delete|bcdedit.*recoveryenabled",
                )
                | v.has("image", r"harddiskvolumeshadowcopy")
                | v.has("command_line", r"harddiskvolumeshadowcopy")
            ),
        ),
        _Rule(
            "defense_evasion",
            "unsigned DLL loaded",
            lambda v: (
                v.eid(7)
                & v.among("Signed", "false", "0")
                & ~v.has(
                    "ImageLoaded",
                    r"\\windows\\(?:system32|syswow64|winsxs|assembly|microsoft\.net)\\",
                )
            ),
        ),
        _Rule(
            "lolbin_network",
            "LOLBin with a URL in its command line",
            lambda v: (
                v.has("image", lolbin)
                & v.has("command_line", r"\b(?:https?|ftp)://|\\\\[a-z0-9.-]+\\[^\\\s]+\\")
            ),
        ),
        _Rule(
            "lolbin_network",
            "LOLBin or server process connecting over the network",
            lambda v: (
                v.eid(3)
                & v.has(
                    "image",
                    lolbin + "|" + _basename(r"w3wp|sqlservr|httpd|nginx|java|notepad|calc"),
                )
            ),
        ),
        _Rule(
            "ancestry",
            "started by Office, a browser, a server process or a text editor",
            lambda v: (
                v.eid(1, 4688)
                & v.has("parent_image", _basename(_OFFICE_BROWSERS_SERVERS))
                & ~v.has(
                    "image", _basename(_OFFICE_BROWSERS_SERVERS + r"|werfault|splwow64|conhost")
                )
                & (v.has("image", shell + "|" + lolbin) | ~v.has("image", r"\\program files"))
            ),
        ),
        _Rule(
            "ancestry",
            "started by WMI or by a shell spawned from an unusual parent",
            lambda v: (
                v.eid(1, 4688)
                & (
                    v.has("parent_image", _basename(r"wmiprvse|scrcons|consent|mmc|lsass"))
                    | (
                        v.has("image", shell)
                        & v.has("parent_image", _basename(r"services|spoolsv|winlogon"))
                    )
                )
                & ~v.has("image", _basename(r"werfault|conhost|wmiprvse|dllhost"))
            ),
        ),
        _Rule(
            "suspicious_location",
            "executable in an unusual folder",
            lambda v: (
                (
                    v.eid(1, 4688, 7)
                    & (v.has("image", _UNUSUAL_DIRS) | v.has("ImageLoaded", _UNUSUAL_DIRS))
                )
                | (
                    v.eid(11)
                    & v.has("TargetFilename", r"\.(?:exe|dll|ps1|bat|vbs|js|hta|scr|sct)$")
                    & v.has("TargetFilename", _UNUSUAL_DIRS + r"|^c:\\[^\\]+$")
                )
            ),
        ),
        _Rule(
            "remote_access",
            "remote interactive logon through a local tunnel",
            lambda v: (
                v.eid(4624) & v.among("LogonType", "10") & v.has("IpAddress", r"^(?:127\.|::1$)")
            ),
        ),
        _Rule(
            "remote_access",
            "named pipe used for enumeration or remote execution",
            lambda v: (
                (v.eid(5145) & v.has("RelativeTargetName", _ENUM_PIPES))
                | (v.eid(5145) & v.has("ShareName", r"\\admin\$|\\c\$"))
                | (v.eid(17, 18) & v.has("PipeName", r"srvsvc|\\pipe\\.*\\pipe\\|lsarpc|samr"))
            ),
        ),
        _Rule(
            "remote_access",
            "computer account given rogue-DC service names",
            lambda v: v.eid(4742) & v.has("ServicePrincipalNames", r"gc/|e3514235-4b06-11d1-ab04"),
        ),
        _Rule(
            "remote_access",
            "server process connecting to a remote-admin port",
            lambda v: (
                v.eid(3)
                & v.among("DestinationPort", "3389", "445", "5985", "5986", "4444", "22")
                & ~v.has("image", _basename(r"system|svchost|lsass|mstsc|services"))
            ),
        ),
        _Rule(
            "hidden_powershell",
            "hidden or download-cradle PowerShell",
            lambda v: (
                v.has("image", _basename(r"powershell|pwsh|cmd"))
                & v.has(
                    "command_line",
                    r"-w(?:indowstyle)?\s+h(?:idden)?\b|\biex\b|invoke-expression|downloadstring"
                    r"|downloadfile|\[scriptblock\]::create|frombase64string|-noni.*-nop|-nop.*-noni",
                )
            ),
        ),
        _Rule(
            "hidden_powershell",
            "script host running a script file",
            lambda v: (
                v.has("image", _basename(r"cscript|wscript|mshta"))
                & v.has("command_line", r"//e:|\.(?:js|jse|vbs|vbe|hta|sct|wsf)\b")
            ),
        ),
        _Rule(
            "discovery",
            "discovery tool",
            lambda v: v.eid(1, 4688) & v.has("image", _basename(_DISCOVERY)),
        ),
    )


#: Access-mask bits that let a process read another one's memory (``PROCESS_VM_READ``) or
#: open it fully: what a credential dumper asks of LSASS.
_VM_READ: Final = 0x0010


def _reads_memory(mask: str) -> bool:
    try:
        value = int(mask, 16) if mask.startswith("0x") else int(mask)
    except ValueError:
        return False
    return bool(value & _VM_READ)


def _view(frame: pd.DataFrame, fields: pd.DataFrame) -> _View:
    lookup = columns_by_name(frame)
    coded: dict[str, tuple[npt.NDArray[np.intp], pd.Series[str]]] = {}

    def add(name: str, values: pd.Series[str]) -> None:
        codes, uniques = pd.factorize(values)
        lowered = pd.Series(np.asarray(uniques, dtype=object), dtype=object).str.lower().str.strip()
        coded[name] = (np.asarray(codes, dtype=np.intp), lowered)

    for role in ("image", "command_line", "parent_image", "parent_command_line", "user"):
        add(role, fields[role])
    for name in (*_DETAIL_FIELDS, "Channel"):
        column = lookup.get(name.lower())
        if column is not None:
            add(name, _text(frame, column))
    event_id = pd.to_numeric(fields["event_id"], errors="coerce").fillna(-1).astype("int64")
    return _View(fields=fields, coded=coded, event_id=event_id)


# --- building -----------------------------------------------------------------------------


def flat_text(value: object) -> str:
    """A cell as text: a list joined by ``", "``, a missing value ``""``."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(str(v) for v in value)
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _sigma_reasons(
    sigma: pd.DataFrame | None, weights: FindingWeights, min_level: str, index: pd.Index
) -> tuple[dict[object, list[tuple[str, int, str]]], dict[object, set[str]]]:
    reasons: dict[object, list[tuple[str, int, str]]] = {}
    authors: dict[object, set[str]] = {}
    if sigma is None or sigma.empty:
        return reasons, authors
    floor = SIGMA_LEVELS.index(min_level)
    work = sigma.copy()
    work["level"] = work["level"].astype(str).str.lower()
    work = work[
        work["level"].map(lambda lv: lv in SIGMA_LEVELS and SIGMA_LEVELS.index(lv) >= floor)
    ]
    if "technique" not in work.columns and "techniques" in work.columns:
        work["technique"] = work["techniques"]
    work["order"] = work["level"].map(SIGMA_LEVELS.index)
    work = work[work["event_index"].isin(index)]
    work = work.sort_values(["event_index", "order"], ascending=[True, False], kind="stable")
    first = ~work["event_index"].duplicated()
    blank = [""] * len(work)
    for event, is_first, title, level, technique, author in zip(
        work["event_index"].tolist(),
        first.tolist(),
        work["title"].tolist(),
        work["level"].tolist(),
        [flat_text(t) for t in work["technique"]] if "technique" in work else blank,
        [flat_text(a) for a in work["author"]] if "author" in work else blank,
        strict=True,
    ):
        points = weights.sigma.get(level, 0) if is_first else weights.sigma_extra
        text = f"Sigma {level}: {title}"
        if technique:
            text += f" [{technique}]"
        if author:
            text += f" (rule by {author})"
            authors.setdefault(event, set()).add(author)
        reasons.setdefault(event, []).append(("sigma", points, text))
    return reasons, authors


def _ti_reasons(
    ti: pd.DataFrame | None, hits: pd.DataFrame, weights: FindingWeights
) -> dict[object, list[tuple[str, int, str]]]:
    out: dict[object, list[tuple[str, int, str]]] = {}
    if ti is None or ti.empty or hits.empty:
        return out
    verdicts = ti.assign(verdict=ti["verdict"].astype(str).str.lower())
    verdicts = verdicts[verdicts["verdict"].isin(["malicious", "suspicious"])]
    if verdicts.empty:
        return out
    joined = (
        hits[["src_index", "observable"]]
        .drop_duplicates()
        .merge(verdicts, left_on="observable", right_on="value", how="inner")
    )
    for row in joined.itertuples(index=False):
        verdict = str(row.verdict)
        points = weights.ti_malicious if verdict == "malicious" else weights.ti_suspicious
        provider = getattr(row, "provider", None)
        by = f" by {provider}" if isinstance(provider, str) and provider else ""
        text = f"threat intelligence{by}: {row.observable} is {verdict} (severity {row.severity})"
        out.setdefault(row.src_index, []).append(("threat_intel", points, text))
    return out


_NETWORK_TYPES: Final = frozenset({"url", "dns", "ipv4", "ipv6"})


def _indicator_reasons(
    hits: pd.DataFrame, iocs: pd.DataFrame, weights: FindingWeights
) -> dict[object, list[tuple[str, int, str]]]:
    """URLs, domains and public IPs (those kept in the ranked indicator table)."""
    out: dict[object, list[tuple[str, int, str]]] = {}
    if hits.empty or iocs.empty:
        return out
    kept = iocs[iocs["ioc_type"].isin(list(_NETWORK_TYPES))]
    if "ti_demote" in kept.columns:
        # Threat intelligence answered known-good or benign noise (CIRCL hashlookup, GreyNoise
        # RIOT / benign scanners): not a reason to look at the event.
        kept = kept[~kept["ti_demote"].fillna(False).astype(bool)]
    from asisdk.pipeline._stages import public_or_named

    kept = kept[
        [public_or_named(t, o) for t, o in zip(kept["ioc_type"], kept["observable"], strict=True)]
    ]
    if kept.empty:
        return out
    wanted = set(kept["observable"])
    rows = hits.loc[hits["observable"].isin(wanted), ["src_index", "observable", "source"]]
    original = rows.loc[rows["source"] == "original", ["src_index", "observable"]]
    pairs = rows[["src_index", "observable"]].drop_duplicates()
    flagged = pairs.merge(original.drop_duplicates().assign(_seen=True), how="left")
    decoded_only = flagged.loc[flagged["_seen"].isna(), "src_index"]
    only_after = set(decoded_only.tolist())
    pairs = pairs.assign(observable=pairs["observable"].astype(str)).sort_values(
        ["src_index", "observable"], kind="stable"
    )
    listed = pairs.groupby("src_index", sort=False)["observable"].agg(list)
    for event, values in zip(listed.index.tolist(), listed.tolist(), strict=True):
        late = event in only_after
        points = weights.indicator + (weights.decoded_indicator if late else 0)
        shown = ", ".join(values[:3]) + (f" (+{len(values) - 3} more)" if len(values) > 3 else "")
        where = " (only after decoding)" if late else ""
        out[event] = [("indicator", points, f"indicators {shown}{where}")]
    return out


# Text that opens as markup: an XML declaration, a doctype or an element.
_MARKUP = re.compile(r"\A\s*\ufeff?<(?:\?xml\b|!doctype\b|[a-z_][\w:.-]*[\s/>])", re.IGNORECASE)
# What makes markup run: script elements (HTA, SCT scriptlets, XSL ``msxsl:script``), XSL
# stylesheets (``wmic /format``), event handlers, script URIs, entities (XXE), COM objects,
# and the shells and launchers a payload calls.
_ACTIVE_MARKUP = re.compile(
    r"<\s*(?:[\w-]+:)?(?:script|scriptlet|stylesheet|transform|iframe|object|embed|applet)\b"
    r"|<\s*meta\s[^>]*http-equiv|<!entity\b|\bon[a-z]+\s*=|\b(?:java|vb)script\s*:"
    r"|\b(?:ActiveXObject|CreateObject|GetObject|WScript|Shell\.Application)\b"
    r"|\b(?:cmd(?:\.exe)?\s+/[ck]|powershell|pwsh|mshta|rundll32|regsvr32|certutil|bitsadmin)\b"
    r"|\b(?:IEX|Invoke-\w+)\b",
    re.IGNORECASE,
)


def _inert_markup(text: object) -> bool:
    """Whether a decoded layer is markup (XML, HTML) that carries nothing that runs.

    Updaters and agents pass XML request bodies in base64 on their command lines (an Omaha
    ``/ping`` request, for one); such a layer is data, not a payload. Markup that can run (a
    scriptlet, an HTA, an XSL stylesheet, event handlers, entities) or that names a shell or
    launcher is not inert.
    """
    return (
        isinstance(text, str)
        and _MARKUP.match(text) is not None
        and _ACTIVE_MARKUP.search(text) is None
    )


def _decoded_reasons(
    decoded: pd.DataFrame, weights: FindingWeights
) -> dict[object, list[tuple[str, int, str]]]:
    out: dict[object, list[tuple[str, int, str]]] = {}
    if decoded.empty:
        return out
    # Inert markup is data, not a payload: its layers do not score (they stay in the
    # decoded table; indicators found in them still count).
    decoded = decoded[~decoded["decoded_text"].map(_inert_markup).astype(bool)]
    if decoded.empty:
        return out
    in_parent = decoded["column"].astype(str).str.contains("parent", case=False, regex=False)
    own = decoded[~in_parent]
    parent = decoded[in_parent & ~decoded["src_index"].isin(set(own["src_index"]))]
    for kind, part in (("decoded_payload", own), ("parent_payload", parent)):
        if part.empty:
            continue
        layers = part["src_index"].value_counts()
        first = part.drop_duplicates("src_index")
        points = int(getattr(weights, kind))
        label = "parent decoded payload" if kind == "parent_payload" else "decoded payload"
        for event, encoding, column, text in zip(
            first["src_index"].tolist(),
            first["encoding"].tolist(),
            first["column"].tolist(),
            first["decoded_text"].tolist(),
            strict=True,
        ):
            preview = " ".join(text.split())[:120] if isinstance(text, str) else ""
            count = int(layers[event])
            where = f"{encoding} in {column} ({count} layer{'s' if count > 1 else ''})"
            out[event] = [(kind, points, f"{label}: {where}: {preview}")]
    return out


def _rarity(
    events: pd.DataFrame,
    fields: pd.DataFrame,
    *,
    rare_min_events: int,
    rare_share: float,
    weights: FindingWeights,
) -> dict[object, list[tuple[str, int, str]]]:
    """Rare on its host: pattern (or event shape) and image counted per host."""
    out: dict[object, list[tuple[str, int, str]]] = {}
    if events.empty:
        return out
    pattern = (
        events["pattern_id"]
        if "pattern_id" in events.columns
        else pd.Series(-1, index=events.index)
    )
    # Events without text (network connections, image loads ...) count by their shape.
    shape = fields["event_id"] + "|" + fields["image"].str.lower()
    key = pattern.astype(str).where(pattern >= 0, "shape:" + shape)
    host = fields["host"].str.lower()
    work = pd.DataFrame({"host": host, "key": key, "image": fields["image"].str.lower()})
    per_host = work.groupby("host")["key"].transform("size")
    per_key = work.groupby(["host", "key"])["key"].transform("size")
    per_image = work.groupby(["host", "image"])["key"].transform("size")
    threshold = np.maximum(rare_min_events, np.floor(rare_share * per_host))
    rare = per_key <= threshold
    rare_image = rare & (per_image <= threshold) & (work["image"] != "")
    selected = rare.to_numpy(dtype=bool)
    hosts: list[str] = fields["host"].to_numpy()[selected].tolist()
    images: list[str] = fields["image"].to_numpy()[selected].tolist()
    for event, count, total, in_image, image_rare, where, image in zip(
        events.index[selected].tolist(),
        per_key.to_numpy()[selected].tolist(),
        per_host.to_numpy()[selected].tolist(),
        per_image.to_numpy()[selected].tolist(),
        rare_image.to_numpy(dtype=bool)[selected].tolist(),
        hosts,
        images,
        strict=True,
    ):
        name = str(image).replace("/", "\\").rsplit("\\", 1)[-1]
        text = f"rare on {where or '(no host)'}: this pattern {count} of {total:,} events"
        points = weights.rare_pattern
        if image_rare:
            points += weights.rare_image
            text += f"; image {name} {in_image} event(s)"
        elif image:
            text += f"; image {name} seen in {in_image:,}"
        out[event] = [("rare_pattern", points, text)]
    return out


def _what_was_hidden(
    events: pd.DataFrame,
    fields: pd.DataFrame,
    reasons: dict[object, list[tuple[str, int, str]]],
    time_column: str | None,
) -> None:
    """Say, on a log clearing, how much of the host's capture comes before it."""
    cleared = [e for e, items in reasons.items() if any(k == "log_cleared" for k, _, _ in items)]
    if not cleared or time_column is None or time_column not in events.columns:
        return
    times = pd.to_datetime(events[time_column], utc=True, errors="coerce")
    hosts = fields["host"]
    for event in cleared:
        when, host = times.get(event), hosts.get(event)
        if when is None or pd.isna(when):
            continue
        same = hosts == host
        before = int((same & (times < when)).sum())
        after = int((same & (times > when)).sum())
        note = (
            f"log cleared at {when:%Y-%m-%d %H:%M:%S}: {before:,} earlier and {after:,} later "
            f"events of {host or 'this host'} are in this capture (what survives ranks on its "
            "own reasons; look for what came before in other logs)"
        )
        reasons[event].append(("log_cleared", 0, note))


def build_findings(
    events: pd.DataFrame,
    *,
    decoded: pd.DataFrame,
    ioc_hits: pd.DataFrame,
    iocs: pd.DataFrame,
    host_column: str | None = None,
    time_column: str | None = None,
    sigma_matches: pd.DataFrame | None = None,
    ti_verdicts: pd.DataFrame | None = None,
    allow: AllowList | None = None,
    weights: FindingWeights | None = None,
    min_level: SigmaLevel = "low",
    rare_min_events: int = _defaults.RARE_MIN_EVENTS,
    rare_share: float = _defaults.RARE_SHARE,
    text_columns: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rank the events worth an analyst's attention; one finding per event or identical group.

    Args:
        events: the triaged events (``TriageResult.events``, with ``pattern_id``).
        decoded: the decoded layers (:data:`DECODED_COLUMNS`).
        ioc_hits: where each indicator was found (:data:`IOC_COLUMNS`).
        iocs: the ranked indicator table (noise and allow-listed values already out).
        host_column: the host column; ``time_column``: the time column.
        sigma_matches: optional Sigma matches, :data:`SIGMA_MATCH_COLUMNS`.
        ti_verdicts: optional threat-intelligence verdicts, :data:`TI_VERDICT_COLUMNS`.
        allow: an :class:`~asisdk.pipeline.AllowList`; events it allows are not findings.
        weights: the points of each reason (default :class:`FindingWeights`).
        min_level: Sigma matches below this level are ignored.
        rare_min_events: a pattern is rare on its host with at most this many events ...
        rare_share: ... or at most this share of the host's events.
        text_columns: the triage's text columns; events with the same fields but another
            text are never grouped, and the text stands in for a missing command line.

    Returns:
        ``(findings, reasons)``: the findings (:data:`FINDING_COLUMNS`, best first, ``rank``
        from 1) and one row per reason (``rank``, ``kind``, ``points``, ``evidence``).

    Examples:
        >>> import pandas as pd
        >>> events = pd.DataFrame({"EventID": [1, 1], "Computer": ["ws1", "ws1"],
        ...     "Image": ["C:\\\\Windows\\\\System32\\\\rundll32.exe", "C:\\\\x\\\\a.exe"],
        ...     "CommandLine": ["rundll32 comsvcs.dll MiniDump 628 C:\\\\t\\\\l.dmp full", "a"],
        ...     "pattern_id": [0, 1]})
        >>> empty = pd.DataFrame(columns=["src_index", "observable", "ioc_type", "source"])
        >>> findings, _ = build_findings(events, decoded=pd.DataFrame(), ioc_hits=empty,
        ...     iocs=empty, rare_min_events=0)
        >>> findings[["rank", "score", "reason_kinds"]].values.tolist()
        [[1, 70, 'credential_access']]
    """
    w = weights or FindingWeights()
    require_level(min_level, InvalidArgumentError)
    fields = event_fields(events, host_column=host_column)
    own = [c for c in text_columns if c != "asi_event_text" and "parent" not in c.lower()]
    if own:
        # Where the command line is missing (""), the first text of ``own``.
        fields["command_line"] = _first_of(events, own, before=fields["command_line"])
    view = _view(events, fields)
    reasons: dict[object, list[tuple[str, int, str]]] = {}

    def add(found: Mapping[object, list[tuple[str, int, str]]]) -> None:
        for event, items in found.items():
            reasons.setdefault(event, []).extend(items)

    sigma_found, authors = _sigma_reasons(sigma_matches, w, min_level, events.index)
    add(sigma_found)
    add(_decoded_reasons(decoded, w))
    add(_ti_reasons(ti_verdicts, ioc_hits, w))
    add(_indicator_reasons(ioc_hits, iocs, w))
    seen_kinds: dict[object, set[str]] = {}
    for rule in _rules():
        mask = rule.test(view)
        points = int(getattr(w, rule.kind))
        for event in events.index[mask.to_numpy(dtype=bool)]:
            kinds = seen_kinds.setdefault(event, set())
            # One rule per kind counts in full; more rules of that kind add evidence only.
            value = 0 if rule.kind in kinds else points
            kinds.add(rule.kind)
            reasons.setdefault(event, []).append((rule.kind, value, rule.evidence))
    add(_rarity(events, fields, rare_min_events=rare_min_events, rare_share=rare_share, weights=w))
    _what_was_hidden(events, fields, reasons, time_column)
    flagged = list(reasons)
    if allow is not None:
        allowed = allow.event_mask(fields)
        flagged = [e for e in flagged if not bool(allowed.get(e, False))]
    return _assemble(events, fields, flagged, reasons, authors, time_column, text_columns)


def _assemble(
    events: pd.DataFrame,
    fields: pd.DataFrame,
    flagged: list[object],
    reasons: Mapping[object, list[tuple[str, int, str]]],
    authors: Mapping[object, set[str]],
    time_column: str | None,
    text_columns: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    reason_columns = ["rank", "kind", "points", "evidence"]
    if not flagged:
        return empty_table(FINDING_COLUMNS), empty_table(reason_columns)
    sub = fields.loc[flagged].copy()
    # The triage's text of each event: what tells apart events whose fields say nothing
    # (read for the flagged events only, not a copy of every event's message).
    if text_columns:
        wanted = set(named_columns(columns_by_name(events), text_columns))
        read = events.loc[flagged, [c for c in events.columns if c in wanted]]
        sub["text"] = _first_of(read, list(text_columns)).set_axis(sub.index)
    else:
        sub["text"] = ""
    sub["event_index"] = pd.Index(flagged).to_numpy()
    sub["score"] = [sum(p for _, p, _ in reasons[e]) for e in flagged]
    sub["reason_kinds"] = [
        ", ".join(dict.fromkeys(k for k, p, _ in reasons[e] if p or k == "sigma")) for e in flagged
    ]
    sub["reasons"] = [
        "; ".join(f"{text} (+{p})" if p else text for _, p, text in reasons[e]) for e in flagged
    ]
    sub["sigma_authors"] = [", ".join(sorted(authors.get(e, ()))) for e in flagged]
    for name in ("asi_file", "asi_row"):
        sub[name] = events.loc[flagged, name].to_numpy() if name in events.columns else None
    if time_column is not None and time_column in events.columns:
        sub["time"] = events.loc[flagged, time_column].to_numpy()
    else:
        sub["time"] = pd.NaT
    # Identical events on one host: a process logged twice (Sysmon 1 and Security 4688, which
    # name the user differently and has no parent command line) or run again with the same
    # command line and parent; the group shows its best-scored event.
    kind = sub["event_id"].replace({"4688": "1"})
    for name in (
        "host",
        "image",
        "command_line",
        "parent_image",
        "parent_command_line",
        "user",
        "details",
        "text",
    ):
        codes, uniques = pd.factorize(sub[name])
        flat = pd.Series(np.asarray(uniques, dtype=object), dtype=object).str.lower()
        flat = flat.str.replace(r"\s+", " ", regex=True).str.strip()
        sub[f"_k_{name}"] = flat.to_numpy()[codes] if len(flat) else ""
    for name in ("parent_command_line", "details", "user"):
        sub.loc[kind == "1", f"_k_{name}"] = ""
    sub["_k_kind"] = kind
    key = [c for c in sub.columns if c.startswith("_k_")]
    sub = sub.sort_values(["score", "event_index"], ascending=[False, True], kind="stable")
    sub["_group"] = sub.groupby(key, sort=False, dropna=False).ngroup()
    first = sub.drop_duplicates("_group").copy()
    counts = sub["_group"].value_counts()
    listed = sub.groupby("_group")["asi_row"].agg(list)
    rows_of = {
        g: ";".join(str(r) for r in rows[:_LISTED_ROWS] if not pd.isna(r))
        for g, rows in listed.items()
    }
    first["events"] = counts.reindex(first["_group"]).to_numpy()
    first["asi_rows"] = [rows_of[g] for g in first["_group"]]
    first = first.sort_values(
        ["score", "time", "event_index"],
        ascending=[False, True, True],
        kind="stable",
        na_position="last",
    )
    first["rank"] = range(1, len(first) + 1)
    first["EventRecordID"] = first["record_id"].where(first["record_id"] != "", None)
    findings = first.reset_index(drop=True)[list(FINDING_COLUMNS)]
    rows = [
        {"rank": rank, "kind": k, "points": p, "evidence": text}
        for rank, event in zip(findings["rank"], findings["event_index"], strict=True)
        for k, p, text in reasons[event]
    ]
    return findings, pd.DataFrame(rows, columns=reason_columns)


#: Most rows of a group listed in ``asi_rows`` (``events`` has the exact count).
_LISTED_ROWS: Final = 50
