"""GeoIpDatabase against the MaxMind test databases and databases built with mmdb-writer."""

from __future__ import annotations

import ipaddress
import warnings
from pathlib import Path

import pandas as pd
import pytest

from asisdk._geo_frame import RESULT_COLUMNS
from asisdk.config import Config
from asisdk.entities import IpAddress, IpType
from asisdk.errors import InvalidInputError
from asisdk.geo import (
    DatabaseSource,
    GeoDatabaseError,
    GeoIpDatabase,
    GeoStatus,
    StaleDatabaseWarning,
)

from .conftest import build_city_db


def open_db(path: Path) -> GeoIpDatabase:
    return GeoIpDatabase(path, stale_after=None)


def test_known_lookups_in_the_maxmind_test_database(maxmind_test_db: Path) -> None:
    with open_db(maxmind_test_db) as geo:
        london = geo.lookup("81.2.69.142")
        milton = geo.lookup(IpAddress(address="216.160.83.56"))
        japan = geo.lookup(ipaddress.ip_address("2001:218::1"))
    loc = london.location
    assert loc is not None
    assert (loc.country_code, loc.country_name, loc.city, loc.state) == (
        "GB",
        "United Kingdom",
        "London",
        "England",
    )
    assert (loc.latitude, loc.longitude, loc.accuracy_radius) == (51.5142, -0.0931, 10)
    assert (loc.time_zone, loc.network, loc.continent) == ("Europe/London", "81.2.69.142/31", "EU")
    assert london.ip_type is IpType.PUBLIC
    assert milton.location is not None
    assert (milton.location.postal_code, milton.location.state) == ("98354", "Washington")
    assert milton.location.network == "216.160.83.56/29"
    assert japan.location is not None
    assert (japan.location.country_code, japan.location.city) == ("JP", None)
    assert japan.location.network == "2001:218::/32"


def test_lookup_returns_a_new_entity_and_keeps_the_input(maxmind_test_db: Path) -> None:
    given = IpAddress(address="89.160.20.112")
    with open_db(maxmind_test_db) as geo:
        located = geo.lookup(given)
    assert given.location is None
    assert located == given
    assert located.location is not None
    assert located.location.city == "Linköping"


@pytest.mark.parametrize(
    ("address", "ip_type"),
    [
        ("10.0.0.1", IpType.PRIVATE),
        ("192.168.1.20", IpType.PRIVATE),
        ("127.0.0.1", IpType.LOOPBACK),
        ("169.254.10.1", IpType.LINK_LOCAL),
        ("fe80::1", IpType.LINK_LOCAL),
        ("224.0.0.251", IpType.MULTICAST),
        ("0.0.0.0", IpType.UNSPECIFIED),
        ("203.0.113.9", IpType.RESERVED),
        ("fd00::5", IpType.PRIVATE),
    ],
)
def test_non_public_addresses_are_kept_with_their_type(
    maxmind_test_db: Path, address: str, ip_type: IpType
) -> None:
    with open_db(maxmind_test_db) as geo:
        ip = geo.lookup(address)
        [result] = geo.lookup_many([address])
    assert ip.address == address
    assert ip.ip_type is ip_type
    assert ip.location is None
    assert result.status is GeoStatus.PRIVATE
    assert result.ip == ip


def test_unknown_and_invalid_addresses(maxmind_test_db: Path) -> None:
    with open_db(maxmind_test_db) as geo:
        missing = geo.lookup("1.1.1.1")
        with pytest.raises(InvalidInputError, match="not an IPv4 or IPv6 address"):
            geo.lookup("999.1.1.1")
        with pytest.raises(InvalidInputError):
            geo.lookup("x" * 10_000)
    assert missing.location is None
    assert missing.ip_type is IpType.PUBLIC


