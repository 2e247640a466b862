"""Event: a Windows security / Sysmon event row turned into entities."""

from __future__ import annotations

import contextlib
import html
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import attrs

from asisdk.entities._account import Account
from asisdk.entities._base import Entity
from asisdk.entities._file import File
from asisdk.entities._host import Host
from asisdk.entities._network import IpAddress
from asisdk.entities._params import merge_query_params
from asisdk.entities._process import HostLogonSession, Process
from asisdk.entities._row import clean_row, first_value
from asisdk.entities._time import to_utc_datetime
from asisdk.errors import InvalidInputError

__all__ = ["Event"]

_E = TypeVar("_E", bound=Entity)

PROCESS_EVENTS = frozenset({4688, 1})  # Security 4688, Sysmon 1
LOGON_EVENTS = frozenset({4624, 4625, 4634, 4647, 4648, 4672})


def _int(value: object) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip(), 0) if isinstance(value, str) else int(str(value))
    except (TypeError, ValueError):
        try:
            return int(float(str(value)))
        except ValueError:
            return None


def _get(row: Mapping[str, Any], *columns: str) -> Any:
    return first_value(row, columns)[1]


def _account(
    row: Mapping[str, Any], prefix: str, host: Host | None, qualified_column: str | None = None
) -> Account | None:
    name = _get(row, f"{prefix}UserName")
    domain = _get(row, f"{prefix}DomainName")
    sid = _get(row, f"{prefix}UserSid")
    logon_id = _get(row, f"{prefix}LogonId")
    if name is None and qualified_column is not None:
        qualified = _get(row, qualified_column)
        if isinstance(qualified, str):
            parsed = Account.from_qualified_name(qualified)
            name, domain = parsed.name, parsed.nt_domain or domain
    if name is None and sid is None:
        return None
    return Account(
        name=str(name) if name is not None else None,
        nt_domain=str(domain) if domain is not None else None,
        sid=str(sid) if sid is not None else None,
        logon_id=str(logon_id) if logon_id is not None else None,
        host=host,
    )


@attrs.frozen(kw_only=True)
class Event:
    """One event with the entities it names.

    :meth:`from_row` reads Windows ``SecurityEvent`` rows (Log Analytics column names), Sysmon
    event 1 rows and the OTRF / Mordor flattened layout:

    * 4688 and Sysmon 1 give a :class:`Process` with its image file, parent process, account
      and host;
    * 4624 / 4625 (and the other logon events) give the subject and target
      :class:`Account`, a :class:`HostLogonSession` and the source :class:`IpAddress`;
    * every event gives its :class:`Host`.

    Attributes:
        event_id: the Windows event id.
        time_generated: when it happened (UTC).
        host: the computer that logged it.
        process: the created process (4688 / Sysmon 1).
        subject_account: the account that acted (created the process, requested the logon).
        target_account: the account logged on (4624 / 4625 ...).
        logon_session: the logon session of the target account.
        ip_address: the source address of a logon.
        data: the source row, with blank cells removed.
    """

    event_id: int | None = None
    time_generated: datetime | None = attrs.field(default=None, converter=to_utc_datetime)
    host: Host | None = None
    process: Process | None = None
    subject_account: Account | None = None
    target_account: Account | None = None
    logon_session: HostLogonSession | None = None
    ip_address: IpAddress | None = None
    data: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    @classmethod
    def from_row(cls, row: Mapping[str, Any] | Any) -> Event:
        """Build an event from a table row (a mapping or a pandas Series).

        Raises:
            EntityError: ``row`` is not a mapping-like object.
        """
        values = clean_row(row)
        event_id = _int(_get(values, "EventID", "EventId", "event_id", "EventCode"))
        time_generated = _get(
            values, "TimeGenerated", "TimeCreatedUtc", "TimeCreated", "Timestamp", "UtcTime"
        )
        computer = _get(values, "Computer", "Hostname", "DeviceName", "HostName")
        host = Host.from_computer_name(str(computer)) if computer is not None else None
        found: dict[str, Any] = {}
        if event_id in PROCESS_EVENTS and _get(values, "NewProcessName", "Image", "CommandLine"):
            found = _process_entities(values, host)
        elif event_id in LOGON_EVENTS:
            found = _logon_entities(values, host)
        return cls(
            event_id=event_id,
            time_generated=_safe_time(time_generated),
            host=host,
            data=values,
            **found,
        )

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]] | Any) -> list[Event]:
        """Build events from an iterable of rows or a pandas DataFrame (one per row)."""
        if hasattr(rows, "to_dict") and hasattr(rows, "columns"):
            rows = rows.to_dict("records")
        return [cls.from_row(row) for row in rows]

    # -- entities -----------------------------------------------------------------------------
    @property
    def entities(self) -> tuple[Entity, ...]:
        """Every entity of the event and those nested in them, each once, in a stable order."""
        from asisdk.entities._converter import flatten_entities

        roots = [
            e
            for e in (
                self.host,
                self.process,
                self.subject_account,
                self.target_account,
                self.logon_session,
                self.ip_address,
            )
            if e is not None
        ]
        return tuple(flatten_entities(roots))

    def entities_of(self, kind: type[_E]) -> list[_E]:
        """The event's entities of one class, in order."""
        return [e for e in self.entities if isinstance(e, kind)]

    @property
    def logon_type(self) -> int | None:
        """The logon type number (2 interactive, 3 network, 10 remote interactive, ...)."""
        return _int(self.data.get("LogonType"))

    def query_params(self) -> dict[str, object]:
        """Host, account (the target of a logon, else the acting account), process, logon
        session and source address parameters."""
        return merge_query_params(
            self.host,
            self.subject_account,
            self.target_account,
            self.process,
            self.logon_session,
            self.ip_address,
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(type(e).__name__)}</td><td>{html.escape(e.label)}</td></tr>"
            for e in self.entities
        )
        when = self.time_generated.isoformat() if self.time_generated else ""
        return (
            f"<div class='asisdk-event'><b>Event {self.event_id}</b> {html.escape(when)} "
            f"{html.escape(self.host.label if self.host else '')}"
            f"<table><tr><th>Type</th><th>Entity</th></tr>{rows}</table></div>"
        )


