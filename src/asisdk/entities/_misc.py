"""Malware, cloud application, mailbox, Azure resource and unknown entities."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

import attrs

from asisdk.entities._base import Entity, entity_field
from asisdk.entities._enums import Severity
from asisdk.entities._file import File
from asisdk.entities._process import Process
from asisdk.entities._time import to_utc_datetime

__all__ = [
    "AlertReference",
    "AzureResource",
    "CloudApplication",
    "Mailbox",
    "Malware",
    "UnknownEntity",
]


@attrs.frozen(kw_only=True, eq=False, repr=False)
class Malware(Entity):
    """A malware family seen in an alert. Identity: its name."""

    ENTITY_TYPE: ClassVar[str] = "malware"
    IDENTITY: ClassVar[tuple[str, ...]] = ("name",)

    name: str | None = entity_field()
    category: str | None = entity_field()
    files: tuple[File, ...] = entity_field(factory=tuple, converter=tuple)
    processes: tuple[Process, ...] = entity_field(factory=tuple, converter=tuple)


def _optional_severity(value: object) -> Severity | None:
    return Severity.optional(value, lenient=True)


@attrs.frozen(kw_only=True, eq=False, repr=False)
class AlertReference(Entity):
    """An alert named as an entity (``Type: "alerts"``), as in an incident's ``Entities``.

    It is a pointer to a :class:`~asisdk.entities.Alert`, not the alert itself: it carries
    the summary fields Sentinel writes and :meth:`query_params` gives ``system_alert_id``,
    so the full alert can be fetched. Identity: the system alert id.

    Examples:
        >>> from asisdk.entities import from_sentinel_entities
        >>> [ref] = from_sentinel_entities(
        ...     '[{"$id": "3", "Type": "alerts", "SystemAlertId": "a1", "Severity": "High"}]')
        >>> ref.query_params(), ref.severity
        ({'system_alert_id': 'a1'}, <Severity.HIGH: 'High'>)
    """

    ENTITY_TYPE: ClassVar[str] = "alerts"
    IDENTITY: ClassVar[tuple[str, ...]] = ("system_alert_id",)
    LABEL: ClassVar[tuple[str, ...]] = ("alert_display_name", "system_alert_id")

    system_alert_id: str | None = entity_field()
    alert_display_name: str | None = entity_field(compare=False)
    alert_type: str | None = entity_field(compare=False)
    severity: Severity | None = entity_field(converter=_optional_severity, compare=False)
    status: str | None = entity_field(compare=False)
    product_name: str | None = entity_field(compare=False)
    vendor_name: str | None = entity_field(compare=False)
    provider_alert_id: str | None = entity_field(compare=False)
    compromised_entity: str | None = entity_field(compare=False)
    start_time: datetime | None = entity_field(
        sentinel="StartTimeUtc", converter=to_utc_datetime, compare=False
    )
    end_time: datetime | None = entity_field(
        sentinel="EndTimeUtc", converter=to_utc_datetime, compare=False
    )
    time_generated: datetime | None = entity_field(converter=to_utc_datetime, compare=False)

    def query_params(self) -> dict[str, object]:
        """``system_alert_id``."""
        return {"system_alert_id": self.system_alert_id} if self.system_alert_id else {}


@attrs.frozen(kw_only=True, eq=False, repr=False)
class CloudApplication(Entity):
    """A cloud (SaaS) application. Identity: app id, else name."""

    ENTITY_TYPE: ClassVar[str] = "cloud-application"
    IDENTITY: ClassVar[tuple[str, ...]] = ("app_id", "name")
    LABEL: ClassVar[tuple[str, ...]] = ("name", "app_id")

    app_id: str | None = entity_field()
    name: str | None = entity_field()
    instance_name: str | None = entity_field()


@attrs.frozen(kw_only=True, eq=False, repr=False)
class Mailbox(Entity):
    """A mailbox. Identity: its primary address."""

    ENTITY_TYPE: ClassVar[str] = "mailbox"
    IDENTITY: ClassVar[tuple[str, ...]] = ("mailbox_primary_address", "upn")

    mailbox_primary_address: str | None = entity_field()
    display_name: str | None = entity_field()
    upn: str | None = entity_field()
    external_directory_object_id: str | None = entity_field()
    risk_level: str | None = entity_field()

    def query_params(self) -> dict[str, object]:
        """``mailbox`` (the primary address)."""
        address = self.mailbox_primary_address or self.upn
        return {"mailbox": address} if address else {}


@attrs.frozen(kw_only=True, eq=False, repr=False)
class AzureResource(Entity):
    """An Azure resource. Identity: its resource id (case-insensitive)."""

    ENTITY_TYPE: ClassVar[str] = "azure-resource"
    IDENTITY: ClassVar[tuple[str, ...]] = ("resource_id",)

    resource_id: str | None = entity_field()

    def query_params(self) -> dict[str, object]:
        """``resource_id``."""
        return {"resource_id": self.resource_id} if self.resource_id else {}


def _canonical(raw: Mapping[str, Any]) -> str:
    return json.dumps(raw, sort_keys=True, default=str)


@attrs.frozen(kw_only=True, eq=False, repr=False)
class UnknownEntity(Entity):
    """An entity asisdk has no class for (or could not build), kept with its raw data.

    Attributes:
        entity_type: the ``Type`` the source gave (may be empty).
        raw: the source JSON object, unchanged.
        error: why it could not be built as a known entity, or ``None`` for unknown types.
    """

    ENTITY_TYPE: ClassVar[str] = "unknown"

    entity_type: str = entity_field(default="")
    raw: Mapping[str, Any] = entity_field(factory=dict, compare=False)
    error: str | None = entity_field(default=None, compare=False)

    @property
    def identity(self) -> tuple[object, ...]:
        return (self.ENTITY_TYPE, self.entity_type, _canonical(self.raw))

    @property
    def label(self) -> str:
        return f"{self.entity_type or 'unknown'} entity"