def test_lookup_many_statuses_order_and_duplicates(maxmind_test_db: Path) -> None:
    values: list[object] = [
        "81.2.69.142",
        "10.0.0.1",
        "8.8.8.8",
        "not an ip",
        None,
        " 81.2.69.142 ",
        "[2001:218::1]",
        42,
    ]
    with open_db(maxmind_test_db) as geo:
        results = geo.lookup_many(values)  # type: ignore[arg-type]
    assert [r.status for r in results] == [
        GeoStatus.FOUND,
        GeoStatus.PRIVATE,
        GeoStatus.NOT_FOUND,
        GeoStatus.INVALID,
        GeoStatus.INVALID,
        GeoStatus.FOUND,
        GeoStatus.FOUND,
        GeoStatus.INVALID,
    ]
    assert [r.query for r in results][:4] == ["81.2.69.142", "10.0.0.1", "8.8.8.8", "not an ip"]
    assert results[0].location == results[5].location
    assert results[3].ip is None
    assert results[3].error is not None
    assert "not an IPv4 or IPv6" in results[3].error


def test_built_database_fields_locales_asn_and_registered_country(city_db: Path) -> None:
    with GeoIpDatabase(city_db, locales=("de",), stale_after=None) as geo:
        london = geo.lookup("51.140.3.4")
        paris = geo.lookup("2a01:cb00:1::1")
        transit = geo.lookup("185.0.0.7")
    assert london.location is not None
    assert london.location.country_name == "Vereinigtes Königreich"  # first locale wins
    assert london.location.city == "London"  # falls back to English
    assert london.location.network == "51.140.0.0/16"
    assert paris.location is not None
    assert (paris.location.city, paris.location.accuracy_radius) == ("Paris", None)
    assert transit.location is not None
    assert transit.location.country_code == "NL"
    assert (transit.location.asn, transit.location.organization) == (64500, "Example Transit")


def test_lookup_frame_keeps_every_row_and_index(city_db: Path) -> None:
    frame = pd.DataFrame(
        {"ip": ["51.140.9.9", "10.1.2.3", "garbage", "8.8.4.4", None], "city": list("abcde")},
        index=[10, 20, 30, 40, 50],
    )
    with open_db(city_db) as geo:
        out = geo.lookup_frame(frame, "ip")
    assert list(out.index) == [10, 20, 30, 40, 50]
    assert list(out.columns) == [
        "ip",
        "city",
        *(f"{c}_geo" if c == "city" else c for c in RESULT_COLUMNS),
    ]
    assert list(out["geo_status"]) == ["found", "private", "invalid", "not_found", "invalid"]
    assert list(out["ip_type"])[:2] == ["public", "private"]
    assert out.loc[10, "city_geo"] == "London"
    assert out.loc[10, "latitude"] == pytest.approx(51.5142)
    assert out["latitude"].dtype == "Float64"
    assert out["accuracy_radius"].dtype == "Int64"
    assert pd.isna(out.loc[20, "country_code"])
    assert "not an IPv4" in out.loc[30, "geo_error"]
    frame_before = frame.copy()
    assert frame.equals(frame_before)


def test_lookup_frame_missing_column(city_db: Path) -> None:
    with open_db(city_db) as geo, pytest.raises(InvalidInputError, match="not in the frame"):
        geo.lookup_frame(pd.DataFrame({"a": [1]}), "ip")


async def test_async_variants_match_sync(city_db: Path) -> None:
    frame = pd.DataFrame({"ip": ["51.140.9.9", "2a01:cb00::9", "127.0.0.1"]})
    with open_db(city_db) as geo:
        one = await geo.lookup_async("51.140.9.9")
        many = await geo.lookup_many_async(frame["ip"])
        out = await geo.lookup_frame_async(frame, "ip")
        assert many == geo.lookup_many(frame["ip"])
        assert out.equals(geo.lookup_frame(frame, "ip"))
    assert one.location is not None
    assert [r.status.value for r in many] == ["found", "found", "private"]


def test_corrupt_database_is_a_clear_error_and_an_error_row(corrupt_db: Path) -> None:
    with open_db(corrupt_db) as geo:
        with pytest.raises(GeoDatabaseError, match="corrupt"):
            geo.lookup("81.2.69.142")
        results = geo.lookup_many(["81.2.69.142", "10.0.0.1", "bad"])
    assert [r.status for r in results] == [GeoStatus.ERROR, GeoStatus.PRIVATE, GeoStatus.INVALID]
    assert results[0].error is not None
    assert "corrupt" in results[0].error


