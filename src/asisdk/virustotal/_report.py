"""The typed result of a lookup and the pure functions that build it from API JSON."""

from __future__ import annotations

import datetime as dt
import enum
import html
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import quote

import attrs

from asisdk.virustotal import _defaults
from asisdk.virustotal._observables import Target, VtKind

__all__ = ["VtObject", "VtReport", "VtStatus"]


class VtStatus(enum.StrEnum):
    """The outcome of one lookup."""

    #: VirusTotal has a report.
    FOUND = "found"
    #: VirusTotal does not know the object (HTTP 404): a normal "no data" answer.
    NOT_FOUND = "not_found"
    #: The value is not a valid IP, domain, URL or hash: nothing was sent, or VirusTotal
    #: refused it (HTTP 400 ``InvalidArgumentError``).
    INVALID = "invalid"
    #: The lookup failed after retries (server errors, network); see ``error``.
    ERROR = "error"
    #: The daily quota ran out before this value could be looked up.
    QUOTA_EXHAUSTED = "quota_exhausted"


_STATS: Final = ("malicious", "suspicious", "harmless", "undetected", "timeout")
#: ``last_analysis_stats`` keys VirusTotal sends for files only, hyphenated, by field name.
_FILE_STATS: Final = {
    "type_unsupported": "type-unsupported",
    "confirmed_timeout": "confirmed-timeout",
    "failure": "failure",
}
#: The dates with a field of their own; every other ``*_date`` is only in ``VtReport.dates``.
DATE_FIELDS: Final = (
    "last_analysis_date",
    "first_submission_date",
    "last_submission_date",
    "last_modification_date",
    "creation_date",
)
_STATUS_COLOURS: Final = {
    VtStatus.FOUND: "#2e7d32",
    VtStatus.NOT_FOUND: "#616161",
    VtStatus.INVALID: "#ef6c00",
    VtStatus.ERROR: "#c62828",
    VtStatus.QUOTA_EXHAUSTED: "#6a1b9a",
}


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _timestamp(value: object) -> dt.datetime | None:
    seconds = _int_or_none(value)
    if seconds is None:
        return None
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


