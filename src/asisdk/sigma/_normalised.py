"""Events from other schemas (Defender, ECS/Winlogbeat, Sentinel tables) seen as Sysmon events.

SigmaHQ's Windows rules are written against Sysmon's and the Security log's field names
(``Image``, ``CommandLine``, ``ParentImage``, ``DestinationIp``, ``QueryName`` ...). Events
that are not Windows event-log records, such as a Defender ``DeviceProcessEvents`` export or
Winlogbeat JSON, carry the same facts under other names. :func:`sysmon_view` reads them through
the normalised event schema (:func:`asisdk.schema.normalise_events`) and writes each as the
Sysmon event of its kind: a process start as event 1, a connection as 3, a file write as 11, a
registry change as 13, a DNS query as 22. The Sigma engine then matches the view with the same
compiled rules, and the matches point at the original rows.

Rows that already are Windows event-log records (a ``Channel`` value) are left to the engine's
own log-source mapping and never appear in the view.

Example:
    >>> import pandas as pd
    >>> defender = pd.DataFrame({"DeviceName": ["ws1"], "ActionType": ["ProcessCreated"],
    ...     "FolderPath": [r"C:\\Windows\\System32\\whoami.exe"],
    ...     "ProcessCommandLine": ["whoami /all"],
    ...     "InitiatingProcessFolderPath": [r"C:\\Windows\\System32\\cmd.exe"]})
    >>> view = sysmon_view(defender)
    >>> view[["EventID", "CommandLine", "Computer"]].values.tolist()
    [[1, 'whoami /all', 'ws1']]
    >>> view["ParentImage"].iloc[0]
    'C:\\\\Windows\\\\System32\\\\cmd.exe'
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["SYSMON_CHANNEL", "sysmon_view"]

SYSMON_CHANNEL: Final = "Microsoft-Windows-Sysmon/Operational"

#: Sysmon field name -> the canonical column it is read from, per Sysmon event id.
_FIELDS: Final[dict[int, dict[str, str]]] = {
    1: {
        "Image": "asi_process_image",
        "CommandLine": "asi_command_line",
        "ParentImage": "asi_parent_image",
        "ParentCommandLine": "asi_parent_command_line",
        "ProcessId": "asi_process_id",
        "ProcessGuid": "asi_process_guid",
        "ParentProcessId": "asi_parent_process_id",
        "ParentProcessGuid": "asi_parent_process_guid",
        "User": "asi_user",
    },
    3: {
        "Image": "asi_process_image",
        "SourceIp": "asi_src_ip",
        "SourcePort": "asi_src_port",
        "DestinationIp": "asi_dst_ip",
        "DestinationPort": "asi_dst_port",
        "DestinationHostname": "asi_dst_host",
        "Protocol": "asi_protocol",
        "User": "asi_user",
    },
    11: {"Image": "asi_process_image", "TargetFilename": "asi_file_path", "User": "asi_user"},
    13: {
        "Image": "asi_process_image",
        "TargetObject": "asi_registry_key",
        "Details": "asi_registry_data",
        "User": "asi_user",
    },
    22: {
        "Image": "asi_process_image",
        "QueryName": "asi_dns_query",
        "QueryResults": "asi_dns_answers",
        "User": "asi_user",
    },
}
#: Fields that several schemas name directly (kept when the source has them).
_DIRECT: Final = {
    "OriginalFileName": (
        "ProcessVersionInfoOriginalFileName",
        "process.pe.original_file_name",
        "OriginalFileName",
    ),
    "IntegrityLevel": ("ProcessIntegrityLevel", "IntegrityLevel"),
    "CurrentDirectory": ("process.working_directory", "CurrentDirectory"),
}


#: Columns that tell a schema other than Sysmon's / the Security log's: Defender tables
#: (Advanced Hunting, Sentinel), their older export names, ECS / Winlogbeat dotted names.
_FOREIGN_COLUMNS: Final = frozenset(
    {
        "ProcessCommandLine",
        "InitiatingProcessFileName",
        "InitiatingProcessCommandLine",
        "FolderPath",
        "CreatedProcessCommandLine",
        "CreatedProcessName",
        "RemoteIP",
        "RegistryKey",
    }
)
_FOREIGN_PREFIXES: Final = ("process.", "event.", "dns.", "destination.", "file.", "registry.")


def _foreign(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` has columns of a schema the view translates."""
    names = {str(c) for c in frame.columns}
    return bool(names & _FOREIGN_COLUMNS) or any(n.startswith(_FOREIGN_PREFIXES) for n in names)


