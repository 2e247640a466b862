"""Where each canonical column comes from, per source: Windows, Sysmon, Defender, ECS, Zeek.

A canonical column takes, row by row, the first of its :class:`FieldSource` entries that
applies to the row and holds a value. Most sources apply to every row that has the column
(``CommandLine`` means the same in Sysmon 1, Security 4688 and Sentinel's
``SecurityEvent``); the rest say when they apply:

* ``family``: rows of that log (``sysmon``, ``security``, ``powershell``), told by the
  ``Channel`` or provider; rows with neither count as any family.
* ``event_ids``: rows with one of these event ids (``TargetUserName`` is the user of a
  logon, 4624, but not of a process creation, 4688).
* ``when_present`` / ``when_absent``: rows where one of these columns has (or none has) a
  value: in Security 4688 ``ProcessId`` is the *parent* (the row has ``NewProcessId``); in
  Defender's process table ``InitiatingProcess*`` is the parent (the row has
  ``ProcessCommandLine``), in its other tables it is the process itself.
* ``when_equals``: rows where a column has a value (case-insensitive).
* ``part``: the ``NAME=value`` item of a ``A=x,B=y`` list (Sysmon ``Hashes``).
* ``template``: text made from several columns (a Zeek http URL from ``host`` and ``uri``).
"""

from __future__ import annotations

from typing import Final, Literal

import attrs

__all__ = ["FIELD_PREFIXES", "FIELD_SOURCES", "Family", "FieldSource"]

#: Log families told apart by ``Channel`` / provider (``any``: every row).
Family = Literal["any", "sysmon", "security", "powershell"]

#: Prefixes of flattened nested names: ``EventData.CommandLine`` and
#: ``winlog.event_data.CommandLine`` count as ``CommandLine`` when that column is absent.
FIELD_PREFIXES: Final[tuple[str, ...]] = (
    "EventData.",
    "UserData.",
    "System.",
    "Event.EventData.",
    "Event.System.",
    "winlog.event_data.",
    "winlog.user_data.",
    "event_data.",
)

_LOGONS: Final = frozenset({4624, 4625, 4634, 4647, 4648, 4768, 4769, 4771, 4776, 4778, 4779})
_DEFENDER_PROCESS: Final = ("ProcessCommandLine", "CreatedProcessCommandLine")
_ZEEK: Final = ("id.orig_h", "id.resp_h")
#: An access log's ``Protocol`` is the HTTP version (``HTTP/1.1``), not a transport.
_ACCESS_REQUEST: Final = ("Request",)


@attrs.frozen(kw_only=True)
class FieldSource:
    """One source column of a canonical column, and when it applies.

    Attributes:
        canonical: the canonical column it fills.
        column: the source column (matched exactly, then case-insensitively, then under a
            :data:`FIELD_PREFIXES` prefix).
        source: where it comes from, for the documentation (``Sysmon 1``, ``ECS`` ...).
        family: rows of this log only (see the module docstring).
        event_ids: rows with one of these event ids only (empty: any).
        when_present: rows where one of these columns has a value only.
        when_absent: rows where none of these columns has a value only.
        when_equals: ``(column, value)``: rows where ``column`` equals ``value`` only.
        part: take the ``part=`` item of a comma-separated ``NAME=value`` list.
        template: build the value from ``{column}`` placeholders (all must have values).
    """

    canonical: str
    column: str
    source: str
    family: Family = "any"
    event_ids: frozenset[int] = frozenset()
    when_present: tuple[str, ...] = ()
    when_absent: tuple[str, ...] = ()
    when_equals: tuple[str, str] | None = None
    part: str | None = None
    template: str | None = None


def _sources(canonical: str, *entries: tuple[str, str] | FieldSource) -> tuple[FieldSource, ...]:
    return tuple(
        attrs.evolve(entry, canonical=canonical)
        if isinstance(entry, FieldSource)
        else FieldSource(canonical=canonical, column=entry[0], source=entry[1])
        for entry in entries
    )


def _when(column: str, source: str, **conditions: object) -> FieldSource:
    return FieldSource(canonical="", column=column, source=source, **conditions)  # type: ignore[arg-type]