def test_files_that_are_not_geoip_databases(tmp_path: Path, shared_data: Path) -> None:
    with pytest.raises(GeoDatabaseError, match="does not read"):
        GeoIpDatabase(shared_data / "geoip" / "MaxMind-DB-test-decoder.mmdb")
    junk = tmp_path / "junk.mmdb"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(GeoDatabaseError, match="cannot open"):
        GeoIpDatabase(junk)
    with pytest.raises(GeoDatabaseError, match="does not exist"):
        GeoIpDatabase(tmp_path / "missing.mmdb")


def test_closed_database(city_db: Path) -> None:
    geo = open_db(city_db)
    geo.close()
    geo.close()
    with pytest.raises(GeoDatabaseError, match="closed"):
        geo.lookup("51.140.1.1")


def test_stale_database_warns_once_with_date_and_how_to_update(old_city_db: Path) -> None:
    geo = GeoIpDatabase(old_city_db)
    assert geo.is_stale
    assert geo.age.days >= 89
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        geo.lookup("51.140.1.1")
        geo.lookup_many(["51.140.1.2"])
        geo.lookup("51.140.1.3")
    assert [type(w.message) for w in caught] == [StaleDatabaseWarning]
    assert caught[0].filename == __file__, "the warning points at the caller's line"
    message = str(caught[0].message)
    assert geo.build_date.date().isoformat() in message
    assert "asisdk geo update" in message


def test_stale_warning_points_at_the_caller_of_each_entry_point(old_city_db: Path) -> None:
    frame = pd.DataFrame({"ip": ["51.140.1.1"]})
    for call in (
        lambda geo: geo.lookup_many(["51.140.1.1"]),
        lambda geo: geo.lookup_frame(frame, "ip"),
    ):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call(GeoIpDatabase(old_city_db))
        assert [w.filename for w in caught] == [__file__]


def test_fresh_database_does_not_warn(city_db: Path) -> None:
    with GeoIpDatabase(city_db) as geo, warnings.catch_warnings():
        warnings.simplefilter("error")
        geo.lookup("51.140.1.1")
    assert not geo.is_stale


def test_attribution_follows_the_database_type(tmp_path: Path, maxmind_test_db: Path) -> None:
    dbip = build_city_db(tmp_path / "dbip.mmdb", database_type="DBIP-City-Lite")
    with open_db(dbip) as geo:
        assert "DB-IP" in geo.attribution
        assert "CC BY 4.0" in geo.attribution
    with open_db(maxmind_test_db) as geo:
        assert "GeoLite2 data created by MaxMind" in geo.attribution
    assert "geolite2-city" in repr(open_db(maxmind_test_db)).lower()


class TestDatabaseChoice:
    def test_explicit_path_wins_over_setting(
        self, city_db: Path, maxmind_test_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("ASISDK_GEOIP_DB", str(maxmind_test_db))
        geo = open_db(city_db)
        assert (geo.path, geo.source) == (city_db, DatabaseSource.EXPLICIT)

    def test_environment_then_config(
        self, city_db: Path, maxmind_test_db: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("ASISDK_GEOIP_DB_PATH", raising=False)
        monkeypatch.setenv("ASISDK_GEOIP_DB", str(maxmind_test_db))
        config = Config(data={"geoip": {"db_path": str(city_db)}})
        geo = GeoIpDatabase(config=config, stale_after=None)
        assert (geo.path, geo.source) == (maxmind_test_db, DatabaseSource.SETTING)
        monkeypatch.delenv("ASISDK_GEOIP_DB")
        geo = GeoIpDatabase(config=config, stale_after=None)
        assert (geo.path, geo.source) == (city_db, DatabaseSource.SETTING)

    def test_missing_configured_file_is_an_error(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("ASISDK_GEOIP_DB", str(tmp_path / "gone.mmdb"))
        with pytest.raises(GeoDatabaseError, match="ASISDK_GEOIP_DB"):
            GeoIpDatabase(config=Config())

    def test_downloaded_database_before_embedded(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("ASISDK_GEOIP_DB", raising=False)
        monkeypatch.delenv("ASISDK_GEOIP_DB_PATH", raising=False)
        data_dir = tmp_path / "data"
        data_dir.mkdir()
        downloaded = build_city_db(data_dir / "dbip-city-lite.mmdb")
        geo = GeoIpDatabase(config=Config(), data_dir=data_dir, stale_after=None)
        assert (geo.path, geo.source) == (downloaded, DatabaseSource.DOWNLOADED)
