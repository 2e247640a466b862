"""Line-oriented logs: syslog (RFC 3164 and 5424), auditd, Apache/nginx access, IIS W3C, text.

Each reader yields ``(line number, row)`` with a ``Message`` (the text the triage reads) and,
where the format has one, a ``Timestamp``. Decisions, also stated in docs/inputs.md:

* **syslog**: ``Timestamp``, ``Hostname``, ``AppName``, ``ProcessId``, ``Message``, and with a
  ``<PRI>``, ``Facility`` and ``Severity`` (numbers, as RFC 5424 defines them). RFC 5424 adds
  ``MsgId``, ``StructuredData`` (as written) and one ``sd.<SD-ID>.<name>`` column per
  parameter. An RFC 3164 stamp has no year and no zone: the year is the file's modification
  year in the log's time zone (the year before when the date would be later), and the time
  is read in that zone (``timezone``, an IANA name: ``--timezone`` on the command line;
  UTC when none is given) and written as UTC (ISO 8601, ``+00:00``). An ISO stamp without
  an offset is read in that zone too; a wall-clock time that occurs twice at a DST change
  is taken as the first.
* **auditd**: the records of one event (same ``msg=audit(time:serial)``) are one row, even
  when other events' records come between them (at most :data:`MAX_OPEN_AUDIT_EVENTS` are
  kept open). ``Timestamp`` (UTC, milliseconds), ``AuditSerial``, ``RecordTypes``
  (``SYSCALL,EXECVE,...``), every field as ``<TYPE>.<name>`` (``PATH.1.name`` for a second
  ``PATH`` record), the process and user fields also bare (``pid``, ``ppid``, ``uid``,
  ``auid``, ``exe``, ``comm``, ``key``, ``acct``, ``addr``, ``res``...), and
  ``CommandLine`` from ``EXECVE`` arguments or else ``PROCTITLE``. Hex-encoded values
  (``proctitle``, ``a0``..., ``name``, ``cwd``...) are decoded (NUL separators as spaces).
  ``Message`` holds the event's records as written, joined by a newline.
* **access** (Apache/nginx common and combined): ``ClientIP``, ``Ident``, ``User``,
  ``Timestamp`` (UTC), ``Method``, ``Url``, ``Protocol``, ``Status``, ``Bytes``, ``Referer``,
  ``UserAgent``; ``Message`` is ``request status referer user-agent``.
* **iis** (W3C extended, any ``#Fields:``): the fields under their W3C names (``c-ip``,
  ``cs-uri-stem`` ...; a new ``#Fields:`` line changes them), ``+`` in ``cs(User-Agent)`` and
  ``cs(Referer)`` read as a space, ``Timestamp`` from ``date`` and ``time`` (UTC, as W3C logs
  are), ``ClientIP`` repeating ``c-ip``, and ``Message`` as ``method stem?query status agent``.
* **text**: one row per non-blank line, ``Message`` the line; a line starting with an ISO 8601
  time or an Apache error-log stamp (``[Sun Dec 04 04:47:44 2005]``) gets a ``Timestamp``.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Final, Literal

__all__ = [
    "MAX_OPEN_AUDIT_EVENTS",
    "TEXT_LOG_FORMATS",
    "TextLogFormat",
    "looks_delimited",
    "read_text_log",
    "sniff_text_log",
]

#: Line formats this module reads.
TextLogFormat = Literal["syslog", "auditd", "access", "iis", "text"]

#: The formats, as ``--format`` names them.
TEXT_LOG_FORMATS: Final[tuple[TextLogFormat, ...]] = ("syslog", "auditd", "access", "iis", "text")

#: auditd events whose records are still being gathered; the oldest is written past this.
MAX_OPEN_AUDIT_EVENTS: Final = 64

#: Lines looked at to tell a format; this share of them must match it.
_SNIFF_LINES: Final = 20
_SNIFF_SHARE: Final = 0.8
#: A CSV header field is at most this long and this many words.
_MAX_HEADER_CHARS: Final = 128
_MAX_HEADER_WORDS: Final = 6

_MONTHS: Final = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}

_RFC3164: Final = re.compile(
    r"(?:<(?P<pri>\d{1,3})>)?(?P<month>[A-Z][a-z]{2}) {1,2}(?P<day>\d{1,2}) "
    r"(?P<hour>\d\d):(?P<minute>\d\d):(?P<second>\d\d) (?P<rest>.*)"
)
_ISO_SYSLOG: Final = re.compile(
    r"(?:<(?P<pri>\d{1,3})>)?(?P<stamp>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?"
    r"(?:Z|[+-]\d\d:?\d\d)?) (?P<rest>.*)"
)
_RFC5424: Final = re.compile(
    r"<(?P<pri>\d{1,3})>1 (?P<stamp>\S+) (?P<host>\S+) (?P<app>\S+) (?P<procid>\S+) "
    r"(?P<msgid>\S+) (?P<rest>.*)"
)
_TAG: Final = re.compile(r"(?P<app>[^:\[\s]+)(?:\[(?P<pid>[^\]\s]*)\])?(?: \([^)]*\))?: ?")
_AUDIT: Final = re.compile(
    r"(?:node=(?P<node>\S+) )?type=(?P<type>\S+) msg=audit\((?P<sec>\d+)\.(?P<ms>\d+):"
    r"(?P<serial>\d+)\): ?(?P<body>.*)"
)
_AUDIT_FIELD: Final = re.compile(r"""([\w-]+)=("[^"]*"|'[^']*'|\S*)""")
_HEX: Final = re.compile(r"(?:[0-9A-F]{2})+")
#: auditd fields that are written in hex when they hold a space, quote or control character.
_AUDIT_HEX_FIELDS: Final = frozenset(
    {"proctitle", "name", "cwd", "exe", "comm", "path", "cmd", "data", "old", "new", "key"}
)
#: Fields also written under their bare name (the first record of an event that has them).
_AUDIT_BARE: Final = frozenset(
    {
        "pid", "ppid", "uid", "auid", "euid", "gid", "ses", "tty", "comm", "exe", "key",
        "success", "exit", "syscall", "acct", "addr", "hostname", "terminal", "res", "op",
    }
)  # fmt: skip
_ACCESS: Final = re.compile(
    r"(?P<ip>\S+) (?P<ident>\S+) (?P<user>\S+) \[(?P<stamp>[^\]]+)\] "
    r'"(?P<request>(?:[^"\\]|\\.)*)" (?P<status>\d{3}|-) (?P<bytes>\d+|-)'
    r'(?: "(?P<referer>(?:[^"\\]|\\.)*)" "(?P<agent>(?:[^"\\]|\\.)*)")?.*'
)
_ISO_PREFIX: Final = re.compile(
    r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?(?=[\s\]|,;]|$)"
)
_ISO_OFFSET: Final = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")
_APACHE_ERROR_PREFIX: Final = re.compile(
    r"\[(?:[A-Z][a-z]{2} )?(?P<month>[A-Z][a-z]{2}) (?P<day>\d{1,2}) "
    r"(?P<time>\d\d:\d\d:\d\d)(?:\.\d+)? (?P<year>\d{4})\]"
)

