"""Closed sets used by the entities."""

from __future__ import annotations

import enum
from typing import Self

from asisdk.errors import InvalidInputError

__all__ = [
    "Algorithm",
    "ElevationToken",
    "IpType",
    "OSFamily",
    "RegistryHive",
    "Severity",
]


class _LenientEnum(enum.Enum):
    """An enum that parses its values and names case-insensitively."""

    @classmethod
    def _aliases(cls) -> dict[str, str]:
        """Extra lower-case spellings accepted by :meth:`parse`, mapped to member names."""
        return {}

    @classmethod
    def optional(cls, value: object, *, lenient: bool = False) -> Self | None:
        """Like :meth:`parse`, with ``None`` for ``None`` and ``""`` (and, when ``lenient``,
        for values that name no member)."""
        if value is None or value == "":
            return None
        try:
            return cls.parse(value)
        except ValueError:
            if lenient:
                return None
            raise

    @classmethod
    def parse(cls, value: object) -> Self:
        """Return the member for ``value`` (a member, a value or a name, any case).

        Raises:
            InvalidInputError: (a ``ValueError``) ``value`` names no member.
        """
        if isinstance(value, cls):
            return value
        text = str(value).strip().replace("-", "_").replace(" ", "_").casefold()
        for member in cls:
            if text in (str(member.value).casefold(), member.name.casefold()):
                return member
        alias = cls._aliases().get(text)
        if alias is not None:
            return cls[alias]
        raise InvalidInputError(f"{value!r} is not a valid {cls.__name__}")


class OSFamily(_LenientEnum):
    """Operating system family of a host."""

    WINDOWS = "Windows"
    LINUX = "Linux"
    MACOS = "MacOS"
    ANDROID = "Android"
    IOS = "IOS"
    UNKNOWN = "Unknown"


class ElevationToken(_LenientEnum):
    """Token elevation of a Windows process (4688 ``TokenElevationType``)."""

    DEFAULT = "Default"
    FULL = "Full"
    LIMITED = "Limited"

    @classmethod
    def from_event_code(cls, code: object) -> ElevationToken | None:
        """Map the 4688 codes ``%%1936`` / ``%%1937`` / ``%%1938`` (or a name) to a member."""
        if isinstance(code, ElevationToken):
            return code
        text = str(code).strip()
        mapping = {"%%1936": cls.DEFAULT, "%%1937": cls.FULL, "%%1938": cls.LIMITED}
        if text in mapping:
            return mapping[text]
        return cls.optional(text, lenient=True)


class Severity(_LenientEnum):
    """Alert severity, ordered from least to most severe."""

    INFORMATIONAL = "Informational"
    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"

    @property
    def rank(self) -> int:
        """0 for informational up to 3 for high (for sorting)."""
        return list(Severity).index(self)


class Algorithm(_LenientEnum):
    """Hash algorithm of a :class:`~asisdk.entities.FileHash`."""

    MD5 = "MD5"
    SHA1 = "SHA1"
    SHA256 = "SHA256"
    SHA256AC = "SHA256AC"
    UNKNOWN = "Unknown"


class RegistryHive(_LenientEnum):
    """Windows registry hives, with their short names (``HKLM`` ...) accepted on input."""

    HKEY_LOCAL_MACHINE = "HKEY_LOCAL_MACHINE"
    HKEY_CURRENT_USER = "HKEY_CURRENT_USER"
    HKEY_USERS = "HKEY_USERS"
    HKEY_CLASSES_ROOT = "HKEY_CLASSES_ROOT"
    HKEY_CURRENT_CONFIG = "HKEY_CURRENT_CONFIG"
    HKEY_PERFORMANCE_DATA = "HKEY_PERFORMANCE_DATA"
    HKEY_LOCAL_MACHINE_SAM = "HKEY_LOCAL_MACHINE_SAM"
    HKEY_LOCAL_MACHINE_SECURITY = "HKEY_LOCAL_MACHINE_SECURITY"
    HKEY_LOCAL_MACHINE_SOFTWARE = "HKEY_LOCAL_MACHINE_SOFTWARE"
    HKEY_LOCAL_MACHINE_SYSTEM = "HKEY_LOCAL_MACHINE_SYSTEM"
    HKEY_USERS_DEFAULT = "HKEY_USERS_DEFAULT"

    @classmethod
    def _aliases(cls) -> dict[str, str]:
        return {
            "hklm": "HKEY_LOCAL_MACHINE",
            "hkcu": "HKEY_CURRENT_USER",
            "hku": "HKEY_USERS",
            "hkcr": "HKEY_CLASSES_ROOT",
            "hkcc": "HKEY_CURRENT_CONFIG",
            "hkpd": "HKEY_PERFORMANCE_DATA",
        }

    @property
    def short_name(self) -> str:
        """``HKLM``, ``HKCU``, ``HKU``, ``HKCR``, ``HKCC`` ... for display and queries."""
        prefix = {
            "HKEY_LOCAL_MACHINE": "HKLM",
            "HKEY_CURRENT_USER": "HKCU",
            "HKEY_USERS": "HKU",
            "HKEY_CLASSES_ROOT": "HKCR",
            "HKEY_CURRENT_CONFIG": "HKCC",
            "HKEY_PERFORMANCE_DATA": "HKPD",
        }
        for long, short in prefix.items():
            if self.value.startswith(long):
                return short + self.value[len(long) :].replace("_", "\\")
        return self.value  # pragma: no cover - every member has a prefix above


class IpType(_LenientEnum):
    """What kind of address an IP is; only ``PUBLIC`` addresses are routable on the internet."""

    PUBLIC = "public"
    PRIVATE = "private"
    LOOPBACK = "loopback"
    LINK_LOCAL = "link_local"
    MULTICAST = "multicast"
    RESERVED = "reserved"
    UNSPECIFIED = "unspecified"
