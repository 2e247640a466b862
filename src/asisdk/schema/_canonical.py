"""The canonical event columns: one name per thing an analyst, a stage or a rule reads."""

from __future__ import annotations

from typing import Final, Literal

import attrs

__all__ = ["CANONICAL_COLUMNS", "CanonicalColumn", "ColumnKind", "canonical_column"]

#: How a canonical column's values are normalised.
#:
#: * ``text``: the first source value that is not empty or ``-``, as a string;
#: * ``int``: an integer (``Int64``); decimal or ``0x`` hexadecimal text is read (a Security
#:   4688 ``NewProcessId`` ``0x1a2c`` equals a Sysmon ``ProcessId`` 6700);
#: * ``time``: an aware UTC time (``datetime64[ns, UTC]``), see :mod:`asisdk.pipeline`;
#: * ``hash``: lower-case hexadecimal text;
#: * ``hex``: lower-case ``0x`` text (logon ids: ``0X3E7`` and ``0x3e7`` are one session).
ColumnKind = Literal["text", "int", "time", "hash", "hex"]


@attrs.frozen(kw_only=True)
class CanonicalColumn:
    """One canonical event column.

    Attributes:
        name: the column name (every canonical name starts ``asi_``, so it never clashes
            with a source column, which is kept beside it).
        kind: how values are normalised (:data:`ColumnKind`).
        role: the triage role it feeds (``text``, ``time``, ``host``, ``ip``) or ``None``.
        description: what it holds.
    """

    name: str
    kind: ColumnKind
    description: str
    role: Literal["text", "time", "host", "ip"] | None = None


def _c(
    name: str,
    kind: ColumnKind,
    description: str,
    role: Literal["text", "time", "host", "ip"] | None = None,
) -> CanonicalColumn:
    return CanonicalColumn(name=name, kind=kind, description=description, role=role)


#: Every canonical column, in the order :func:`asisdk.schema.normalise_events` adds them.
CANONICAL_COLUMNS: Final[tuple[CanonicalColumn, ...]] = (
    _c("asi_time", "time", "when the event happened, UTC", "time"),
    _c("asi_host", "text", "the host the event was logged on", "host"),
    _c("asi_user", "text", "the account acting (the one logged on, for logon events)"),
    _c("asi_user_domain", "text", "the domain of `asi_user`"),
    _c("asi_event_id", "int", "the event id (Windows EventID, ECS `event.code`)"),
    _c("asi_channel", "text", "the log: Windows channel, Defender table, Zeek log"),
    _c("asi_provider", "text", "the provider or source that wrote the event"),
    _c("asi_record_id", "int", "the record number in its log"),
    _c("asi_process_image", "text", "full path of the process's executable"),
    _c("asi_command_line", "text", "the process's command line", "text"),
    _c("asi_process_id", "int", "the process id"),
    _c("asi_process_guid", "text", "the process GUID (Sysmon) or entity id (ECS)"),
    _c("asi_parent_image", "text", "full path of the parent process's executable"),
    _c("asi_parent_command_line", "text", "the parent process's command line", "text"),
    _c("asi_parent_process_id", "int", "the parent process id"),
    _c("asi_parent_process_guid", "text", "the parent process GUID / entity id"),
    _c("asi_script_block", "text", "PowerShell script block or pipeline text", "text"),
    _c("asi_message", "text", "the rendered message or log line", "text"),
    _c("asi_src_ip", "text", "source (client) address of a connection or logon", "ip"),
    _c("asi_src_port", "int", "source port"),
    _c("asi_dst_ip", "text", "destination (server) address", "ip"),
    _c("asi_dst_port", "int", "destination port"),
    _c("asi_dst_host", "text", "destination host name"),
    _c("asi_protocol", "text", "transport protocol (tcp, udp, 6 ...)"),
    _c("asi_dns_query", "text", "the name looked up"),
    _c("asi_dns_answers", "text", "the answers of a DNS query"),
    _c("asi_url", "text", "a URL requested or downloaded from"),
    _c("asi_user_agent", "text", "HTTP user agent"),
    _c("asi_file_path", "text", "a file created, loaded, changed or transferred"),
    _c("asi_md5", "hash", "MD5 of the process image or file"),
    _c("asi_sha1", "hash", "SHA-1 of the process image or file"),
    _c("asi_sha256", "hash", "SHA-256 of the process image or file"),
    _c("asi_imphash", "hash", "import hash of the image (Sysmon `IMPHASH=`)"),
    _c("asi_registry_key", "text", "registry key (Sysmon `TargetObject`: key and value name)"),
    _c("asi_registry_value", "text", "registry value name"),
    _c("asi_registry_data", "text", "registry value data written"),
    _c("asi_logon_type", "int", "Windows logon type (2 interactive, 3 network, 10 RDP ...)"),
    _c("asi_logon_id", "hex", "logon session id"),
)

_BY_NAME: Final = {column.name: column for column in CANONICAL_COLUMNS}


def canonical_column(name: str) -> CanonicalColumn | None:
    """The canonical column called ``name``, or ``None``.

    Examples:
        >>> canonical_column("asi_command_line").role
        'text'
    """
    return _BY_NAME.get(name)
