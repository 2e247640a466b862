"""GeoIP test helpers: the MaxMind test databases and databases built here with mmdb-writer."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import mmdb_writer  # test dependency (noxfile TEST_DEPS): pip install mmdb-writer
import netaddr
import pytest

#: Networks of the test database built by ``build_city_db`` (public, non-documentation ranges).
LONDON_NET = "51.140.0.0/16"
PARIS_NET = "2a01:cb00::/32"
ASN_NET = "185.0.0.0/24"


def london_record() -> dict[str, Any]:
    return {
        "city": {"geoname_id": mmdb_writer.MmdbU32(2643743), "names": {"en": "London"}},
        "country": {
            "iso_code": "GB",
            "geoname_id": mmdb_writer.MmdbU32(2635167),
            "names": {"en": "United Kingdom", "de": "Vereinigtes Königreich"},
        },
        "continent": {"code": "EU", "names": {"en": "Europe"}},
        "location": {
            "latitude": 51.5142,
            "longitude": -0.0931,
            "accuracy_radius": mmdb_writer.MmdbU16(10),
            "time_zone": "Europe/London",
        },
        "postal": {"code": "EC2V"},
        "subdivisions": [{"iso_code": "ENG", "names": {"en": "England"}}],
    }


def build_city_db(
    path: Path,
    networks: Mapping[str, dict[str, Any]] | None = None,
    *,
    database_type: str = "GeoLite2-City",
    build_epoch: int | None = None,
) -> Path:
    """Write a City database with ``networks`` (default: London, Paris and an ASN record)."""
    if networks is None:
        networks = {
            LONDON_NET: london_record(),
            PARIS_NET: {
                "city": {"names": {"en": "Paris", "fr": "Paris"}},
                "country": {"iso_code": "FR", "names": {"en": "France", "fr": "France"}},
                "location": {"latitude": 48.8566, "longitude": 2.3522},
            },
            ASN_NET: {
                "registered_country": {"iso_code": "NL", "names": {"en": "Netherlands"}},
                "traits": {
                    "autonomous_system_number": mmdb_writer.MmdbU32(64500),
                    "autonomous_system_organization": "Example Transit",
                },
            },
        }
    writer = mmdb_writer.MMDBWriter(
        ip_version=6,
        ipv4_compatible=True,
        database_type=database_type,
        languages=["en"],
        description={"en": "asisdk test city db"},
    )
    for network, record in networks.items():
        writer.insert_network(netaddr.IPSet([network]), record)
    writer.to_db_file(str(path))
    if build_epoch is not None:
        _set_build_epoch(path, build_epoch)
    return path


def _set_build_epoch(path: Path, epoch: int) -> None:
    """Rewrite the metadata's build_epoch (a uint64) in place: the writer always uses now."""
    data = bytearray(path.read_bytes())
    marker = b"\xab\xcd\xefMaxMind.com"
    start = data.rindex(marker)
    key = b"\x4bbuild_epoch"  # utf8 string of length 11
    at = data.index(key, start) + len(key)
    # value: extended type uint64 (0x02 <size>, type byte 9-7=2), size 8 bytes
    size = data[at] & 0x1F
    assert data[at] >> 5 == 0, "an extended type expected"
    assert data[at + 1] == 2, "uint64 build_epoch expected"
    value = epoch.to_bytes(8, "big").lstrip(b"\x00") or b"\x00"
    if len(value) != size:
        value = epoch.to_bytes(size, "big")
    data[at + 2 : at + 2 + size] = value
    path.write_bytes(bytes(data))


@pytest.fixture
def city_db(tmp_path: Path) -> Path:
    return build_city_db(tmp_path / "city.mmdb")


@pytest.fixture
def old_city_db(tmp_path: Path) -> Path:
    return build_city_db(tmp_path / "old.mmdb", build_epoch=int(time.time()) - 90 * 86_400)


@pytest.fixture
def maxmind_test_db(shared_data: Path) -> Path:
    return shared_data / "geoip" / "GeoLite2-City-Test.mmdb"


@pytest.fixture
def corrupt_db(shared_data: Path) -> Path:
    return shared_data / "geoip" / "GeoIP2-City-Test-Broken-Double-Format.mmdb"


BuildDb = Callable[..., Path]