#: Called with (line number, message) for a line left out.
LineProblem = Callable[[int, str], None]

Row = dict[str, Any]


def _sample(head: bytes) -> list[str]:
    text = head.decode("utf-8", errors="replace")
    lines = text.splitlines()
    if len(head) >= 4096 and not text.endswith("\n") and len(lines) > 1:
        lines = lines[:-1]  # the last line is cut by the head's size
    return [line for line in lines if line.strip()][:_SNIFF_LINES]


def _mostly(lines: list[str], pattern: re.Pattern[str]) -> bool:
    return bool(lines) and sum(1 for line in lines if pattern.match(line)) >= _SNIFF_SHARE * len(
        lines
    )


def _header_like(field: str) -> bool:
    """A CSV header name is short (``TimeGenerated``, ``Event ID``), not a sentence."""
    return len(field) <= _MAX_HEADER_CHARS and len(field.split()) <= _MAX_HEADER_WORDS


def looks_delimited(head: bytes) -> bool:
    """Whether a text file's first lines look like CSV/TSV: a header of short names, then
    rows of as many fields.

    Examples:
        >>> looks_delimited(b"a,b,c\\n1,2,3\\n"), looks_delimited(b"just a line, of text\\nmore")
        (True, False)
    """
    lines = _sample(head)
    if not lines:
        return True  # an empty file: an empty CSV
    for delimiter in (",", "\t", ";"):
        rows = list(csv.reader(lines, delimiter=delimiter))
        width = len(rows[0])
        if width < 2 or not all(_header_like(field) for field in rows[0]):
            continue
        if len(rows) == 1 or sum(len(r) == width for r in rows[1:]) >= _SNIFF_SHARE * (
            len(rows) - 1
        ):
            return True
    return False