def _process_entities(row: Mapping[str, Any], host: Host | None) -> dict[str, Any]:
    security_layout = _get(row, "NewProcessName") is not None
    if security_layout:
        image = _get(row, "NewProcessName")
        pid = _get(row, "NewProcessId")
        parent_pid = _get(row, "ProcessId")
        parent_image = _get(row, "ParentProcessName", "ParentImage")
    else:
        image = _get(row, "Image")
        pid = _get(row, "ProcessId")
        parent_pid = _get(row, "ParentProcessId")
        parent_image = _get(row, "ParentImage", "ParentProcessName")
    account = _account(row, "Subject", host, qualified_column="User")
    if account is None:
        account = _account(row, "Target", host)
    if account is not None and account.logon_id is None:
        logon_id = _get(row, "LogonId")
        if logon_id is not None:
            account = attrs.evolve(account, logon_id=str(logon_id))
    parent = None
    if parent_image is not None or parent_pid is not None:
        parent = Process(
            process_id=parent_pid,
            command_line=_get(row, "ParentCommandLine"),
            image_file=File(full_path=str(parent_image)) if parent_image is not None else None,
            host=host,
        )
    process = Process(
        process_id=pid,
        command_line=_get(row, "CommandLine"),
        creation_time=_safe_time(_get(row, "TimeCreatedUtc", "TimeGenerated", "TimeCreated")),
        image_file=File(full_path=str(image)) if image is not None else None,
        parent_process=parent,
        account=account,
        host=host,
        elevation_token=_get(row, "TokenElevationType"),
    )
    return {"process": process, "subject_account": account}


def _safe_time(value: object) -> datetime | None:
    try:
        return to_utc_datetime(value)
    except ValueError:
        return None


def _logon_entities(row: Mapping[str, Any], host: Host | None) -> dict[str, Any]:
    found: dict[str, Any] = {"subject_account": _account(row, "Subject", host)}
    target = _account(row, "Target", host)
    if target is not None:
        logon_id = target.logon_id or _get(row, "LogonId")
        if logon_id is not None and target.logon_id is None:
            target = attrs.evolve(target, logon_id=str(logon_id))
        found["target_account"] = target
        if target.logon_id:
            found["logon_session"] = HostLogonSession(
                account=target, host=host, session_id=target.logon_id
            )
    address = _get(row, "IpAddress", "SourceIpAddress", "RemoteIP")
    if address is not None:
        with contextlib.suppress(InvalidInputError):  # workstation names appear here too
            found["ip_address"] = IpAddress(address=str(address))
    return found
