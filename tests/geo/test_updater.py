"""GeoDatabaseUpdater against a download server on 127.0.0.1 (MaxMind and DB-IP shapes)."""
# ruff: noqa: ASYNC240 - tests read and compare small temporary files between awaits

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import io
import tarfile
import time
from pathlib import Path

import pytest

from _support.loopback import LoopbackServer, Reply, Request
from asisdk._http import RetryPolicy
from asisdk.config import Config
from asisdk.errors import ConfigurationError
from asisdk.geo import DatabaseSource, GeoDatabaseError, GeoDatabaseUpdater, GeoIpDatabase

from .conftest import build_city_db

ACCOUNT = "123456"
LICENSE = "lic-key-9f8e7d6c5b4a"
GEOLITE_PATH = "/geoip/databases/GeoLite2-City/download"


def tarball(members: list[tuple[str, bytes | None, str | None]]) -> bytes:
    """A tar.gz of (name, data, symlink target) members."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data, link in members:
            info = tarfile.TarInfo(name)
            if link is not None:
                info.type = tarfile.SYMTYPE
                info.linkname = link
                archive.addfile(info)
            else:
                assert data is not None
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class DownloadApp:
    """Serves a GeoLite2 tar.gz with its sha256 (basic auth) and DB-IP monthly .mmdb.gz files."""

    def __init__(
        self,
        *,
        archive: bytes = b"",
        checksum: str | None = None,
        monthly: dict[str, bytes] | None = None,
    ) -> None:
        self.archive = archive
        self.checksum = checksum or hashlib.sha256(archive).hexdigest()
        self.monthly = monthly or {}
        token = base64.b64encode(f"{ACCOUNT}:{LICENSE}".encode()).decode()
        self.authorization = f"Basic {token}"

    def __call__(self, request: Request) -> Reply:
        if request.path == GEOLITE_PATH:
            if request.headers.get("authorization") != self.authorization:
                return Reply.json(401, {"error": "Invalid license key"})
            suffix = request.query.get("suffix")
            if suffix == "tar.gz.sha256":
                return Reply(200, f"{self.checksum}  GeoLite2-City_20261127.tar.gz\n".encode())
            if suffix == "tar.gz":
                return Reply(200, self.archive, {"content-type": "application/gzip"})
        if request.path in self.monthly:
            return Reply(200, self.monthly[request.path], {"content-type": "application/gzip"})
        return Reply.json(404, {"error": "not found"})


def geolite_archive(db: bytes) -> bytes:
    return tarball(
        [
            ("GeoLite2-City_20261127/COPYRIGHT.txt", b"Database and Contents (c) MaxMind", None),
            ("../../escape/GeoLite2-City.mmdb.txt", b"traversal attempt", None),
            ("GeoLite2-City_20261127/GeoLite2-City.mmdb", None, "/etc/passwd"),
            ("GeoLite2-City_20261127/GeoLite2-City.mmdb", db, None),
        ]
    )


def make_updater(server: LoopbackServer, data_dir: Path, **kwargs: object) -> GeoDatabaseUpdater:
    options: dict[str, object] = {
        "edition": "GeoLite2-City",
        "data_dir": data_dir,
        "account_id": ACCOUNT,
        "license_key": LICENSE,
        "base_url": server.base_url,
        "retry": RetryPolicy(instant=True, max_attempts=2),
        "config": Config(),
    }
    options.update(kwargs)
    return GeoDatabaseUpdater(**options)  # type: ignore[arg-type]


@pytest.fixture
def new_db(tmp_path: Path) -> bytes:
    return build_city_db(tmp_path / "new-build.mmdb").read_bytes()


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    return build_city_db(
        data_dir / "GeoLite2-City.mmdb", build_epoch=int(time.time()) - 60 * 86_400
    )


async def test_geolite2_update_installs_the_checked_database(
    tmp_path: Path, new_db: bytes, old_db: Path
) -> None:
    archive = geolite_archive(new_db)
    async with (
        LoopbackServer(DownloadApp(archive=archive)) as server,
        make_updater(server, old_db.parent) as updater,
    ):
        result = await updater.update()
    assert result.updated
    assert result.path == old_db
    assert result.sha256 == hashlib.sha256(archive).hexdigest()
    assert old_db.read_bytes() == new_db
    assert result.build_date > dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    assert result.source_url is not None
    assert LICENSE not in result.source_url
    assert sorted(p.name for p in old_db.parent.iterdir()) == ["GeoLite2-City.mmdb"]
    assert not (tmp_path / "escape").exists()
    assert server.stats.by_path[GEOLITE_PATH] == 2  # checksum, then archive
    with GeoIpDatabase(config=Config(), data_dir=old_db.parent) as geo:
        assert geo.source is DatabaseSource.DOWNLOADED
        assert not geo.is_stale


async def test_fresh_database_is_not_downloaded_again(new_db: bytes, old_db: Path) -> None:
    async with (
        LoopbackServer(DownloadApp(archive=geolite_archive(new_db))) as server,
        make_updater(server, old_db.parent) as updater,
    ):
        await updater.update()
        again = await updater.update()
        forced = await updater.update(force=True)
    assert not again.updated
    assert forced.updated
    assert server.stats.by_path[GEOLITE_PATH] == 4


@pytest.mark.parametrize(
    ("app_kwargs", "message"),
    [
        ({"checksum": "0" * 64}, "sha256"),
        ({"archive": b"not a tarball"}, "tar.gz"),
        ({"archive": tarball([("GeoLite2-City.mmdb", None, "/etc/passwd")])}, "no regular file"),
        ({"archive": tarball([("x/GeoLite2-City.mmdb", b"garbage" * 50, None)])}, "readable"),
    ],
)
async def test_bad_downloads_raise_and_keep_the_old_database(
    old_db: Path, app_kwargs: dict[str, object], message: str
) -> None:
    before = old_db.read_bytes()
    async with (
        LoopbackServer(DownloadApp(**app_kwargs)) as server,  # type: ignore[arg-type]
        make_updater(server, old_db.parent) as updater,
    ):
        with pytest.raises(GeoDatabaseError, match=message) as caught:
            await updater.update()
    assert "was kept" in str(caught.value)
    assert old_db.read_bytes() == before
    assert sorted(p.name for p in old_db.parent.iterdir()) == ["GeoLite2-City.mmdb"]


async def test_corrupt_database_in_the_archive_is_refused(
    old_db: Path, corrupt_db: Path, shared_data: Path
) -> None:
    before = old_db.read_bytes()
    for bad, message in [
        (corrupt_db.read_bytes(), "not a readable"),
        ((shared_data / "geoip" / "GeoLite2-ASN-Test.mmdb").read_bytes(), "not a City"),
    ]:
        archive = tarball([("d/GeoLite2-City.mmdb", bad, None)])
        async with (
            LoopbackServer(DownloadApp(archive=archive)) as server,
            make_updater(server, old_db.parent) as updater,
        ):
            with pytest.raises(GeoDatabaseError, match=message):
                await updater.update()
        assert old_db.read_bytes() == before


async def test_size_limit_and_wrong_credentials(new_db: bytes, old_db: Path) -> None:
    archive = geolite_archive(new_db)
    async with LoopbackServer(DownloadApp(archive=archive)) as server:
        async with make_updater(server, old_db.parent, max_database_bytes=1000) as updater:
            with pytest.raises(GeoDatabaseError, match="max_database_bytes"):
                await updater.update()
        async with make_updater(server, old_db.parent, license_key="wrong-licence") as updater:
            with pytest.raises(GeoDatabaseError, match="downloading") as caught:
                await updater.update()
    assert "wrong-licence" not in str(caught.value)
    assert "401" in str(caught.value)
    assert old_db.stat().st_size > 1000


async def test_dbip_falls_back_to_last_month_and_needs_no_key(
    tmp_path: Path, new_db: bytes
) -> None:
    data_dir = tmp_path / "fresh-dir"
    monthly = {"/free/dbip-city-lite-2026-10.mmdb.gz": gzip.compress(new_db)}
    async with (
        LoopbackServer(DownloadApp(monthly=monthly)) as server,
        GeoDatabaseUpdater(
            data_dir=data_dir,
            base_url=server.base_url,
            today=lambda: dt.date(2026, 11, 2),
            retry=RetryPolicy(instant=True),
            config=Config(),
        ) as updater,
    ):
        result = await updater.update()
    assert result.path == data_dir / "dbip-city-lite.mmdb"
    assert result.path.read_bytes() == new_db
    assert server.stats.by_path["/free/dbip-city-lite-2026-11.mmdb.gz"] == 1
    assert server.stats.by_path["/free/dbip-city-lite-2026-10.mmdb.gz"] == 1


async def test_dbip_nothing_published_is_a_clear_error(tmp_path: Path) -> None:
    async with (
        LoopbackServer(DownloadApp()) as server,
        GeoDatabaseUpdater(
            data_dir=tmp_path, base_url=server.base_url, retry=RetryPolicy(instant=True)
        ) as updater,
    ):
        with pytest.raises(GeoDatabaseError, match="No database was installed"):
            await updater.update()
    assert list(tmp_path.iterdir()) == []


def test_geolite2_needs_credentials_and_editions_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASISDK_GEOIP_ACCOUNT_ID", raising=False)
    monkeypatch.delenv("ASISDK_GEOIP_LICENSE_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="ASISDK_GEOIP_LICENSE_KEY"):
        GeoDatabaseUpdater(edition="GeoLite2-City", data_dir=tmp_path, config=Config())
    with pytest.raises(ConfigurationError, match="unknown GeoIP edition"):
        GeoDatabaseUpdater(edition="GeoLite2-Country", data_dir=tmp_path)
    updater = GeoDatabaseUpdater(
        edition="GeoLite2-City",
        data_dir=tmp_path,
        account_id=ACCOUNT,
        license_key=LICENSE,
        config=Config(),
    )
    assert LICENSE not in repr(updater)
    assert updater.target == tmp_path / "GeoLite2-City.mmdb"