def sniff_text_log(head: bytes) -> TextLogFormat | None:
    """Tell a line-oriented log from a file's first bytes (UTF-8), else ``None``.

    ``text`` is never returned: it is what is left when no other format fits.

    Examples:
        >>> sniff_text_log(b"<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - 'su root'\\n")
        'syslog'
        >>> sniff_text_log(b'type=CWD msg=audit(1550505632.285:9077924): cwd="/tmp"\\n')
        'auditd'
        >>> sniff_text_log(b"#Software: Microsoft Internet Information Services 10.0\\n")
        'iis'
        >>> sniff_text_log(b"a,b\\n1,2\\n") is None
        True
    """
    lines = _sample(head)
    if not lines:
        return None
    if lines[0].startswith(("#Software:", "#Version:", "#Fields:", "#Date:")) and any(
        line.startswith("#Fields:") for line in lines
    ):
        return "iis"
    if lines[0].startswith("#Software: Microsoft Internet Information Services"):
        return "iis"
    if _mostly(lines, _AUDIT):
        return "auditd"
    if _mostly(lines, _RFC5424) or _mostly(lines, _RFC3164) or _mostly(lines, _ISO_SYSLOG):
        return "syslog"
    if _mostly(lines, _ACCESS):
        return "access"
    return None


# --- syslog -------------------------------------------------------------------------------


def _priority(pri: str | None, row: Row) -> None:
    if pri is not None and int(pri) <= 191:
        row["Facility"], row["Severity"] = divmod(int(pri), 8)


def _tagged(rest: str, row: Row) -> None:
    """``host tag[pid]: message`` of RFC 3164 (the host already taken off)."""
    match = _TAG.match(rest)
    if match is None:
        row["Message"] = rest
        return
    row["AppName"] = match["app"]
    if match["pid"]:
        row["ProcessId"] = match["pid"]
    row["Message"] = rest[match.end() :]


def _structured_data(text: str) -> tuple[list[tuple[str, str, str]], str] | None:
    """RFC 5424 SD-ELEMENTs at the start of ``text``: ``(sd-id, name, value)`` and the rest."""
    params: list[tuple[str, str, str]] = []
    position = 0
    length = len(text)
    while position < length and text[position] == "[":
        end_id = position + 1
        while end_id < length and text[end_id] not in " ]":
            end_id += 1
        sd_id = text[position + 1 : end_id]
        position = end_id
        while position < length and text[position] == " ":
            position += 1
            equals = text.find("=", position)
            if equals < 0 or equals + 1 >= length or text[equals + 1] != '"':
                return None
            name = text[position:equals]
            position = equals + 2
            value: list[str] = []
            while position < length and text[position] != '"':
                if text[position] == "\\" and position + 1 < length:
                    position += 1
                value.append(text[position])
                position += 1
            if position >= length:
                return None
            params.append((sd_id, name, "".join(value)))
            position += 1
        if position >= length or text[position] != "]":
            return None
        position += 1
    return params, text[position:]


def _rfc5424(match: re.Match[str], row: Row) -> None:
    _priority(match["pri"], row)
    row["SyslogFormat"] = "rfc5424"
    for column, group in (
        ("Timestamp", "stamp"),
        ("Hostname", "host"),
        ("AppName", "app"),
        ("ProcessId", "procid"),
        ("MsgId", "msgid"),
    ):
        if match[group] != "-":
            row[column] = match[group]
    rest = match["rest"]
    if rest.startswith("- ") or rest == "-":
        message = rest[2:]
    else:
        parsed = _structured_data(rest)
        if parsed is None:
            message = rest
        else:
            params, message = parsed
            row["StructuredData"] = rest[: len(rest) - len(message)]
            for sd_id, name, value in params:
                row.setdefault(f"sd.{sd_id}.{name}", value)
            message = message.removeprefix(" ")
    row["Message"] = message.removeprefix("\ufeff")


