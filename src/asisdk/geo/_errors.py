"""Errors of the local GeoIP databases."""

from __future__ import annotations

from asisdk.errors import AsiError

__all__ = ["GeoDatabaseError", "StaleDatabaseWarning"]


class GeoDatabaseError(AsiError):
    """A GeoIP database is missing, unreadable or corrupt, or an update could not be installed.

    When raised by the updater, the database that was in place before is untouched.
    """


class StaleDatabaseWarning(UserWarning):
    """The GeoIP database in use is older than the staleness limit (30 days by default)."""
