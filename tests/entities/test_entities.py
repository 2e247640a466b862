"""Entity classes: identity, equality, merging, conversion, display and query parameters."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import attrs
import pytest

from asisdk.entities import (
    Account,
    Algorithm,
    AzureResource,
    CloudApplication,
    Dns,
    ElevationToken,
    Entity,
    File,
    FileHash,
    GeoLocation,
    Host,
    HostLogonSession,
    IpAddress,
    IpType,
    Mailbox,
    Malware,
    OSFamily,
    Process,
    RegistryHive,
    RegistryKey,
    RegistryValue,
    ThreatIntelligence,
    UnknownEntity,
    Url,
    entity_from_dict,
    merge,
)
from asisdk.errors import EntityError, InvalidInputError

SHA256 = "de96a6e69944335375dc1ac238336066889d9ffc7d73628ef4fe1b1b160ab32c"


def sample_entities() -> list[Entity]:
    host = Host(host_name="WIN-1", dns_domain="contoso.com", os_family=OSFamily.WINDOWS)
    account = Account(name="alice", nt_domain="CONTOSO", sid="S-1-5-21-1-2-3-1001", host=host)
    image = File(full_path="C:\\Windows\\System32\\cmd.exe", sha256=SHA256)
    parent = Process(process_id="0x10", image_file=File(full_path="C:\\Windows\\explorer.exe"))
    process = Process(
        process_id="0x1a4",
        command_line="cmd.exe /c whoami",
        creation_time=datetime(2024, 5, 1, 10, tzinfo=UTC),
        image_file=image,
        parent_process=parent,
        account=account,
        host=host,
        elevation_token=ElevationToken.FULL,
        logon_session=HostLogonSession(account=account, host=host, session_id="0x3e7"),
    )
    ip = IpAddress(
        address="8.8.8.8",
        location=GeoLocation(
            country_code="US", city="Mountain View", latitude=37.4, longitude=-122.1
        ),
        threat_intelligence=(ThreatIntelligence(provider_name="vt", threat_type="none"),),
    )
    key = RegistryKey(hive=RegistryHive.HKEY_CURRENT_USER, key="Software\\Run")
    return [
        host,
        account,
        image,
        process,
        ip,
        Url(url="https://evil.example.com:8443/a/b?x=1#frag"),
        Dns(domain_name="evil.example.com", ip_addresses=(ip, IpAddress(address="::1"))),
        FileHash(algorithm=Algorithm.SHA256, value=SHA256),
        key,
        RegistryValue(key=key, name="updater", value="c:\\x.exe", value_type="String"),
        Malware(name="Empire", category="Backdoor", files=(image,), processes=(process,)),
        CloudApplication(app_id="20893", name="Exchange Online"),
        Mailbox(mailbox_primary_address="alice@contoso.com", display_name="Alice"),
        AzureResource(resource_id="/subscriptions/1/resourceGroups/rg/providers/x/vm1"),
        UnknownEntity(entity_type="iot-device", raw={"Type": "iot-device", "DeviceId": "7"}),
    ]


@pytest.mark.parametrize("entity", sample_entities(), ids=lambda e: type(e).__name__)
def test_round_trip_through_sentinel_json(entity: Entity) -> None:
    data = entity.to_dict()
    assert data["Type"]
    again = entity_from_dict(data)
    assert type(again) is type(entity)
    assert again == entity
    assert again.to_dict() == data
    assert attrs.asdict(again, recurse=False).keys() == attrs.asdict(entity, recurse=False).keys()


@pytest.mark.parametrize("entity", sample_entities(), ids=lambda e: type(e).__name__)
def test_entities_pickle_for_executors(entity: Entity) -> None:
    clone = pickle.loads(pickle.dumps(entity))
    assert clone == entity
    assert repr(clone) == repr(entity)


def test_round_trip_keeps_every_field() -> None:
    process = next(e for e in sample_entities() if isinstance(e, Process))
    again = Process.from_dict(process.to_dict())
    assert again.creation_time == process.creation_time
    assert again.elevation_token is ElevationToken.FULL
    assert again.account is not None
    assert again.account.sid == "S-1-5-21-1-2-3-1001"
    assert again.parent_process is not None
    assert again.parent_process.process_name == "explorer.exe"
    assert again.logon_session is not None
    assert again.logon_session.session_id == "0x3e7"
    ip = IpAddress.from_dict(sample_entities()[4].to_dict())
    assert ip.location is not None
    assert ip.location.city == "Mountain View"
    assert ip.threat_intelligence[0].provider_name == "vt"


def test_sentinel_names_are_pascal_case_with_exceptions() -> None:
    data = Host(
        host_name="h", nt_domain="D", azure_id="/sub/1", oms_agent_id="a", os_family="linux"
    ).to_dict()
    assert data == {
        "Type": "host",
        "HostName": "h",
        "NTDomain": "D",
        "AzureID": "/sub/1",
        "OMSAgentID": "a",
        "OSFamily": "Linux",
    }


def test_from_dict_accepts_camel_and_snake_case() -> None:
    assert Host.from_dict({"hostName": "a", "dnsDomain": "b.com"}).fqdn == "a.b.com"
    assert Host.from_dict({"host_name": "a", "dns_domain": "b.com"}).fqdn == "a.b.com"


def test_from_dict_keeps_unknown_properties() -> None:
    host = Host.from_dict({"Type": "host", "HostName": "a", "Asset": True, "FQDN": "a.b"})
    assert host.additional_data == {"Asset": True, "FQDN": "a.b"}
    assert host.to_dict()["Asset"] is True


def test_from_dict_strict_errors() -> None:
    with pytest.raises(EntityError, match="no Type"):
        entity_from_dict({"HostName": "a"})
    with pytest.raises(EntityError, match="IpAddress"):
        IpAddress.from_dict({"Address": "999.1.1.1"})
    with pytest.raises(EntityError, match="not a Host"):
        Host.from_dict({"Type": "account", "Name": "bob"})


def test_unknown_enum_values_are_kept_not_lost() -> None:
    host = Host.from_dict({"Type": "host", "HostName": "a", "OSFamily": "Plan9"})
    assert host.os_family is None
    assert host.additional_data["OSFamily"] == "Plan9"


# -- identity -------------------------------------------------------------------------------
def test_host_identity_is_the_fqdn_case_insensitively() -> None:
    a = Host(host_name="WIN-1", dns_domain="contoso.com", os_version="10")
    b = Host(host_name="win-1.CONTOSO.com")
    assert a == b
    assert hash(a) == hash(b)
    assert a != Host(host_name="WIN-2", dns_domain="contoso.com")
    assert Host(device_id="d1") == Host(device_id="D1")
    assert len({a, b}) == 1


def test_timestamps_and_enrichment_never_take_part() -> None:
    p1 = Process(process_id="1", command_line="x", creation_time=datetime(2024, 1, 1, tzinfo=UTC))
    p2 = Process(process_id="1", command_line="x", creation_time=datetime(2025, 1, 1, tzinfo=UTC))
    assert p1 == p2
    located = IpAddress(address="8.8.8.8", location=GeoLocation(country_code="US"))
    assert located == IpAddress(address="8.8.8.8")
    assert hash(located) == hash(IpAddress(address="8.8.8.8"))


def test_process_identity_respects_command_line_case() -> None:
    assert Process(process_id="1", command_line="echo A") != Process(
        process_id="1", command_line="echo a"
    )


def test_account_identity_prefers_sid_then_qualified_name() -> None:
    assert Account(name="alice", sid="S-1-5-21-9") == Account(name="ALICE2", sid="s-1-5-21-9")
    assert Account(name="alice", nt_domain="CONTOSO") == Account(name="Alice", nt_domain="contoso")
    assert Account(name="alice", nt_domain="A") != Account(name="alice", nt_domain="B")


def test_file_identity_path_then_hash() -> None:
    assert File(full_path="C:\\X\\a.exe") == File(directory="c:\\x", name="A.EXE")
    assert File(sha256=SHA256) == File(sha256=SHA256.upper())
    assert File(full_path="/tmp/a") != File(full_path="/tmp/b")


def test_different_types_are_never_equal() -> None:
    assert Host(host_name="x") != Account(name="x")
    assert Host(host_name="x") != "x"


def test_value_objects_compare_by_value() -> None:
    assert GeoLocation(country_code="US", city="A") == GeoLocation(country_code="US", city="A")
    assert GeoLocation(country_code="US", city="A") != GeoLocation(country_code="US", city="B")


# -- merge ----------------------------------------------------------------------------------
def test_merge_fills_missing_fields() -> None:
    a = Host(host_name="WIN-1", dns_domain="contoso.com")
    b = Host(host_name="win-1", dns_domain="CONTOSO.COM", os_version="10.0", device_id="d1")
    merged = merge(a, b)
    assert merged.os_version == "10.0"
    assert merged.device_id == "d1"
    assert merged.host_name == "WIN-1"  # a's value wins where both have one


def test_merge_merges_nested_entities_and_additional_data() -> None:
    a = Account(name="bob", nt_domain="D", host=Host(host_name="h"), additional_data={"x": 1})
    b = Account(
        name="bob",
        nt_domain="D",
        host=Host(host_name="h", os_version="11"),
        additional_data={"y": 2},
    )
    merged = merge(a, b)
    assert merged.host is not None
    assert merged.host.os_version == "11"
    assert merged.additional_data == {"x": 1, "y": 2}


def test_merge_refuses_conflicting_identities() -> None:
    with pytest.raises(EntityError, match="differs"):
        merge(Host(host_name="a", device_id="1"), Host(host_name="a", device_id="2"))
    with pytest.raises(EntityError, match="share no identity"):
        merge(Host(host_name="a"), Host(device_id="1"))
    with pytest.raises(EntityError, match="cannot merge a Host with a Account"):
        merge(Host(host_name="a"), Account(name="a"))  # type: ignore[arg-type]
    assert not Host(host_name="a").can_merge(Host(host_name="b"))


def test_merge_of_value_objects_checks_every_field() -> None:
    merged = merge(GeoLocation(country_code="US"), GeoLocation(city="Austin"))
    assert (merged.country_code, merged.city) == ("US", "Austin")
    with pytest.raises(EntityError, match="country_code"):
        merge(GeoLocation(country_code="US"), GeoLocation(country_code="FR"))


# -- addresses, URLs, files -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("8.8.8.8", IpType.PUBLIC),
        ("2001:4860:4860::8888", IpType.PUBLIC),
        ("10.1.2.3", IpType.PRIVATE),
        ("192.168.0.1", IpType.PRIVATE),
        ("fd00::1", IpType.PRIVATE),
        ("127.0.0.1", IpType.LOOPBACK),
        ("::1", IpType.LOOPBACK),
        ("169.254.10.1", IpType.LINK_LOCAL),
        ("fe80::1", IpType.LINK_LOCAL),
        ("224.0.0.251", IpType.MULTICAST),
        ("ff02::1", IpType.MULTICAST),
        ("0.0.0.0", IpType.UNSPECIFIED),
        ("::", IpType.UNSPECIFIED),
        ("240.0.0.1", IpType.RESERVED),
        ("::ffff:10.0.0.1", IpType.PRIVATE),
    ],
)
def test_ip_type(address: str, kind: IpType) -> None:
    assert IpAddress(address=address).ip_type is kind


def test_ip_addresses_are_normalised_and_validated() -> None:
    assert IpAddress(address=" [2001:DB8:0:0::1] ").address == "2001:db8::1"
    for bad in ("999.1.1.1", "1.2.3", "hello", "", "010.0.0.1"):
        with pytest.raises(InvalidInputError):
            IpAddress(address=bad)
    assert IpAddress(address="8.8.8.8").is_public
    assert IpAddress(address="8.8.8.8").query_params() == {"ip_address": "8.8.8.8"}


def test_url_parts() -> None:
    url = Url(url="https://user@Evil.Example.com:8443/a/b?x=1#frag")
    assert (url.scheme, url.host, url.port, url.path, url.query, url.fragment) == (
        "https",
        "evil.example.com",
        8443,
        "/a/b",
        "x=1",
        "frag",
    )
    assert url.query_params() == {"url": url.url, "domain": "evil.example.com"}
    assert "domain" not in Url(url="http://10.0.0.1/x").query_params()
    assert Url(url="http://h:99999/").port is None


def test_file_derives_path_parts_and_hashes() -> None:
    win = File(full_path="C:\\Windows\\System32\\cmd.exe")
    assert (win.name, win.directory, win.path_separator) == (
        "cmd.exe",
        "C:\\Windows\\System32",
        "\\",
    )
    linux = File(directory="/usr/bin", name="curl")
    assert linux.full_path == "/usr/bin/curl"
    assert linux.path_separator == "/"
    hashed = File(name="a.exe", file_hashes=(FileHash.from_value(SHA256),))
    assert hashed.sha256 == SHA256
    assert hashed.file_hash == SHA256
    with_md5 = File(name="b.exe", md5="d41d8cd98f00b204e9800998ecf8427e")
    assert with_md5.file_hashes == (FileHash(algorithm=Algorithm.MD5, value=with_md5.md5 or ""),)


def test_file_hash_algorithm_from_length() -> None:
    assert FileHash.from_value("d41d8cd98f00b204e9800998ecf8427e").algorithm is Algorithm.MD5
    assert FileHash.from_value("a" * 40).algorithm is Algorithm.SHA1
    assert FileHash.from_value("nothex").algorithm is Algorithm.UNKNOWN


def test_host_and_account_helpers() -> None:
    host = Host.from_computer_name("WIN-1.contoso.com")
    assert (host.host_name, host.dns_domain, host.fqdn) == (
        "WIN-1",
        "contoso.com",
        "WIN-1.contoso.com",
    )
    assert Host(host_name="x.y.z", dns_domain="y.z").fqdn == "x.y.z"
    assert Account.from_qualified_name("CONTOSO\\bob").qualified_name == "CONTOSO\\bob"
    upn = Account.from_qualified_name("bob@contoso.com")
    assert (upn.qualified_name, upn.upn) == ("bob@contoso.com", "bob@contoso.com")
    assert Account(name="bob", host=Host(host_name="h")).qualified_name == "h\\bob"


def test_registry_paths_and_hive_aliases() -> None:
    key = RegistryKey(hive="hklm", key="Software\\Microsoft")
    assert key.hive is RegistryHive.HKEY_LOCAL_MACHINE
    assert key.path == "HKLM\\Software\\Microsoft"
    assert RegistryValue(key=key, name="Run").label == "HKLM\\Software\\Microsoft\\Run"


def test_elevation_token_from_4688_codes() -> None:
    assert Process(elevation_token="%%1937").elevation_token is ElevationToken.FULL
    assert Process(elevation_token="limited").elevation_token is ElevationToken.LIMITED
    assert Process(elevation_token="%%9999").elevation_token is None


# -- display and parameters -----------------------------------------------------------------
def test_repr_shows_only_set_fields() -> None:
    assert repr(Host(host_name="a")) == "Host(host_name='a')"


def test_html_is_escaped() -> None:
    evil = Process(command_line="<script>alert(1)</script>", process_id="1")
    html = evil._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "command_line" in html


def test_query_params_of_each_entity() -> None:
    host, account, image, process = sample_entities()[:4]
    assert host.query_params() == {"host_name": "WIN-1.contoso.com"}
    assert account.query_params() == {"account_name": "alice"}
    assert image.query_params() == {
        "file_name": "cmd.exe",
        "file_path": "C:\\Windows\\System32\\cmd.exe",
        "file_hash": SHA256,
    }
    assert process.query_params() == {
        "process_name": "C:\\Windows\\System32\\cmd.exe",
        "process_id": "0x1a4",
        "logon_session_id": "0x3e7",
    }
    assert Dns(domain_name="evil.com.").query_params() == {"domain": "evil.com"}
    assert Process(process_id="0x1a4").process_id_int == 420