def _year_of(month: int, day: int, reference: dt.date) -> int:
    """The year of an RFC 3164 date: the reference year, or the one before for a later date."""
    if (month, day) > (reference.month, reference.day + 1):
        return reference.year - 1
    return reference.year


def _zoned(stamp: str, zone: dt.tzinfo) -> str:
    """An ISO stamp without an offset, read in ``zone``, as UTC; one with an offset as is."""
    if _ISO_OFFSET.search(stamp):
        return stamp
    try:
        local = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp  # listed as "not a time" when the column is parsed
    return local.replace(tzinfo=zone).astimezone(dt.UTC).isoformat()


def _rfc3164_time(match: re.Match[str], reference: dt.date, zone: dt.tzinfo) -> str:
    """An RFC 3164 stamp (no year, no zone) as UTC ISO 8601; an impossible one as written."""
    month = _MONTHS[match["month"]]
    day = int(match["day"])
    year = _year_of(month, day, reference)
    hour, minute, second = match["hour"], match["minute"], match["second"]
    try:
        local = dt.datetime(year, month, day, int(hour), int(minute), int(second), tzinfo=zone)
    except ValueError:  # Feb 30, 25:00: kept as written, listed when times are parsed
        return f"{year:04d}-{month:02d}-{day:02d}T{hour}:{minute}:{second}"
    return local.astimezone(dt.UTC).isoformat()


def _syslog_line(line: str, reference: dt.date, zone: dt.tzinfo) -> Row | None:
    row: Row = {}
    match = _RFC5424.match(line)
    if match is not None:
        _rfc5424(match, row)
        return row
    match = _RFC3164.match(line)
    if match is not None and match["month"] in _MONTHS:
        stamp = _rfc3164_time(match, reference, zone)
    else:
        match = _ISO_SYSLOG.match(line)
        if match is None:
            return None
        stamp = _zoned(_iso(match["stamp"]), zone)
    _priority(match["pri"], row)
    row["SyslogFormat"] = "rfc3164"
    row["Timestamp"] = stamp
    host, _, rest = match["rest"].partition(" ")
    row["Hostname"] = host
    _tagged(rest, row)
    return row


def _read_syslog(
    lines: Iterable[tuple[int, str]], reference: dt.date, zone: dt.tzinfo, on_problem: LineProblem
) -> Iterator[tuple[int, Row]]:
    for number, line in lines:
        row = _syslog_line(line, reference, zone)
        if row is None:
            on_problem(number, "not a syslog line (RFC 3164 or 5424)")
            continue
        yield number, row


# --- auditd -------------------------------------------------------------------------------


def _unquote(value: str) -> tuple[str, bool]:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1], True
    return value, False


def _hex_text(value: str) -> str | None:
    if len(value) < 2 or not _HEX.fullmatch(value):
        return None
    text = bytes.fromhex(value).decode("utf-8", errors="replace")
    return text.replace("\x00", " ").strip()


def _audit_fields(body: str) -> Iterator[tuple[str, str, bool]]:
    """``(name, value, was quoted)`` of one record's body; ``msg='...'`` is opened too."""
    for name, raw in _AUDIT_FIELD.findall(body.replace("\x1d", " ")):
        value, quoted = _unquote(raw)
        if name == "msg" and raw.startswith("'"):
            yield from _audit_fields(value)
            continue
        yield name, value, quoted


