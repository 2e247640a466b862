"""``lookup_frame`` adds the fields of Enterprise, ISP, Connection-Type, Anonymous-IP and Domain
databases as columns, only when such a database is opened (issue 15), on MaxMind's own test
databases in ``../shared/data/geoip``."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from asisdk._geo_frame import RESULT_COLUMNS
from asisdk.config import Config
from asisdk.geo import GeoIpDatabase


@pytest.fixture
def geoip(shared_data: Path) -> Path:
    return shared_data / "geoip"


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("ASISDK_GEOIP_ASN_DB", raising=False)
    monkeypatch.delenv("ASISDK_GEOIP_ASN_DB_PATH", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the test databases are old on purpose
        yield


def open_db(path: Path, tmp_path: Path, **kwargs: object) -> GeoIpDatabase:
    return GeoIpDatabase(path, data_dir=tmp_path / "none", config=Config(), **kwargs)  # type: ignore[arg-type]


def test_a_city_database_adds_no_extra_columns(geoip: Path, tmp_path: Path) -> None:
    frame = pd.DataFrame({"ip": ["81.2.69.142", "10.0.0.1"]})
    with open_db(geoip / "GeoLite2-City-Test.mmdb", tmp_path, asn=False) as geo:
        located = geo.lookup_frame(frame, "ip")
    assert tuple(located.columns) == ("ip", *RESULT_COLUMNS)


def test_anonymous_ip_flags_layered_on_a_city_database(geoip: Path, tmp_path: Path) -> None:
    frame = pd.DataFrame({"ip": ["81.2.69.142", "67.43.156.1", "not an ip"]})
    with open_db(
        geoip / "GeoLite2-City-Test.mmdb",
        tmp_path,
        asn=geoip / "GeoLite2-ASN-Test.mmdb",
        extra=[geoip / "GeoIP2-Anonymous-IP-Test.mmdb"],
    ) as geo:
        located = geo.lookup_frame(frame, "ip")
    assert list(located.columns[-7:]) == [
        "is_anonymous",
        "is_anonymous_vpn",
        "is_hosting_provider",
        "is_public_proxy",
        "is_residential_proxy",
        "is_tor_exit_node",
        "geo_error",
    ]
    assert str(located["is_tor_exit_node"].dtype) == "boolean"
    london, bhutan, bad = (located.iloc[i] for i in range(3))
    assert london["city"] == "London"
    assert bool(london["is_tor_exit_node"]) is True
    assert bool(london["is_anonymous_vpn"]) is True
    assert bhutan["asn"] == 35908
    assert bool(bhutan["is_tor_exit_node"]) is False  # located, not listed
    assert pd.isna(bad["is_tor_exit_node"])  # not located


def test_isp_enterprise_and_connection_type_columns(geoip: Path, tmp_path: Path) -> None:
    frame = pd.DataFrame({"ip": ["1.128.0.1", "149.101.100.1"]})
    with open_db(geoip / "GeoIP2-ISP-Test.mmdb", tmp_path, asn=False) as geo:
        isp = geo.lookup_frame(frame, "ip")
    assert isp.loc[0, "isp"] == "Telstra Internet"
    assert isp.loc[0, "asn"] == 1221
    with open_db(
        geoip / "GeoIP2-Enterprise-Test.mmdb",
        tmp_path,
        asn=False,
        extra=[geoip / "GeoIP2-Connection-Type-Test.mmdb"],
    ) as geo:
        enterprise = geo.lookup_frame(frame, "ip")
    assert "user_type" in enterprise.columns
    assert list(enterprise.columns).count("connection_type") == 1
    verizon = enterprise.iloc[1]
    assert (verizon["country_code"], verizon["organization"]) == ("US", "Verizon Wireless")
    assert (verizon["mobile_country_code"], verizon["mobile_network_code"]) == ("310", "004")
    with open_db(geoip / "GeoIP2-Connection-Type-Test.mmdb", tmp_path, asn=False) as geo:
        connection = geo.lookup_frame(pd.DataFrame({"ip": ["1.0.1.1"]}), "ip")
    assert connection.loc[0, "connection_type"] == "Cellular"
