"""Alert: a Microsoft Sentinel ``SecurityAlert`` row with its entities."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import attrs

from asisdk.entities._account import Account
from asisdk.entities._base import Entity
from asisdk.entities._converter import (
    _parse_json,
    flatten_entities,
    parse_entities,
    unstructure_entities,
)
from asisdk.entities._enums import Severity
from asisdk.entities._file import File, FileHash
from asisdk.entities._host import Host
from asisdk.entities._network import Dns, IpAddress, Url
from asisdk.entities._params import merge_query_params
from asisdk.entities._process import Process
from asisdk.entities._row import clean_row, first_value
from asisdk.entities._time import to_utc_datetime
from asisdk.errors import EntityError

__all__ = ["Alert"]

_E = TypeVar("_E", bound=Entity)

_SEVERITY_COLOURS = {
    Severity.HIGH: "#c62828",
    Severity.MEDIUM: "#ef6c00",
    Severity.LOW: "#f9a825",
    Severity.INFORMATIONAL: "#1565c0",
}

# SecurityAlert column -> field; the first column present wins.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "system_alert_id": ("SystemAlertId", "AlertId", "SystemAlertIds"),
    "display_name": ("DisplayName", "AlertDisplayName", "AlertName", "Title"),
    "alert_type": ("AlertType",),
    "severity": ("AlertSeverity", "Severity"),
    "status": ("Status",),
    "start_time": ("StartTime", "StartTimeUtc"),
    "end_time": ("EndTime", "EndTimeUtc"),
    "time_generated": ("TimeGenerated", "TimeGeneratedUtc"),
    "provider_name": ("ProviderName",),
    "product_name": ("ProductName",),
    "vendor_name": ("VendorName",),
    "compromised_entity": ("CompromisedEntity",),
    "description": ("Description",),
    "tactics": ("Tactics", "Intent"),
    "techniques": ("Techniques",),
    "extended_properties": ("ExtendedProperties",),
    "entities": ("Entities",),
}


def _severity(value: object) -> Severity | None:
    return Severity.optional(value, lenient=True)


# Sentinel writes these when an alert has no tactics; they are not tactic names.
_NO_TACTIC = frozenset({"unknown", "none", "n/a", "null"})


def _string_list(value: object) -> tuple[str, ...]:
    """Tactics / techniques arrive as a JSON array, a comma-separated string or a list.

    Placeholders such as ``"Unknown"`` (Sentinel's value for an alert without tactics) are
    dropped, so such an alert has no tactics.
    """
    if value is None:
        return ()
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                value = text.strip("[]").split(",")
            except RecursionError as exc:
                raise EntityError("a tactics / techniques list is nested too deeply") from exc
        else:
            value = text.split(",")
    if isinstance(value, Sequence) and not isinstance(value, str):
        items = (str(v).strip().strip("'\"").strip() for v in value)
        return tuple(item for item in items if item and item.casefold() not in _NO_TACTIC)
    text = str(value).strip()
    return (text,) if text and text.casefold() not in _NO_TACTIC else ()


def _text(value: object) -> str | None:
    """A text column: numbers become strings, bytes must be UTF-8."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        try:
            return value.decode()
        except UnicodeDecodeError as exc:
            raise EntityError(f"a text column is not UTF-8: {exc}") from exc
    if isinstance(value, bool | int | float):
        return str(value)
    raise EntityError(f"a text column holds a {type(value).__name__}, not text")


def _mapping(value: object) -> dict[str, Any]:
    if isinstance(value, str):
        value = _parse_json(value, "ExtendedProperties")
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise EntityError(f"ExtendedProperties must be a JSON object, not {type(value).__name__}")
    return dict(value)


@attrs.frozen(kw_only=True)
class Alert:
    """A security alert and the entities it names.

    Build one from a Sentinel ``SecurityAlert`` row with :meth:`from_sentinel`. Alerts are
    query parameter providers: :meth:`query_params` gives the primary host, account and
    process parameters, the first IP / domain / URL / file, the alert's time window (``start``
    and ``end``) and ``system_alert_id``. Equality follows ``system_alert_id``.

    Examples:
        >>> alert = Alert.from_sentinel({
        ...     "SystemAlertId": "a1", "AlertSeverity": "High", "DisplayName": "Test",
        ...     "StartTime": "2024-05-01T10:00:00Z", "EndTime": "2024-05-01T10:05:00Z",
        ...     "Entities": '[{"$id": "2", "Type": "host", "HostName": "web1"}]'})
        >>> alert.primary_host.host_name, alert.severity
        ('web1', <Severity.HIGH: 'High'>)
    """

    system_alert_id: str | None = attrs.field(default=None, converter=_text)
    display_name: str | None = attrs.field(default=None, converter=_text)
    alert_type: str | None = attrs.field(default=None, converter=_text)
    severity: Severity | None = attrs.field(default=None, converter=_severity)
    status: str | None = attrs.field(default=None, converter=_text)
    start_time: datetime | None = attrs.field(default=None, converter=to_utc_datetime)
    end_time: datetime | None = attrs.field(default=None, converter=to_utc_datetime)
    time_generated: datetime | None = attrs.field(default=None, converter=to_utc_datetime)
    provider_name: str | None = attrs.field(default=None, converter=_text)
    product_name: str | None = attrs.field(default=None, converter=_text)
    vendor_name: str | None = attrs.field(default=None, converter=_text)
    compromised_entity: str | None = attrs.field(default=None, converter=_text)
    description: str | None = attrs.field(default=None, converter=_text)
    tactics: tuple[str, ...] = attrs.field(factory=tuple, converter=_string_list)
    techniques: tuple[str, ...] = attrs.field(factory=tuple, converter=_string_list)
    extended_properties: Mapping[str, Any] = attrs.field(factory=dict, converter=_mapping)
    entities: tuple[Entity, ...] = attrs.field(factory=tuple, converter=tuple)
    additional_data: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_sentinel(cls, row: Mapping[str, Any] | Any) -> Alert:
        """Build an alert from a ``SecurityAlert`` row (a mapping or a pandas Series).

        ``Entities`` and ``ExtendedProperties`` may be JSON strings or parsed values.
        ``$ref`` references are resolved at any depth, entities without ``$id`` are kept,
        unknown types become :class:`~asisdk.entities.UnknownEntity`, and entities nested in
        others (a process's image file, an account's host) are listed too. Columns without a
        field are kept in ``additional_data``.

        Raises:
            EntityError: the row is not a mapping, or ``Entities`` / ``ExtendedProperties``
                are not valid JSON.
        """
        values = clean_row(row)
        fields: dict[str, Any] = {}
        used: set[str] = set()
        for field, columns in _COLUMNS.items():
            column, value = first_value(values, columns)
            if column is not None:
                used.add(column)
                fields[field] = value
        if isinstance(fields.get("system_alert_id"), list | tuple):
            ids = fields["system_alert_id"]
            fields["system_alert_id"] = str(ids[0]) if ids else None
        entities = parse_entities(fields.pop("entities", None))
        fields["entities"] = tuple(flatten_entities(entities))
        fields["additional_data"] = {k: v for k, v in values.items() if k not in used}
        try:
            return cls(**fields)
        except (TypeError, ValueError) as exc:
            raise EntityError(f"cannot build an Alert from this row: {exc}") from exc

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Alert:
        """The inverse of :meth:`to_dict` (the same as :meth:`from_sentinel`)."""
        return cls.from_sentinel(data)

    def to_dict(self) -> dict[str, Any]:
        """Return the alert as a ``SecurityAlert`` row with parsed JSON values.

        Entities are written with ``$id`` and shared ones as ``$ref``, so
        ``Alert.from_dict(alert.to_dict()) == alert`` and the entities round-trip.
        """
        out: dict[str, Any] = {
            "SystemAlertId": self.system_alert_id,
            "DisplayName": self.display_name,
            "AlertType": self.alert_type,
            "AlertSeverity": self.severity.value if self.severity is not None else None,
            "Status": self.status,
            "StartTime": _iso(self.start_time),
            "EndTime": _iso(self.end_time),
            "TimeGenerated": _iso(self.time_generated),
            "ProviderName": self.provider_name,
            "ProductName": self.product_name,
            "VendorName": self.vendor_name,
            "CompromisedEntity": self.compromised_entity,
            "Description": self.description,
            "Tactics": ", ".join(self.tactics) if self.tactics else None,
            "Techniques": list(self.techniques) if self.techniques else None,
            "ExtendedProperties": dict(self.extended_properties) or None,
            "Entities": unstructure_entities(self.entities),
        }
        result = {k: v for k, v in out.items() if v is not None}
        for key, value in self.additional_data.items():
            result.setdefault(key, value)
        return result

    # -- equality -----------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Alert):
            return NotImplemented
        if self.system_alert_id and other.system_alert_id:
            return self.system_alert_id.casefold() == other.system_alert_id.casefold()
        return attrs.astuple(self, recurse=False) == attrs.astuple(other, recurse=False)

    def __hash__(self) -> int:
        if self.system_alert_id:
            return hash(("alert", self.system_alert_id.casefold()))
        return hash(("alert", self.display_name, self.start_time, self.entities))

    # -- entities -----------------------------------------------------------------------------
    def entities_of(self, kind: type[_E]) -> list[_E]:
        """The alert's entities of one class, in order (``alert.entities_of(Host)``)."""
        return [e for e in self.entities if isinstance(e, kind)]

    @property
    def primary_host(self) -> Host | None:
        """The host the alert is about: the one named by ``compromised_entity``, else the
        first host, else the host of the primary process."""
        hosts = self.entities_of(Host)
        target = (self.compromised_entity or "").casefold()
        if target:
            for host in hosts:
                names = {(host.fqdn or "").casefold(), (host.host_name or "").casefold()}
                if target in names:
                    return host
        if hosts:
            return hosts[0]
        process = self.primary_process
        return process.host if process is not None else None

    @property
    def primary_process(self) -> Process | None:
        """A process whose parent is also in the alert (the child acting), else the first."""
        processes = self.entities_of(Process)
        listed = set(map(id, processes))
        for process in processes:
            if process.parent_process is not None and id(process.parent_process) in listed:
                return process
        return processes[0] if processes else None

    @property
    def primary_account(self) -> Account | None:
        """The primary process's account, else the first account."""
        process = self.primary_process
        if process is not None and process.account is not None:
            return process.account
        accounts = self.entities_of(Account)
        return accounts[0] if accounts else None

    @property
    def time_window(self) -> tuple[datetime | None, datetime | None]:
        """``(start, end)``: start and end time, falling back to each other and to
        ``time_generated``."""
        start = self.start_time or self.end_time or self.time_generated
        end = self.end_time or self.start_time or self.time_generated
        return start, end

    def query_params(self) -> dict[str, object]:
        """Parameters for queries about this alert (see the class docstring)."""
        firsts = [
            next(iter(self.entities_of(kind)), None)
            for kind in (IpAddress, Dns, Url, File, FileHash)
        ]
        start, end = self.time_window
        own: dict[str, object] = {
            "start": start,
            "end": end,
            "system_alert_id": self.system_alert_id,
        }
        return merge_query_params(
            *firsts, self.primary_process, self.primary_account, self.primary_host, own
        )

    # -- display ------------------------------------------------------------------------------
    def __repr__(self) -> str:
        start, end = self.time_window
        return (
            f"Alert(system_alert_id={self.system_alert_id!r}, display_name={self.display_name!r}, "
            f"severity={self.severity.value if self.severity else None!r}, "
            f"start={_iso(start)!r}, end={_iso(end)!r}, entities={len(self.entities)})"
        )

    def _repr_html_(self) -> str:
        colour = _SEVERITY_COLOURS.get(self.severity, "#616161") if self.severity else "#616161"
        start, end = self.time_window
        rows = "".join(
            f"<tr><td>{html.escape(type(e).__name__)}</td><td>{html.escape(e.label)}</td></tr>"
            for e in self.entities
        )
        tactics = html.escape(", ".join(self.tactics)) if self.tactics else ""
        return (
            "<div class='asisdk-alert'>"
            f"<h3 style='margin:0'>{html.escape(self.display_name or 'Alert')}</h3>"
            f"<div><span style='background:{colour};color:white;padding:1px 6px;"
            f"border-radius:3px'>{html.escape(self.severity.value if self.severity else 'n/a')}"
            f"</span> {html.escape(_iso(start) or '')} &ndash; {html.escape(_iso(end) or '')}"
            f"</div><div>{html.escape(self.description or '')}</div>"
            f"<div>Tactics: {tactics}</div><div>Id: {html.escape(self.system_alert_id or '')}"
            f"</div><table><tr><th>Type</th><th>Entity</th></tr>{rows}</table></div>"
        )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None