class _AuditEvent:
    def __init__(self, line: int, node: str | None, seconds: str, millis: str, serial: str):
        self.line = line
        self.row: Row = {
            "Timestamp": dt.datetime.fromtimestamp(int(seconds), tz=dt.UTC)
            + dt.timedelta(milliseconds=int(millis[:3].ljust(3, "0"))),
            "AuditSerial": int(serial),
        }
        if node is not None:
            self.row["Hostname"] = node
        self.types: list[str] = []
        self.raw: list[str] = []
        self.arguments: dict[int, str] = {}

    def add(self, record_type: str, body: str, line: str) -> None:
        seen = self.types.count(record_type)
        prefix = f"{record_type}.{seen}" if seen else record_type
        self.types.append(record_type)
        self.raw.append(line.rstrip("\r\n"))
        for name, value, quoted in _audit_fields(body):
            text = value
            if not quoted and (
                name in _AUDIT_HEX_FIELDS or (record_type == "EXECVE" and name[:1] == "a")
            ):
                decoded = _hex_text(value)
                if decoded is not None and (name != "key" or value != "(null)"):
                    text = decoded
            self.row.setdefault(f"{prefix}.{name}", text)
            if name in _AUDIT_BARE:
                self.row.setdefault(name, text)
            if record_type == "EXECVE" and not seen and name[:1] == "a" and name[1:].isdigit():
                self.arguments[int(name[1:])] = text
            if record_type == "PROCTITLE" and name == "proctitle":
                self.row.setdefault("proctitle", text)

    def finish(self) -> Row:
        self.row["RecordTypes"] = ",".join(dict.fromkeys(self.types))
        if self.arguments:
            self.row["CommandLine"] = " ".join(self.arguments[i] for i in sorted(self.arguments))
        elif "proctitle" in self.row:
            self.row["CommandLine"] = self.row["proctitle"]
        self.row["Message"] = "\n".join(self.raw)
        return self.row


def _read_auditd(
    lines: Iterable[tuple[int, str]], on_problem: LineProblem
) -> Iterator[tuple[int, Row]]:
    open_events: OrderedDict[tuple[str | None, str, str, str], _AuditEvent] = OrderedDict()
    for number, line in lines:
        match = _AUDIT.match(line)
        if match is None:
            on_problem(number, "not an auditd record (type=... msg=audit(time:serial): ...)")
            continue
        key = (match["node"], match["sec"], match["ms"], match["serial"])
        event = open_events.get(key)
        if event is None:
            event = _AuditEvent(number, match["node"], match["sec"], match["ms"], match["serial"])
            open_events[key] = event
        if match["type"] == "EOE":
            del open_events[key]
            yield event.line, event.finish()
            continue
        event.add(match["type"], match["body"], line)
        while len(open_events) > MAX_OPEN_AUDIT_EVENTS:
            _, oldest = open_events.popitem(last=False)
            yield oldest.line, oldest.finish()
    for event in sorted(open_events.values(), key=lambda e: e.line):
        yield event.line, event.finish()


# --- access logs --------------------------------------------------------------------------


def _access_time(stamp: str) -> dt.datetime | str:
    try:
        return dt.datetime.strptime(stamp, "%d/%b/%Y:%H:%M:%S %z").astimezone(dt.UTC)
    except ValueError:
        return stamp


def _unescape(value: str | None) -> str | None:
    if value is None or value == "-":
        return None
    return value.replace('\\"', '"').replace("\\\\", "\\")


def _read_access(
    lines: Iterable[tuple[int, str]], on_problem: LineProblem
) -> Iterator[tuple[int, Row]]:
    for number, line in lines:
        match = _ACCESS.match(line.rstrip("\r\n"))
        if match is None:
            on_problem(number, "not an access log line (common or combined log format)")
            continue
        request = _unescape(match["request"]) or ""
        parts = request.split(" ")
        row: Row = {
            "ClientIP": match["ip"],
            "Ident": None if match["ident"] == "-" else match["ident"],
            "User": None if match["user"] == "-" else match["user"],
            "Timestamp": _access_time(match["stamp"]),
            "Request": request,
            "Status": None if match["status"] == "-" else int(match["status"]),
            "Bytes": None if match["bytes"] == "-" else int(match["bytes"]),
            "Referer": _unescape(match["referer"]),
            "UserAgent": _unescape(match["agent"]),
        }
        if len(parts) == 3:
            row["Method"], row["Url"], row["Protocol"] = parts
        message = [request, match["status"]]
        message += [f'"{v}"' for v in (row["Referer"], row["UserAgent"]) if v is not None]
        row["Message"] = " ".join(message)
        yield number, row


# --- IIS / W3C extended -------------------------------------------------------------------