@attrs.frozen(kw_only=True)
class VtReport:
    """What VirusTotal says about one observable.

    Attributes:
        observable: the value as given (an entity's value for entity inputs).
        kind: the kind looked up (``None`` when it could not be told).
        status: the outcome; only ``found`` reports carry analysis data.
        malicious, suspicious, harmless, undetected, timeout: engine counts from
            ``last_analysis_stats`` (``None`` when absent).
        type_unsupported, confirmed_timeout, failure: the counts VirusTotal adds for files
            (``type-unsupported``, ``confirmed-timeout``, ``failure``; ``None`` when absent).
        reputation: the community reputation score.
        last_analysis_date: when VirusTotal last analysed the object (aware, UTC).
        first_submission_date, last_submission_date: when the file or URL was first and
            last submitted (aware, UTC).
        last_modification_date: when VirusTotal last changed the object (aware, UTC).
        creation_date: a domain's registration date, or a file's build (compile) time
            (aware, UTC).
        dates: every ``*_date`` attribute VirusTotal sent (``whois_date``,
            ``last_dns_records_date``, ``expiration_date``, ...) as an aware UTC datetime,
            by attribute name (derived from ``attributes``, excluded from equality).
        tags: VirusTotal's tags.
        permalink: the VirusTotal web page of the object.
        attributes: the raw ``attributes`` of the API object (excluded from equality).
        error: why the lookup failed (``invalid``, ``error``, ``quota_exhausted``), else
            ``None``.

    Examples:
        >>> report = VtReport(observable="8.8.8.8", kind=VtKind.IP_ADDRESS,
        ...                   status=VtStatus.NOT_FOUND)
        >>> report.status, report.malicious
        (<VtStatus.NOT_FOUND: 'not_found'>, None)
    """

    observable: str
    kind: VtKind | None
    status: VtStatus
    malicious: int | None = None
    suspicious: int | None = None
    harmless: int | None = None
    undetected: int | None = None
    timeout: int | None = None
    type_unsupported: int | None = None
    confirmed_timeout: int | None = None
    failure: int | None = None
    reputation: int | None = None
    last_analysis_date: dt.datetime | None = None
    first_submission_date: dt.datetime | None = None
    last_submission_date: dt.datetime | None = None
    last_modification_date: dt.datetime | None = None
    creation_date: dt.datetime | None = None
    dates: Mapping[str, dt.datetime] = attrs.field(factory=dict, eq=False, repr=False)
    tags: tuple[str, ...] = ()
    permalink: str | None = None
    attributes: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
    error: str | None = None

    def _repr_html_(self) -> str:
        colour = _STATUS_COLOURS[self.status]
        rows = [
            ("observable", html.escape(self.observable)),
            ("kind", html.escape(str(self.kind or "unknown"))),
            (
                "status",
                f'<b style="color:{colour}">{html.escape(self.status.value)}</b>',
            ),
        ]
        if self.status is VtStatus.FOUND:
            counts = ", ".join(f"{name} {getattr(self, name)}" for name in _STATS)
            extra = [(key, getattr(self, name)) for name, key in _FILE_STATS.items()]
            counts += "".join(f", {key} {value}" for key, value in extra if value is not None)
            rows.append(("detections", html.escape(counts)))
            rows.append(("reputation", html.escape(str(self.reputation))))
            if self.last_analysis_date is not None:
                rows.append(("last analysis", self.last_analysis_date.isoformat()))
            if self.tags:
                rows.append(("tags", html.escape(", ".join(self.tags))))
        if self.error:
            rows.append(("error", html.escape(self.error)))
        if self.permalink:
            link = html.escape(self.permalink, quote=True)
            rows.append(
                ("VirusTotal", f'<a href="{link}" target="_blank" rel="noopener">{link}</a>')
            )
        cell = 'style="text-align:left"'
        body = "".join(
            f"<tr><th {cell}>{name}</th><td {cell}>{value}</td></tr>" for name, value in rows
        )
        return f'<table class="asisdk-vt-report">{body}</table>'


@attrs.frozen(kw_only=True)
class VtObject:
    """An object from a relationship collection (a resolution, a contacted IP, ...).

    Attributes:
        type: the API object type (``"resolution"``, ``"ip_address"``, ``"file"``, ...).
        id: the object id.
        attributes: its attributes (empty for descriptors-only listings).
        error: the service's error code when the collection holds an error stub for it.
        context_attributes: what the relationship says about this object (for a URL listed by
            ``/relationships/urls``: its ``url``; for a contacted file: the verdict seen), as
            VirusTotal sends them.
        links: the object's API links (``self``: its own endpoint).

    Examples:
        >>> item = {"type": "url", "id": "a1b2", "context_attributes": {"url": "http://x.test/"},
        ...         "links": {"self": "https://www.virustotal.com/api/v3/urls/a1b2"}}
        >>> related = object_from_item(item)
        >>> related.url, related.links["self"]
        ('http://x.test/', 'https://www.virustotal.com/api/v3/urls/a1b2')
    """

    type: str
    id: str
    attributes: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
    error: str | None = None
    context_attributes: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
    links: Mapping[str, str] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def url(self) -> str | None:
        """The address of a related URL object (a URL's id is a hash of it), else ``None``."""
        if self.type != "url":
            return None
        for source in (self.attributes, self.context_attributes):
            value = source.get("url")
            if isinstance(value, str) and value:
                return value
        return None


def permalink(kind: VtKind, ident: str) -> str:
    """The web interface page of an object (``ident`` as VirusTotal names it)."""
    return f"{_defaults.GUI_URL}/{kind.gui_segment}/{quote(ident, safe=':')}"


