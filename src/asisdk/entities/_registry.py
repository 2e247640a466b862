"""Windows registry keys and values."""

from __future__ import annotations

from typing import ClassVar

import attrs

from asisdk.entities._base import Entity, entity_field
from asisdk.entities._enums import RegistryHive

__all__ = ["RegistryKey", "RegistryValue"]


@attrs.frozen(kw_only=True, eq=False, repr=False)
class RegistryKey(Entity):
    """A registry key. Identity: hive and key path (case-insensitive)."""

    ENTITY_TYPE: ClassVar[str] = "registry-key"
    IDENTITY: ClassVar[tuple[str, ...]] = ("hive", "key")
    COMPOSITE_IDENTITY: ClassVar[bool] = True

    hive: RegistryHive | None = entity_field(converter=RegistryHive.optional)
    key: str | None = entity_field()

    @property
    def path(self) -> str:
        """``HKLM\\Software\\...`` style path."""
        hive = self.hive.short_name if self.hive is not None else ""
        return "\\".join(p for p in (hive, self.key or "") if p)

    @property
    def label(self) -> str:
        return self.path or "registry key"

    def query_params(self) -> dict[str, object]:
        """``registry_key``."""
        return {"registry_key": self.path} if self.key else {}


@attrs.frozen(kw_only=True, eq=False, repr=False)
class RegistryValue(Entity):
    """A value under a registry key. Identity: key and value name."""

    ENTITY_TYPE: ClassVar[str] = "registry-value"
    IDENTITY: ClassVar[tuple[str, ...]] = ("key", "name")
    COMPOSITE_IDENTITY: ClassVar[bool] = True

    key: RegistryKey | None = entity_field()
    name: str | None = entity_field()
    value: str | None = entity_field(compare=False)
    value_type: str | None = entity_field(compare=False)

    @property
    def label(self) -> str:
        key = self.key.path if self.key is not None else ""
        return f"{key}\\{self.name or '(Default)'}" if key else (self.name or "registry value")
