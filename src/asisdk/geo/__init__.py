"""Locate IP addresses with local GeoIP databases, and measure distances between places.

:class:`GeoIpDatabase` opens MaxMind-format databases (City, Country, Enterprise, ASN, ISP,
Anonymous-IP, Connection-Type, Domain; MaxMind GeoLite2/GeoIP2, DB-IP Lite; an ASN database
is layered on the City one when installed) and returns ``IpAddress`` entities with a
``GeoLocation``; batch and frame lookups give one :class:`GeoResult` per input with a
:class:`GeoStatus`. Without configuration it uses a database downloaded by
:class:`GeoDatabaseUpdater` or the embedded DB-IP City Lite default.
:class:`GeoDatabaseUpdater` downloads a current database (DB-IP City Lite without a key, or
MaxMind GeoLite2-City; or their ASN databases) and installs it atomically.
:func:`geo_distance` gives haversine distances in km.

Examples:
    >>> from asisdk.geo import GeoIpDatabase, geo_distance
    >>> with GeoIpDatabase() as geo:  # doctest: +SKIP
    ...     a, b = geo.lookup("81.2.69.142"), geo.lookup("216.160.83.56")
    ...     print(round(geo_distance(a, b)), geo.attribution)
"""

from __future__ import annotations

from asisdk._geo_result import GeoResult, GeoStatus
from asisdk.geo._database import GeoIpDatabase, database_kind
from asisdk.geo._distance import geo_distance
from asisdk.geo._errors import GeoDatabaseError, StaleDatabaseWarning
from asisdk.geo._source import (
    DatabaseSource,
    attribution_for,
    default_data_dir,
    embedded_database_path,
    find_asn_database,
    find_database,
)
from asisdk.geo._updater import GeoDatabaseUpdater, UpdateResult

__all__ = [
    "DatabaseSource",
    "GeoDatabaseError",
    "GeoDatabaseUpdater",
    "GeoIpDatabase",
    "GeoResult",
    "GeoStatus",
    "StaleDatabaseWarning",
    "UpdateResult",
    "attribution_for",
    "database_kind",
    "default_data_dir",
    "embedded_database_path",
    "find_asn_database",
    "find_database",
    "geo_distance",
]