_W3C_PLUS_FIELDS: Final = frozenset({"cs(User-Agent)", "cs(Referer)", "cs(Cookie)"})


def _w3c_row(fields: list[str], values: list[str]) -> Row:
    row: Row = {}
    for name, value in zip(fields, values, strict=True):
        if value == "-":
            continue
        row[name] = value.replace("+", " ") if name in _W3C_PLUS_FIELDS else value
    date, time = row.get("date"), row.get("time")
    if date is not None and time is not None:
        row["Timestamp"] = f"{date}T{time}Z"
    if "c-ip" in row:
        row["ClientIP"] = row["c-ip"]
    uri = row.get("cs-uri-stem", "")
    if row.get("cs-uri-query"):
        uri = f"{uri}?{row['cs-uri-query']}"
    parts = [row.get("cs-method"), uri, row.get("sc-status"), row.get("cs(User-Agent)")]
    row["Message"] = " ".join(p for p in parts if p)
    return row


def _read_iis(
    lines: Iterable[tuple[int, str]], on_problem: LineProblem
) -> Iterator[tuple[int, Row]]:
    fields: list[str] | None = None
    for number, line in lines:
        text = line.rstrip("\r\n")
        if text.startswith("#"):
            if text.startswith("#Fields:"):
                fields = text.removeprefix("#Fields:").split()
            continue
        if fields is None:
            on_problem(number, "a W3C log line before any #Fields: line")
            continue
        values = text.split(" ")
        if len(values) != len(fields):
            on_problem(number, f"expected {len(fields)} fields as in #Fields:, found {len(values)}")
            continue
        yield number, _w3c_row(fields, values)


# --- plain text ---------------------------------------------------------------------------


def _iso(stamp: str) -> str:
    """``2015-07-29 17:41:44,747`` (a comma before the fraction, as log4j writes) as ISO 8601."""
    return stamp.replace(",", ".", 1)


def _text_time(line: str) -> str | None:
    match = _ISO_PREFIX.match(line)
    if match is not None:
        return _iso(match.group(0))
    match = _APACHE_ERROR_PREFIX.match(line)
    if match is not None and match["month"] in _MONTHS:
        month = _MONTHS[match["month"]]
        return f"{match['year']}-{month:02d}-{int(match['day']):02d}T{match['time']}"
    return None


def _read_text(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, Row]]:
    for number, line in lines:
        row: Row = {"Message": line.rstrip("\r\n")}
        stamp = _text_time(line)
        if stamp is not None:
            row["Timestamp"] = stamp
        yield number, row


_LINE_READERS: Final = {"auditd": _read_auditd, "access": _read_access, "iis": _read_iis}


def read_text_log(
    file: Path,
    kind: TextLogFormat,
    lines: Iterable[str],
    on_problem: LineProblem,
    *,
    timezone: dt.tzinfo = dt.UTC,
) -> Iterator[tuple[int, Row]]:
    """Yield ``(line number, row)`` for the events of a line-oriented log.

    Args:
        file: the file (its modification date dates RFC 3164 stamps, which have no year).
        kind: the format (:func:`sniff_text_log`, or ``text``).
        lines: the file's lines, decoded (line ends may be kept).
        on_problem: called with (line number, message) for each line left out.
        timezone: the zone syslog stamps without one (RFC 3164, ISO without offset) are
            in; they are written as UTC.

    Yields:
        The line number (of an auditd event's first record) and the row.

    Examples:
        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "auth.log"
        >>> line = "<38>Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster\\n"
        >>> next(read_text_log(path, "syslog", [line], print))[1]["AppName"]
        'sshd'
    """
    numbered = ((number, line) for number, line in enumerate(lines, start=1) if line.strip())
    if kind == "syslog":
        try:
            reference = dt.datetime.fromtimestamp(file.stat().st_mtime, tz=timezone).date()
        except OSError:
            reference = dt.datetime.now(tz=timezone).date()
        stripped = ((n, line.rstrip("\r\n")) for n, line in numbered)
        return _read_syslog(stripped, reference, timezone, on_problem)
    if kind == "text":
        return _read_text(numbered)
    return _LINE_READERS[kind](numbered, on_problem)