def _present(frame: pd.DataFrame, column: str) -> pd.Series[bool]:
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    values = frame[column]
    text = values.astype("string").str.strip()
    return (values.notna() & (text != "") & (text != "-")).fillna(False).astype(bool)


def _lower(frame: pd.DataFrame, *names: str) -> pd.Series[Any]:
    for name in names:
        if name in frame.columns:
            return frame[name].astype("string").str.lower().fillna("")
    return pd.Series("", index=frame.index, dtype="string")


def _kinds(rows: pd.DataFrame, canon: pd.DataFrame) -> pd.Series[Any]:
    """The Sysmon event id each row is (0: none of the kinds Sigma rules read)."""
    action = _lower(rows, "ActionType", "event.action")
    category = _lower(rows, "event.category")
    kind = pd.Series(0, index=rows.index, dtype="int64")
    process = _present(canon, "asi_command_line") | _present(canon, "asi_process_image")
    started = (
        action.str.contains("processcreated", regex=False)
        | (category.str.contains("process", regex=False) & ~action.str.contains("end"))
        | action.isin(["", "start", "exec", "process_started"])
    )
    kind[process & started] = 1
    kind[_present(canon, "asi_file_path") & (kind == 0)] = 11
    kind[_present(canon, "asi_registry_key")] = 13
    kind[_present(canon, "asi_dst_ip")] = 3
    kind[_present(canon, "asi_dns_query")] = 22
    # A Defender file or registry table row names its initiating process too: its action
    # says which kind it is (FileCreated, RegistryValueSet ...).
    kind[action.str.startswith("file") & _present(canon, "asi_file_path")] = 11
    kind[action.str.startswith("registry") & _present(canon, "asi_registry_key")] = 13
    return kind


def _hashes(canon: pd.DataFrame) -> npt.NDArray[np.object_]:
    """Sysmon's ``Hashes`` text (``MD5=...,SHA256=...``) from the canonical hash columns."""
    names = [("MD5", "asi_md5"), ("SHA1", "asi_sha1"), ("SHA256", "asi_sha256")]
    names.append(("IMPHASH", "asi_imphash"))
    columns = [canon[column].astype("object").tolist() for _, column in names]
    out = [
        ",".join(
            f"{name}={value.upper()}"
            for (name, _), value in zip(names, values, strict=True)
            if isinstance(value, str) and value
        )
        or None
        for values in zip(*columns, strict=True)
    ]
    return np.array(out, dtype=object)


def sysmon_view(frame: pd.DataFrame) -> pd.DataFrame | None:
    """The events of ``frame`` that are not event-log records, as Sysmon events.

    Args:
        frame: events of any schema the normalised schema knows (Defender, ECS/Winlogbeat,
            Sentinel tables, Zeek).

    Returns:
        One row per such event of a kind Sigma rules read (process start, connection, file,
        registry, DNS), indexed as in ``frame``, with ``Channel`` and ``EventID`` set and the
        Sysmon field names filled; ``None`` when there is none.
    """
    if frame.empty or not _foreign(frame):
        return None  # Sigma's own field names: the engine reads them as they are
    native = _present(frame, "Channel")
    if bool(native.all()):
        return None
    from asisdk.schema import normalise_events

    rows = frame[~native.to_numpy()]
    canon = normalise_events(rows)
    kinds = _kinds(rows, canon)
    keep = (kinds > 0).to_numpy()
    if not keep.any():
        return None
    rows, canon, kinds = rows[keep], canon[keep], kinds[keep]
    view = pd.DataFrame(index=rows.index)
    view["Channel"] = SYSMON_CHANNEL
    view["EventID"] = kinds.to_numpy()
    view["Computer"] = canon["asi_host"].to_numpy()
    for event_id, fields in _FIELDS.items():
        chosen = (kinds == event_id).to_numpy()
        if not chosen.any():
            continue
        for field, source in fields.items():
            if field not in view.columns:
                view[field] = pd.Series(None, index=view.index, dtype="object")
            values = canon[source].astype("object").where(canon[source].notna(), None)
            view.loc[chosen, field] = values.to_numpy()[chosen]
    view["Hashes"] = _hashes(canon)
    for field, sources in _DIRECT.items():
        for source in sources:
            if source in rows.columns:
                view[field] = rows[source].to_numpy()
                break
    for name in ("asi_file", "asi_row", "TimeCreated"):
        if name in rows.columns:
            view[name] = rows[name].to_numpy()
    if "TimeCreated" not in view.columns:
        view["TimeCreated"] = canon["asi_time"].to_numpy()
    return view