def not_found_permalink(target: Target) -> str | None:
    """A page for an object VirusTotal does not know (a search, for URLs)."""
    if target.kind is None or target.key is None:
        return None
    if target.kind is VtKind.URL:
        return f"{_defaults.GUI_URL}/search/{quote(target.key, safe='')}"
    return permalink(target.kind, target.key)


def report_from_object(observable: str, target: Target, data: Mapping[str, Any]) -> VtReport:
    """Build a ``found`` report from the API's ``data`` object (pure).

    Examples:
        >>> from asisdk.virustotal._observables import resolve_target
        >>> data = {"type": "domain", "id": "example.com", "attributes": {
        ...     "last_analysis_stats": {"malicious": 2, "harmless": 60},
        ...     "reputation": -5, "tags": ["x"], "last_analysis_date": 0}}
        >>> r = report_from_object("example.com", resolve_target("example.com"), data)
        >>> r.malicious, r.undetected, r.permalink, r.last_analysis_date.year
        (2, None, 'https://www.virustotal.com/gui/domain/example.com', 1970)
        >>> r.dates["last_analysis_date"].tzinfo
        datetime.timezone.utc
    """
    raw = data.get("attributes")
    attributes: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    stats_raw = attributes.get("last_analysis_stats")
    stats: Mapping[str, Any] = stats_raw if isinstance(stats_raw, Mapping) else {}
    dates = _dates(attributes)
    tags_raw = attributes.get("tags")
    tags = tuple(str(t) for t in tags_raw) if isinstance(tags_raw, list) else ()
    ident = data.get("id")
    assert target.kind is not None
    link = (
        permalink(target.kind, ident)
        if isinstance(ident, str) and ident
        else not_found_permalink(target)
    )
    # The engine counts and the dates with a field of their own, by field name.
    fields: dict[str, Any] = {name: _int_or_none(stats.get(name)) for name in _STATS}
    fields.update({name: _int_or_none(stats.get(key)) for name, key in _FILE_STATS.items()})
    fields.update({name: dates.get(name) for name in DATE_FIELDS})
    return VtReport(
        observable=observable,
        kind=target.kind,
        status=VtStatus.FOUND,
        reputation=_int_or_none(attributes.get("reputation")),
        dates=dates,
        tags=tags,
        permalink=link,
        attributes=dict(attributes),
        **fields,
    )


def _dates(attributes: Mapping[str, Any]) -> dict[str, dt.datetime]:
    """Every ``*_date`` attribute holding Unix seconds, as an aware UTC datetime."""
    dates = {}
    for name, value in attributes.items():
        if isinstance(name, str) and name.endswith("_date"):
            when = _timestamp(value)
            if when is not None:
                dates[name] = when
    return dates


def report_without_data(
    observable: str, target: Target, status: VtStatus, error: str | None = None
) -> VtReport:
    """A report for every status but ``found`` (pure)."""
    link = not_found_permalink(target) if status is VtStatus.NOT_FOUND else None
    return VtReport(
        observable=observable, kind=target.kind, status=status, permalink=link, error=error
    )


def object_from_item(item: object) -> VtObject | None:
    """One item of a collection page, or ``None`` when it is not an object."""
    if not isinstance(item, Mapping):
        return None
    raw = item.get("attributes")
    context = item.get("context_attributes")
    links = item.get("links")
    error = item.get("error")
    code = error.get("code") if isinstance(error, Mapping) else None
    return VtObject(
        type=str(item.get("type", "")),
        id=str(item.get("id", "")),
        attributes=dict(raw) if isinstance(raw, Mapping) else {},
        error=None if code is None else str(code),
        context_attributes=dict(context) if isinstance(context, Mapping) else {},
        links=(
            {str(k): str(v) for k, v in links.items() if isinstance(v, str)}
            if isinstance(links, Mapping)
            else {}
        ),
    )