#: Every source of every canonical column, in the order they are tried.
FIELD_SOURCES: Final[tuple[FieldSource, ...]] = (
    *_sources(
        "asi_time",
        ("TimeCreated", "Windows: Security, Sysmon, PowerShell (System); NXLog"),
        ("@timestamp", "ECS / Winlogbeat"),
        ("TimeGenerated", "Sentinel (every table)"),
        ("Timestamp", "Defender (every table); Zeek (copy of ts)"),
        ("ts", "Zeek"),
        _when("UtcTime", "Sysmon (EventData)", family="sysmon"),
        ("TimeCreatedUtc", "Sentinel export"),
        ("CreatedProcessCreationTime", "Defender (raw process events)"),
        ("EventTime", "NXLog (host local time: last resort)"),
    ),
    *_sources(
        "asi_host",
        (
            "Computer",
            "Windows: Security, Sysmon, PowerShell; Sentinel SecurityEvent, Event, Syslog",
        ),
        ("Hostname", "Windows: Security, Sysmon, PowerShell (NXLog/OTRF)"),
        ("DeviceName", "Defender"),
        ("host.name", "ECS"),
        ("winlog.computer_name", "Winlogbeat"),
        ("ComputerDnsName", "Defender (raw process events)"),
        ("HostName", "Sentinel Syslog"),
        ("host.hostname", "ECS"),
        ("agent.hostname", "Beats (agent host)"),
        ("s-computername", "IIS W3C"),
    ),
    *_sources(
        "asi_user",
        ("User", "Sysmon 1, 3 ... (DOMAIN\\user)"),
        _when(
            "TargetUserName", "Security logons 4624/4625/4634/4648/4768/4771 ...", event_ids=_LOGONS
        ),
        ("SubjectUserName", "Security 4688, 4672, 4698 ..."),
        ("AccountName", "Defender"),
        ("CreatedProcessAccountName", "Defender (raw process events)"),
        ("user.name", "ECS"),
        ("winlog.user.name", "Winlogbeat"),
        ("Account", "Sentinel SecurityEvent (DOMAIN\\user)"),
        ("UserName", "Sentinel Event"),
        ("cs-username", "IIS W3C"),
        ("TargetUserName", "Security (other events)"),
    ),
    *_sources(
        "asi_user_domain",
        _when("TargetDomainName", "Security logons", event_ids=_LOGONS),
        ("SubjectDomainName", "Security"),
        ("AccountDomain", "Defender"),
        ("CreatedProcessAccountDomainName", "Defender (raw process events)"),
        ("user.domain", "ECS"),
        ("winlog.user.domain", "Winlogbeat"),
        ("TargetDomainName", "Security (other events)"),
    ),
    *_sources(
        "asi_event_id",
        ("EventID", "Windows: Security, Sysmon, PowerShell; Sentinel SecurityEvent"),
        ("event.code", "ECS"),
        ("winlog.event_id", "Winlogbeat"),
    ),
    *_sources(
        "asi_channel",
        ("Channel", "Windows: Security, Sysmon, PowerShell"),
        ("winlog.channel", "Winlogbeat"),
        ("EventLog", "Sentinel Event"),
        ("event.dataset", "ECS"),
        ("Type", "Sentinel / Defender table name"),
        ("_path", "Zeek JSON (log name)"),
    ),
    *_sources(
        "asi_provider",
        ("Provider_Name", "Windows: Security, Sysmon, PowerShell (EVTX)"),
        ("SourceName", "Windows: Security, Sysmon, PowerShell (NXLog/OTRF)"),
        ("winlog.provider_name", "Winlogbeat"),
        ("event.provider", "ECS"),
        ("EventSourceName", "Sentinel SecurityEvent"),
        ("Source", "Sentinel Event"),
        ("AppName", "syslog (RFC 3164 tag, RFC 5424 APP-NAME)"),
    ),
    *_sources(
        "asi_record_id",
        ("EventRecordID", "Windows: Security, Sysmon, PowerShell (EVTX)"),
        ("RecordNumber", "Windows: Security, Sysmon, PowerShell (NXLog/OTRF)"),
        ("winlog.record_id", "Winlogbeat"),
    ),
    *_sources(
        "asi_process_image",
        ("Image", "Sysmon 1, 3, 5, 7, 11, 12-14, 22 ..."),
        ("NewProcessName", "Security 4688"),
        _when("FolderPath", "Defender DeviceProcessEvents", when_present=_DEFENDER_PROCESS),
        _when(
            "InitiatingProcessFolderPath",
            "Defender (other tables: the acting process)",
            when_absent=_DEFENDER_PROCESS,
        ),
        ("CreatedProcessFilePath", "Defender (raw process events)"),
        ("process.executable", "ECS"),
        ("exe", "auditd"),
        ("SourceImage", "Sysmon 8, 10"),
        ("ProcessName", "Security 4624/4625, 4656/4663 ..."),
        ("Application", "Security 5156/5158 (WFP)"),
    ),
    *_sources(
        "asi_command_line",
        ("CommandLine", "Sysmon 1, Security 4688, Sentinel SecurityEvent"),
        ("ProcessCommandLine", "Defender DeviceProcessEvents"),
        ("CreatedProcessCommandLine", "Defender (raw process events)"),
        ("process.command_line", "ECS"),
        _when(
            "InitiatingProcessCommandLine",
            "Defender (other tables: the acting process)",
            when_absent=_DEFENDER_PROCESS,
        ),
    ),
    *_sources(
        "asi_process_id",
        ("NewProcessId", "Security 4688 (hex)"),
        _when("ProcessId", "Sysmon, Security 4624 ..., Defender", when_absent=("NewProcessId",)),
        ("CreatedProcessId", "Defender (raw process events)"),
        _when(
            "InitiatingProcessId",
            "Defender (other tables: the acting process)",
            when_absent=_DEFENDER_PROCESS,
        ),
        ("process.pid", "ECS"),
        ("SourceProcessId", "Sysmon 8, 10"),
        ("pid", "auditd"),
    ),
    *_sources(
        "asi_process_guid",
        ("ProcessGuid", "Sysmon"),
        ("process.entity_id", "ECS"),
        ("SourceProcessGuid", "Sysmon 8, 10"),
        ("SourceProcessGUID", "Sysmon 8, 10 (older schema)"),
    ),
    *_sources(
        "asi_parent_image",
        ("ParentImage", "Sysmon 1"),
        ("ParentProcessName", "Security 4688"),
        _when(
            "InitiatingProcessFolderPath",
            "Defender DeviceProcessEvents",
            when_present=_DEFENDER_PROCESS,
        ),
        ("InitiatingProcessImageFilePath", "Defender (raw process events)"),
        ("process.parent.executable", "ECS"),
    ),
    *_sources(
        "asi_parent_command_line",
        ("ParentCommandLine", "Sysmon 1"),
        _when(
            "InitiatingProcessCommandLine",
            "Defender DeviceProcessEvents",
            when_present=_DEFENDER_PROCESS,
        ),
        ("Process_CommandLine", "Defender (raw process events)"),
        ("process.parent.command_line", "ECS"),
        ("ParentProcessCommandLine", "other exports"),
    ),
    *_sources(
        "asi_parent_process_id",
        ("ParentProcessId", "Sysmon 1"),
        _when("ProcessId", "Security 4688 (the creator, hex)", when_present=("NewProcessId",)),
        _when(
            "InitiatingProcessId", "Defender DeviceProcessEvents", when_present=_DEFENDER_PROCESS
        ),
        _when(
            "InitiatingProcessParentId", "Defender (other tables)", when_absent=_DEFENDER_PROCESS
        ),
        ("process.parent.pid", "ECS"),
        ("ppid", "auditd"),
    ),
    *_sources(
        "asi_parent_process_guid",
        ("ParentProcessGuid", "Sysmon 1"),
        ("process.parent.entity_id", "ECS"),
    ),
    *_sources(
        "asi_script_block",
        ("ScriptBlockText", "PowerShell 4104"),
        _when("Payload", "PowerShell 4103", family="powershell"),
        ("powershell.file.script_block_text", "ECS (Winlogbeat PowerShell module)"),
    ),
    *_sources(
        "asi_message",
        ("Message", "Windows: Security, Sysmon, PowerShell (NXLog/OTRF rendered text); Sentinel"),
        ("RenderedDescription", "Sentinel Event"),
        ("SyslogMessage", "Sentinel Syslog"),
        ("message", "ECS"),
        ("event.original", "ECS (the event as received)"),
    ),
    *_sources(
        "asi_src_ip",
        ("SourceIp", "Sysmon 3"),
        ("SourceAddress", "Security 5156/5157 (WFP)"),
        ("IpAddress", "Security 4624/4625/4648/4768/4771/4776, Sentinel"),
        _when("RemoteIP", "Defender DeviceLogonEvents", when_present=("LogonType",)),
        _when("LocalIP", "Defender DeviceNetworkEvents", when_absent=("LogonType",)),
        ("source.ip", "ECS"),
        ("client.ip", "ECS (web and proxy logs)"),
        ("c-ip", "IIS W3C"),
        ("id.orig_h", "Zeek"),
        ("ClientIP", "other exports"),
    ),
    *_sources(
        "asi_src_port",
        ("SourcePort", "Sysmon 3, Security 5156"),
        ("IpPort", "Security 4624/4625"),
        _when("RemotePort", "Defender DeviceLogonEvents", when_present=("LogonType",)),
        _when("LocalPort", "Defender DeviceNetworkEvents", when_absent=("LogonType",)),
        ("source.port", "ECS"),
        ("client.port", "ECS (web and proxy logs)"),
        ("id.orig_p", "Zeek"),
    ),
    *_sources(
        "asi_dst_ip",
        ("DestinationIp", "Sysmon 3"),
        ("DestAddress", "Security 5156/5157 (WFP)"),
        _when("RemoteIP", "Defender DeviceNetworkEvents", when_absent=("LogonType",)),
        ("destination.ip", "ECS"),
        ("server.ip", "ECS (web and proxy logs)"),
        ("s-ip", "IIS W3C"),
        ("id.resp_h", "Zeek"),
    ),
    *_sources(
        "asi_dst_port",
        ("DestinationPort", "Sysmon 3"),
        ("DestPort", "Security 5156/5157 (WFP)"),
        _when("RemotePort", "Defender DeviceNetworkEvents", when_absent=("LogonType",)),
        ("destination.port", "ECS"),
        ("server.port", "ECS (web and proxy logs)"),
        ("s-port", "IIS W3C"),
        ("id.resp_p", "Zeek"),
    ),
    *_sources(
        "asi_dst_host",
        ("DestinationHostname", "Sysmon 3"),
        ("destination.domain", "ECS"),
        ("url.domain", "ECS"),
        ("cs-host", "IIS W3C (Host header)"),
        _when("host", "Zeek http (Host header)", when_present=_ZEEK),
        _when("server_name", "Zeek ssl (SNI)", when_present=_ZEEK),
    ),
    *_sources(
        "asi_protocol",
        _when("Protocol", "Sysmon 3, Security 5156, Defender", when_absent=_ACCESS_REQUEST),
        ("network.transport", "ECS"),
        ("proto", "Zeek conn"),
    ),
    *_sources(
        "asi_dns_query",
        ("QueryName", "Sysmon 22"),
        ("dns.question.name", "ECS"),
        _when("query", "Zeek dns", when_present=_ZEEK),
    ),
    *_sources(
        "asi_dns_answers",
        ("QueryResults", "Sysmon 22"),
        _when("answers", "Zeek dns", when_present=_ZEEK),
    ),
    *_sources(
        "asi_url",
        ("url.full", "ECS"),
        ("url.original", "ECS"),
        ("RemoteUrl", "Defender DeviceNetworkEvents"),
        ("FileOriginUrl", "Defender DeviceFileEvents"),
        ("Url", "Apache/nginx access (request target)"),
        _when("cs-uri-query", "IIS W3C (path and query)", template="{cs-uri-stem}?{cs-uri-query}"),
        ("cs-uri-stem", "IIS W3C (path)"),
        _when("uri", "Zeek http", when_present=_ZEEK, template="http://{host}{uri}"),
    ),
    *_sources(
        "asi_user_agent",
        ("user_agent.original", "ECS"),
        ("UserAgent", "Apache/nginx access"),
        ("cs(User-Agent)", "IIS W3C"),
        _when("user_agent", "Zeek http", when_present=_ZEEK),
    ),
    *_sources(
        "asi_file_path",
        ("TargetFilename", "Sysmon 2, 11, 15, 23, 26"),
        ("ImageLoaded", "Sysmon 6, 7"),
        _when("FolderPath", "Defender file / image load tables", when_absent=_DEFENDER_PROCESS),
        ("file.path", "ECS"),
        _when(
            "ObjectName",
            "Security 4656/4663 (file objects)",
            event_ids=frozenset({4656, 4658, 4660, 4663}),
            when_equals=("ObjectType", "File"),
        ),
        _when("filename", "Zeek files", when_present=("fuid",)),
    ),
    *_sources(
        "asi_md5",
        _when("Hashes", "Sysmon 1, 6, 7, 23 (MD5=)", part="MD5"),
        _when("Hash", "Sysmon 15, 26 (MD5=)", part="MD5"),
        ("MD5", "Defender"),
        ("CreatedProcessFileMd5", "Defender (raw process events)"),
        ("process.hash.md5", "ECS"),
        ("file.hash.md5", "ECS"),
        _when("md5", "Zeek files", when_present=("fuid",)),
    ),
    *_sources(
        "asi_sha1",
        _when("Hashes", "Sysmon 1, 6, 7, 23 (SHA1=)", part="SHA1"),
        _when("Hash", "Sysmon 15, 26 (SHA1=)", part="SHA1"),
        ("SHA1", "Defender"),
        ("CreatedProcessFileSha1", "Defender (raw process events)"),
        ("process.hash.sha1", "ECS"),
        ("file.hash.sha1", "ECS"),
        _when("sha1", "Zeek files", when_present=("fuid",)),
    ),
    *_sources(
        "asi_sha256",
        _when("Hashes", "Sysmon 1, 6, 7, 23 (SHA256=)", part="SHA256"),
        _when("Hash", "Sysmon 15, 26 (SHA256=)", part="SHA256"),
        ("SHA256", "Defender"),
        ("CreatedProcessFileSha256", "Defender (raw process events)"),
        ("process.hash.sha256", "ECS"),
        ("file.hash.sha256", "ECS"),
        _when("sha256", "Zeek files", when_present=("fuid",)),
    ),
    *_sources(
        "asi_imphash",
        _when("Hashes", "Sysmon 1, 6, 7 (IMPHASH=)", part="IMPHASH"),
        ("process.pe.imphash", "ECS"),
    ),
    *_sources(
        "asi_registry_key",
        ("TargetObject", "Sysmon 12, 13, 14"),
        ("RegistryKey", "Defender DeviceRegistryEvents"),
        ("registry.path", "ECS"),
        _when("ObjectName", "Security 4657", event_ids=frozenset({4657})),
    ),
    *_sources(
        "asi_registry_value",
        ("RegistryValueName", "Defender DeviceRegistryEvents"),
        ("registry.value", "ECS"),
        _when("ObjectValueName", "Security 4657", event_ids=frozenset({4657})),
    ),
    *_sources(
        "asi_registry_data",
        _when("Details", "Sysmon 13", family="sysmon"),
        ("RegistryValueData", "Defender DeviceRegistryEvents"),
        ("registry.data.strings", "ECS"),
        _when("NewValue", "Security 4657", event_ids=frozenset({4657})),
    ),
    *_sources(
        "asi_logon_type",
        ("LogonType", "Security 4624/4625, Defender DeviceLogonEvents, Sentinel"),
    ),
    *_sources(
        "asi_logon_id",
        _when("TargetLogonId", "Security logons", event_ids=_LOGONS),
        ("LogonId", "Sysmon 1, Defender"),
        ("SubjectLogonId", "Security 4688, 4672 ..."),
        ("winlog.logon.id", "Winlogbeat"),
    ),
)
