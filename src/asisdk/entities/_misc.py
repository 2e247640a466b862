"""Malware, cloud application, mailbox, Azure resource and unknown entities."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from asisdk.entities._base import Entity, entity_field
from asisdk.entities._file import File
from asisdk.entities._process import Process

__all__ = ["AzureResource", "CloudApplication", "Mailbox", "Malware", "UnknownEntity"]


@attrs.frozen(kw_only=True, eq=False, repr=False)
class Malware(Entity):
    """A malware family seen in an alert. Identity: its name."""

    ENTITY_TYPE: ClassVar[str] = "malware"
    IDENTITY: ClassVar[tuple[str, ...]] = ("name",)

    name: str | None = entity_field()
    category: str | None = entity_field()
    files: tuple[File, ...] = entity_field(factory=tuple, converter=tuple)
    processes: tuple[Process, ...] = entity_field(factory=tuple, converter=tuple)


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
