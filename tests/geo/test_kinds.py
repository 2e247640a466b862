"""Every MaxMind database kind, on MaxMind's own test databases (``../shared/data/geoip``):
Country, Enterprise, ISP, ASN, Anonymous-IP, Connection-Type and Domain, the extra fields of
City records, ASN layered by default, and ``asisdk geo update --asn``.

Expected values are the README's known lookups and the records of the test databases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from _support.loopback import LoopbackServer, threaded_server
from asisdk._http import RetryPolicy
from asisdk.cli._geo import add_geo_command
from asisdk.config import Config
from asisdk.geo import GeoDatabaseError, GeoDatabaseUpdater, GeoIpDatabase, GeoStatus

from .test_updater import DownloadApp


@pytest.fixture
def geoip(shared_data: Path) -> Path:
    return shared_data / "geoip"


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    # The test databases are years old by design; no configured ASN database leaks in.
    monkeypatch.delenv("ASISDK_GEOIP_ASN_DB", raising=False)
    monkeypatch.delenv("ASISDK_GEOIP_ASN_DB_PATH", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def open_db(path: Path, tmp_path: Path, **kwargs: object) -> GeoIpDatabase:
    return GeoIpDatabase(path, data_dir=tmp_path / "none", config=Config(), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("GeoLite2-City-Test.mmdb", "city"),
        ("GeoLite2-Country-Test.mmdb", "country"),
        ("GeoIP2-Country-Test.mmdb", "country"),
        ("GeoIP2-Enterprise-Test.mmdb", "enterprise"),
        ("GeoIP2-ISP-Test.mmdb", "isp"),
        ("GeoLite2-ASN-Test.mmdb", "asn"),
        ("GeoIP2-Anonymous-IP-Test.mmdb", "anonymous_ip"),
        ("GeoIP2-Connection-Type-Test.mmdb", "connection_type"),
        ("GeoIP2-Domain-Test.mmdb", "domain"),
    ],
)
def test_every_kind_opens(geoip: Path, tmp_path: Path, name: str, kind: str) -> None:
    with open_db(geoip / name, tmp_path) as geo:
        assert geo.kind == kind


def test_country_database(geoip: Path, tmp_path: Path) -> None:
    with open_db(geoip / "GeoLite2-Country-Test.mmdb", tmp_path) as geo:
        location = geo.lookup("81.2.69.142").location
    assert location is not None
    assert (location.country_code, location.city) == ("GB", None)
    assert location.additional_data["is_in_european_union"] is False


def test_asn_database_gives_number_and_organisation(geoip: Path, tmp_path: Path) -> None:
    with open_db(geoip / "GeoLite2-ASN-Test.mmdb", tmp_path) as geo:
        telstra = geo.lookup("1.128.0.1").location
        results = geo.lookup_many(["1.0.0.1", "8.8.8.8"])
    assert telstra is not None
    assert (telstra.asn, telstra.organization, telstra.network) == (
        1221,
        "Telstra Pty Ltd",
        "1.128.0.0/11",
    )
    assert results[0].location is not None
    assert results[0].location.asn == 15169
    assert results[1].status is GeoStatus.NOT_FOUND


def test_isp_and_enterprise_keep_isp_and_mobile_fields(geoip: Path, tmp_path: Path) -> None:
    with open_db(geoip / "GeoIP2-ISP-Test.mmdb", tmp_path) as geo:
        isp = geo.lookup("1.128.0.1").location
    assert isp is not None
    assert (isp.asn, isp.organization) == (1221, "Telstra Internet")
    assert isp.additional_data["isp"] == "Telstra Internet"
    with open_db(geoip / "GeoIP2-Enterprise-Test.mmdb", tmp_path) as geo:
        verizon = geo.lookup("149.101.100.1").location
    assert verizon is not None
    assert (verizon.country_code, verizon.asn, verizon.organization) == (
        "US",
        6167,
        "Verizon Wireless",
    )
    extra = verizon.additional_data
    assert (extra["mobile_country_code"], extra["mobile_network_code"]) == ("310", "004")
    assert extra["country_confidence"] == 99
    assert extra["registered_country"] == "GB"


def test_city_extras_eu_represented_metro_anycast(geoip: Path, tmp_path: Path) -> None:
    with open_db(geoip / "GeoIP2-City-Test.mmdb", tmp_path) as geo:
        boxford, military, san_diego, anycast = (
            geo.lookup(ip).location
            for ip in ("2.125.160.216", "202.196.224.1", "214.78.120.1", "214.1.1.1")
        )
    assert boxford is not None
    assert military is not None
    assert san_diego is not None
    assert anycast is not None
    assert boxford.additional_data["is_in_european_union"] is False  # GB
    assert boxford.additional_data["registered_country"] == "FR"
    assert boxford.additional_data["registered_country_in_european_union"] is True
    assert military.country_code == "PH"
    assert military.additional_data["represented_country"] == "US"
    assert military.additional_data["represented_country_type"] == "military"
    assert san_diego.additional_data["metro_code"] == 825
    assert anycast.additional_data["is_anycast"] is True


def test_anonymous_ip_database_flags(geoip: Path, tmp_path: Path) -> None:
    with open_db(geoip / "GeoIP2-Anonymous-IP-Test.mmdb", tmp_path) as geo:
        vpn = geo.lookup("1.2.0.1").location
    assert vpn is not None
    assert vpn.additional_data == {"is_anonymous": True, "is_anonymous_vpn": True}


def test_layers_fill_asn_and_flags_into_city_answers(geoip: Path, tmp_path: Path) -> None:
    with open_db(
        geoip / "GeoLite2-City-Test.mmdb",
        tmp_path,
        asn=geoip / "GeoLite2-ASN-Test.mmdb",
        extra=[geoip / "GeoIP2-Anonymous-IP-Test.mmdb"],
    ) as geo:
        bhutan = geo.lookup("67.43.156.1").location
        london = geo.lookup("81.2.69.142").location
        assert [kind for _, kind in geo.layers] == ["GeoLite2-ASN", "GeoIP2-Anonymous-IP"]
        frame_asn = geo.lookup_many(["67.43.156.1"])[0].location
    assert bhutan is not None
    assert london is not None
    assert (bhutan.country_code, bhutan.asn) == ("BT", 35908)
    assert bhutan.network == "67.43.156.0/24"  # the main database's network
    assert (london.city, london.asn) == ("London", None)
    assert london.additional_data["is_tor_exit_node"] is True
    assert london.additional_data["is_anonymous_vpn"] is True
    assert frame_asn is not None
    assert frame_asn.asn == 35908


def test_an_installed_asn_database_is_layered_by_default(geoip: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(geoip / "GeoLite2-ASN-Test.mmdb", data_dir / "dbip-asn-lite.mmdb")
    city = geoip / "GeoLite2-City-Test.mmdb"
    with GeoIpDatabase(city, data_dir=data_dir, config=Config()) as geo:
        assert geo.lookup("67.43.156.1").location.asn == 35908  # type: ignore[union-attr]
    with GeoIpDatabase(city, data_dir=data_dir, config=Config(), asn=False) as geo:
        assert geo.layers == ()
        assert geo.lookup("67.43.156.1").location.asn is None  # type: ignore[union-attr]


def test_the_asn_setting_names_the_database(
    geoip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASISDK_GEOIP_ASN_DB", str(geoip / "GeoLite2-ASN-Test.mmdb"))
    with open_db(geoip / "GeoIP2-City-Test.mmdb", tmp_path) as geo:
        assert geo.lookup("67.43.156.1").location.asn == 35908  # type: ignore[union-attr]
    monkeypatch.setenv("ASISDK_GEOIP_ASN_DB", str(tmp_path / "missing.mmdb"))
    with pytest.raises(GeoDatabaseError, match="does not exist"):
        open_db(geoip / "GeoIP2-City-Test.mmdb", tmp_path)


async def test_updater_installs_an_asn_edition_and_checks_its_kind(
    geoip: Path, tmp_path: Path
) -> None:
    asn_bytes = (geoip / "GeoLite2-ASN-Test.mmdb").read_bytes()
    city_bytes = (geoip / "GeoLite2-City-Test.mmdb").read_bytes()
    monthly = {
        "/free/dbip-asn-lite-2026-11.mmdb.gz": gzip.compress(asn_bytes),
        "/free/dbip-city-lite-2026-11.mmdb.gz": gzip.compress(city_bytes),
    }
    async with LoopbackServer(DownloadApp(monthly=monthly)) as server:
        async with GeoDatabaseUpdater(
            edition="dbip-asn-lite",
            data_dir=tmp_path,
            base_url=server.base_url,
            today=lambda: dt.date(2026, 11, 20),
            retry=RetryPolicy(instant=True),
            config=Config(),
        ) as updater:
            result = await updater.update()
        assert result.path == tmp_path / "dbip-asn-lite.mmdb"
        assert result.path.read_bytes() == asn_bytes
        wrong = {"/free/dbip-asn-lite-2026-11.mmdb.gz": gzip.compress(city_bytes)}
        server.app = DownloadApp(monthly=wrong)
        async with GeoDatabaseUpdater(
            edition="dbip-asn-lite",
            data_dir=tmp_path,
            base_url=server.base_url,
            today=lambda: dt.date(2026, 11, 20),
            retry=RetryPolicy(instant=True),
            config=Config(),
        ) as updater:
            with pytest.raises(GeoDatabaseError, match="not an ASN database"):
                await updater.update(force=True)
    assert result.path.read_bytes() == asn_bytes  # the one in place was kept


def test_cli_update_asn_then_lookup_shows_the_as(
    geoip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asn_bytes = (geoip / "GeoLite2-ASN-Test.mmdb").read_bytes()
    today = dt.datetime.now(dt.UTC).date().replace(day=1)
    monthly = {f"/free/dbip-asn-lite-{today:%Y-%m}.mmdb.gz": gzip.compress(asn_bytes)}
    parser = argparse.ArgumentParser(prog="asisdk")
    add_geo_command(parser.add_subparsers(dest="command"))
    data_dir = str(tmp_path / "data")
    with threaded_server(LoopbackServer(DownloadApp(monthly=monthly))) as server:
        args = parser.parse_args(
            ["geo", "update", "--asn", "--data-dir", data_dir, "--base-url", server.base_url]
        )
        assert args.handler(args) == 0
    assert "dbip-asn-lite installed" in capsys.readouterr().out
    city = str(geoip / "GeoLite2-City-Test.mmdb")
    args = parser.parse_args(["geo", "lookup", "--db", city, "--data-dir", data_dir, "67.43.156.1"])
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert "Bhutan" in out
    assert "AS35908" in out
    args = parser.parse_args(["geo", "info", "--db", city, "--data-dir", data_dir])
    assert args.handler(args) == 0
    assert "layered:" in capsys.readouterr().out
