"""Named defaults of the triage pipeline."""

from __future__ import annotations

from typing import Final

#: Columns read as command lines or messages, in order of preference (case-insensitive).
TEXT_COLUMNS: Final[tuple[str, ...]] = (
    "CommandLine",
    "ProcessCommandLine",
    "CreatedProcessCommandLine",
    "InitiatingProcessCommandLine",
    "ParentCommandLine",
    "ParentProcessCommandLine",
    "ScriptBlockText",
    "Message",
    "RenderedDescription",
    "Payload",
    "SyslogMessage",
    "RawData",
)

#: Columns read as event times, in order of preference (case-insensitive).
TIME_COLUMNS: Final[tuple[str, ...]] = (
    "TimeGenerated",
    "TimeCreated",
    "Timestamp",
    "EventTime",
    "TimeCreatedUtc",
    "UtcTime",
    "@timestamp",
    "timestamp",
    "time",
    "Date",
    "CreatedProcessCreationTime",
    "ReportTime",
)

#: Columns holding a bare IP address, scanned for indicators with the text columns.
IP_COLUMNS: Final[tuple[str, ...]] = (
    "IpAddress",
    "IPAddress",
    "SourceIp",
    "SourceIP",
    "SourceAddress",
    "DestinationIp",
    "DestinationIP",
    "DestinationAddress",
    "ClientIP",
    "RemoteIP",
    "RemoteIp",
    "CallerIpAddress",
)

#: Columns that name the host an event came from (timeline lanes).
HOST_COLUMNS: Final[tuple[str, ...]] = (
    "Computer",
    "Hostname",
    "DeviceName",
    "HostName",
    "ComputerDnsName",
    "Host",
)

#: Names of the columns added to every loaded event to link results back to the input.
FILE_COLUMN: Final = "asi_file"
ROW_COLUMN: Final = "asi_row"

#: Longest cell kept from an input file (longer cells are cut and reported).
MAX_CELL_CHARS: Final = 1_000_000
#: Longest CSV field read at all (longer ones make their row a reported, skipped row).
MAX_CSV_FIELD_CHARS: Final = 16_000_000
#: Records turned into a frame at a time while a file is read (bounds the raw rows held).
LOAD_CHUNK_ROWS: Final = 20_000
#: Loaded frames at least this long keep their repetitive text columns as categories ...
COMPACT_MIN_ROWS: Final = 50_000
#: ... a column being repetitive when it holds at most one distinct value per this many rows.
COMPACT_ROWS_PER_VALUE: Final = 8
#: Most input problems listed one by one (the count is always exact).
MAX_LISTED_PROBLEMS: Final = 200

#: A pattern is rare when it covers at most this many events ...
RARE_MIN_EVENTS: Final = 2
#: ... or at most this share of the events with text, whichever is larger.
RARE_SHARE: Final = 0.001

#: Rows shown per table in report.html (the CSV files hold every row).
REPORT_MAX_ROWS: Final = 500

#: Indicator types written to the STIX bundle.
STIX_TYPES: Final[tuple[str, ...]] = (
    "ipv4",
    "ipv6",
    "dns",
    "url",
    "email",
    "md5",
    "sha1",
    "sha256",
)

#: Indicator types VirusTotal can look up.
VT_TYPES: Final[tuple[str, ...]] = ("sha256", "sha1", "md5", "url", "dns", "ipv4", "ipv6")
#: Most distinct indicators sent to VirusTotal in one triage (a public key allows 500 a day).
VT_MAX_LOOKUPS: Final = 25
