"""``GeoDatabaseUpdater``: download a current City or ASN database and install it atomically.

Four editions, a City and an ASN database from each of two providers:

* ``dbip-city-lite`` (default, no account): DB-IP's monthly City Lite database,
  ``{base_url}/free/dbip-city-lite-YYYY-MM.mmdb.gz`` (the previous month's file is used early
  in a month, before the new one is published). Licensed CC BY 4.0.
* ``GeoLite2-City``: MaxMind's database, with an account id and licence key (HTTP basic auth),
  ``{base_url}/geoip/databases/GeoLite2-City/download?suffix=tar.gz``, checked against the
  ``suffix=tar.gz.sha256`` file. Subject to the GeoLite EULA.
* ``dbip-asn-lite`` and ``GeoLite2-ASN``: the same providers' ASN databases (the network's
  autonomous system number and organisation), fetched the same way; :class:`GeoIpDatabase`
  uses an installed one beside the City database (``asisdk geo update --asn``).

Installation is all-or-nothing: the download is checked (size limits, sha256, safe
extraction of the one ``.mmdb`` member: no paths, links or devices are ever written), written
to a temporary file in the target directory, opened and read back as the expected kind of
database, and only
then moved over the old file with :func:`os.replace`. Any failure raises
:class:`GeoDatabaseError` and leaves the database in place untouched.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import gzip
import hashlib
import io
import os
import re
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import IO, Literal, Protocol

import attrs
import httpx
import maxminddb
import maxminddb.errors

from asisdk._http import ApiClient, RequestLimits, RetryPolicy, ServiceClient
from asisdk.config import Config, Secret, resolve_secret, resolve_setting
from asisdk.errors import ApiError, ConfigurationError, NotFoundError, ResponseTooLargeError
from asisdk.geo import _defaults
from asisdk.geo._errors import GeoDatabaseError
from asisdk.geo._source import default_data_dir

__all__ = ["Edition", "GeoDatabaseUpdater", "UpdateResult"]

#: The databases the updater can install.
Edition = Literal["dbip-city-lite", "GeoLite2-City", "dbip-asn-lite", "GeoLite2-ASN"]

_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_DOWNLOAD_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=30.0)
#: Networks read back from a new database to prove its data section decodes.
_VERIFY_RECORDS = 2_000


@attrs.frozen(kw_only=True)
class UpdateResult:
    """What an update did.

    Attributes:
        path: the installed database file.
        edition: ``"dbip-city-lite"``, ``"GeoLite2-City"``, ``"dbip-asn-lite"`` or
            ``"GeoLite2-ASN"``.
        build_date: the build date of the database now in place.
        updated: ``False`` when the database in place was still fresh and nothing was fetched.
        sha256: the checksum of the downloaded file (``None`` when nothing was downloaded).
        source_url: where it came from (no credentials in it).
    """

    path: Path
    edition: str
    build_date: dt.datetime
    updated: bool
    sha256: str | None = None
    source_url: str | None = None


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def _utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class GeoDatabaseUpdater(ServiceClient):
    """Download a current City or ASN database into the user data directory (or ``data_dir``).

    Args:
        edition: ``"dbip-city-lite"`` (no account needed), ``"GeoLite2-City"`` (a MaxMind
            account), or their ASN databases ``"dbip-asn-lite"`` and ``"GeoLite2-ASN"``.
        data_dir: where to install it (default: the directory :class:`GeoIpDatabase` looks in).
        account_id: MaxMind account id (GeoLite2 only); default ``ASISDK_GEOIP_ACCOUNT_ID`` or
            ``[geoip] account_id``.
        license_key: MaxMind licence key (GeoLite2 only); default ``ASISDK_GEOIP_LICENSE_KEY``
            or ``[geoip] license_key``. Sent only in the basic-auth header, never shown.
        base_url: the download root (tests use ``http://127.0.0.1:PORT``).
        stale_after: a database in place younger than this is kept unless ``force=True``
            (MaxMind limits downloads per day).
        http_client: an ``httpx.AsyncClient`` to use (it must follow redirects for MaxMind).
        retry: the retry policy for downloads.
        max_download_bytes: largest archive accepted.
        max_database_bytes: largest extracted database accepted.
        config: an already loaded configuration.
        today: the current UTC date (injected in tests; picks DB-IP's monthly file).

    Raises:
        ConfigurationError: an unknown edition, or GeoLite2 without account id and licence key.

    Examples:
        >>> async def refresh() -> None:
        ...     async with GeoDatabaseUpdater() as updater:  # DB-IP City Lite, no key
        ...         result = await updater.update()
        ...         print(result.path, result.build_date, result.updated)
    """

    def __init__(
        self,
        *,
        edition: Edition | str = _defaults.EDITION_DBIP,
        data_dir: str | os.PathLike[str] | None = None,
        account_id: str | None = None,
        license_key: str | Secret | None = None,
        base_url: str | None = None,
        stale_after: dt.timedelta = _defaults.STALE_AFTER,
        http_client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        max_download_bytes: int = _defaults.MAX_DOWNLOAD_BYTES,
        max_database_bytes: int = _defaults.MAX_DATABASE_BYTES,
        config: Config | None = None,
        today: Callable[[], dt.date] = _utc_today,
    ) -> None:
        if edition not in _defaults.FILE_OF:
            raise ConfigurationError(
                f"unknown GeoIP edition {edition!r}; use {_defaults.EDITION_DBIP!r} (no account) "
                f"or {_defaults.EDITION_GEOLITE2!r} (MaxMind account id + licence key), or "
                f"their ASN databases {_defaults.EDITION_DBIP_ASN!r} and "
                f"{_defaults.EDITION_GEOLITE2_ASN!r}"
            )
        self.edition = edition
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.stale_after = stale_after
        self.max_download_bytes = max_download_bytes
        self.max_database_bytes = max_database_bytes
        self._today = today
        headers: dict[str, str | Secret] = {}
        self.file_name = _defaults.FILE_OF[edition]
        if edition in _defaults.MAXMIND_EDITIONS:
            account = resolve_setting(_defaults.ACCOUNT_ID_SETTING, account_id, config=config)
            key = resolve_secret(
                _defaults.LICENSE_KEY_SETTING, license_key, config=config, required=False
            )
            if not account or key is None:
                raise ConfigurationError(
                    f"{edition} downloads need a MaxMind account id and licence key: pass "
                    "account_id= and license_key=, set ASISDK_GEOIP_ACCOUNT_ID and "
                    "ASISDK_GEOIP_LICENSE_KEY, or use edition='dbip-city-lite' (no account)"
                )
            token = base64.b64encode(f"{account}:{key.get()}".encode()).decode()
            headers["Authorization"] = Secret(f"Basic {token}")
            root = base_url or _defaults.MAXMIND_BASE_URL
        else:
            root = base_url or _defaults.DBIP_BASE_URL
        self._owned_http = (
            httpx.AsyncClient(follow_redirects=True, timeout=_DOWNLOAD_TIMEOUT)
            if http_client is None
            else None
        )
        self._api = ApiClient(
            service="geoip-download",
            base_url=root,
            headers=headers,
            retry=retry,
            http_client=http_client or self._owned_http,
            # The body is streamed and the read stops at the cap: never buffered whole first.
            limits=RequestLimits(
                max_response_bytes=max_download_bytes,
                request_deadline=_defaults.DOWNLOAD_DEADLINE,
                max_concurrency=1,
            ),
        )

    def __repr__(self) -> str:
        return (
            f"GeoDatabaseUpdater(edition={self.edition!r}, target={str(self.target)!r}, "
            f"base_url={self._api.base_url!r})"
        )

    @property
    def _expected_kind(self) -> str:
        """What the downloaded database must contain: ``"ASN"`` or ``"City"``."""
        return "ASN" if self.edition.endswith("-ASN") or "-asn-" in self.edition else "City"

    @property
    def target(self) -> Path:
        """The file the database is installed as."""
        return self.data_dir / self.file_name

    async def aclose(self) -> None:
        """Close the owned HTTP client. Idempotent."""
        await super().aclose()
        if self._owned_http is not None:
            await self._owned_http.aclose()

    async def update(self, *, force: bool = False) -> UpdateResult:
        """Download and install the current database, unless the one in place is fresh.

        Args:
            force: download even when the database in place is younger than ``stale_after``.

        Returns:
            What was done (see :class:`UpdateResult`).

        Raises:
            GeoDatabaseError: the download failed (the cause is chained), the checksum did
                not match, the archive held no usable database, a size limit was hit, or the
                new file is not a readable database of the edition's kind. The database in
                place is kept.

        Examples:
            >>> result = await updater.update(force=True)  # doctest: +SKIP
        """
        current = await asyncio.to_thread(_build_date_of, self.target)
        fresh = current is not None and dt.datetime.now(dt.UTC) - current < self.stale_after
        if fresh and not force:
            assert current is not None
            return UpdateResult(
                path=self.target, edition=self.edition, build_date=current, updated=False
            )
        try:
            if self.edition in _defaults.MAXMIND_EDITIONS:
                payload, url, expected = await self._download_geolite2()
            else:
                payload, url = await self._download_dbip()
                expected = None
        except ApiError as exc:
            raise GeoDatabaseError(
                f"downloading the {self.edition} database failed: {exc}. {self._kept()}"
            ) from exc
        digest = hashlib.sha256(payload).hexdigest()
        if expected is not None and digest.lower() != expected.lower():
            raise GeoDatabaseError(
                f"the {self.edition} download from {url} does not match its sha256 checksum "
                f"(expected {expected}, got {digest}); it was discarded. {self._kept()}"
            )
        build_date = await asyncio.to_thread(self._install, payload)
        return UpdateResult(
            path=self.target,
            edition=self.edition,
            build_date=build_date,
            updated=True,
            sha256=digest,
            source_url=url,
        )

    def _kept(self) -> str:
        if self.target.is_file():
            return f"The database in place ({self.target}) was kept."
        return "No database was installed."

    # -- downloads -------------------------------------------------------------------------

    async def _get(self, path: str, params: dict[str, str] | None = None) -> tuple[bytes, str]:
        try:
            response = await self._api.request("GET", path, params=params)
        except ResponseTooLargeError as exc:
            raise GeoDatabaseError(
                f"the download is over max_download_bytes={self.max_download_bytes}; it was "
                "stopped there (streamed, never read whole); raise the limit if this is "
                f"expected. {self._kept()}"
            ) from exc
        return response.content, self._api.masker.url(response.request.url)

    async def _download_geolite2(self) -> tuple[bytes, str, str]:
        path = f"/geoip/databases/{self.edition}/download"
        checksum, _ = await self._get(path, {"suffix": "tar.gz.sha256"})
        match = _SHA256.search(checksum.decode("ascii", "replace"))
        if match is None:
            raise GeoDatabaseError(
                f"the sha256 file for {self.edition} holds no checksum; try again later. "
                f"{self._kept()}"
            )
        payload, url = await self._get(path, {"suffix": "tar.gz"})
        return payload, url, match.group(0)

    async def _download_dbip(self) -> tuple[bytes, str]:
        month = self._today().replace(day=1)
        try:
            return await self._get(f"/free/{self.edition}-{month:%Y-%m}.mmdb.gz")
        except NotFoundError:  # early in a month, before its file is published
            previous = month - dt.timedelta(days=1)
            return await self._get(f"/free/{self.edition}-{previous:%Y-%m}.mmdb.gz")

    # -- installation (runs in a worker thread) --------------------------------------------

    def _install(self, payload: bytes) -> dt.datetime:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{self.file_name}.", suffix=".tmp", dir=self.data_dir
        )
        temp = Path(temp_name)
        try:
            with os.fdopen(handle, "wb") as out:
                if self.edition in _defaults.MAXMIND_EDITIONS:
                    self._extract_member(payload, out)
                else:
                    self._gunzip(payload, out)
                out.flush()
                os.fsync(out.fileno())
            build_date = _verify(temp, self._expected_kind, self._kept())
            temp.replace(self.target)  # atomic on one file system
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return build_date

    def _copy(self, source: _Readable, out: IO[bytes]) -> None:
        written = 0
        while chunk := source.read(_defaults.COPY_CHUNK):
            written += len(chunk)
            if written > self.max_database_bytes:
                raise GeoDatabaseError(
                    f"the extracted database exceeds max_database_bytes="
                    f"{self.max_database_bytes}; refusing it. {self._kept()}"
                )
            out.write(chunk)

    def _gunzip(self, payload: bytes, out: IO[bytes]) -> None:
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(payload)) as source:
                self._copy(source, out)
        except (OSError, EOFError) as exc:
            raise GeoDatabaseError(
                f"the {self.edition} download is not a valid .mmdb.gz file ({exc}). {self._kept()}"
            ) from exc

    def _extract_member(self, payload: bytes, out: IO[bytes]) -> None:
        wanted = f"{self.edition}.mmdb"
        try:
            with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as archive:
                for member in archive:
                    # Only a regular file named exactly like the database, whatever directory
                    # it claims to be in; links, devices and other names are never touched.
                    if not member.isreg() or PurePosixPath(member.name).name != wanted:
                        continue
                    if member.size > self.max_database_bytes:
                        raise GeoDatabaseError(
                            f"{member.name} is {member.size} bytes, over max_database_bytes="
                            f"{self.max_database_bytes}. {self._kept()}"
                        )
                    source = archive.extractfile(member)
                    if source is None:  # pragma: no cover - regular files always have data
                        continue
                    with source:
                        self._copy(source, out)
                    return
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise GeoDatabaseError(
                f"the {self.edition} download is not a valid tar.gz archive ({exc}). {self._kept()}"
            ) from exc
        raise GeoDatabaseError(
            f"the {self.edition} archive holds no regular file named {wanted}. {self._kept()}"
        )


def _build_date_of(path: Path) -> dt.datetime | None:
    if not path.is_file():
        return None
    try:
        with maxminddb.open_database(str(path)) as reader:
            return dt.datetime.fromtimestamp(reader.metadata().build_epoch, dt.UTC)
    except (OSError, ValueError, maxminddb.errors.InvalidDatabaseError):
        return None  # an unreadable file in place is replaced


def _verify(path: Path, kind: str, kept: str) -> dt.datetime:
    """Open the new file and read records back: a ``kind`` database whose data decodes."""
    try:
        with maxminddb.open_database(str(path), maxminddb.MODE_MMAP) as reader:
            metadata = reader.metadata()
            if kind not in metadata.database_type:
                raise GeoDatabaseError(
                    f"the downloaded database is a {metadata.database_type} database, not "
                    f"{'an' if kind[0] in 'AEIOU' else 'a'} {kind} database. {kept}"
                )
            for count, _ in enumerate(reader, start=1):
                if count >= _VERIFY_RECORDS:
                    break
            return dt.datetime.fromtimestamp(metadata.build_epoch, dt.UTC)
    except (OSError, ValueError, maxminddb.errors.InvalidDatabaseError) as exc:
        raise GeoDatabaseError(
            f"the downloaded file is not a readable MaxMind database ({exc}). {kept}"
        ) from exc
