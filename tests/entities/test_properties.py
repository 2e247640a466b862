"""Property-based tests: hostile or random Sentinel JSON never crashes parsing or loses items."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asisdk.entities import Alert, Entity, Host, from_sentinel_entities

TYPES = [
    "host",
    "account",
    "ip",
    "process",
    "file",
    "filehash",
    "url",
    "dns",
    "registry-key",
    "weird",
]
KEYS = [
    "HostName",
    "Name",
    "Address",
    "ProcessId",
    "ImageFile",
    "ParentProcess",
    "Host",
    "Account",
    "IpAddresses",
    "Url",
    "Value",
    "Algorithm",
    "Hive",
    "Key",
    "DnsDomain",
    "CommandLine",
]

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))
refs = st.builds(lambda n: {"$ref": str(n)}, st.integers(0, 12))


def _objects(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    entity = st.fixed_dictionaries(
        {"Type": st.sampled_from(TYPES)},
        optional={
            "$id": st.integers(0, 12).map(str),
            **dict.fromkeys(KEYS, children),
        },
    )
    return st.one_of(entity, st.lists(children, max_size=3))


values = st.recursive(st.one_of(scalars, refs), _objects, max_leaves=25)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(values, refs), max_size=8))
def test_any_entities_array_parses_without_crashing(items: list[Any]) -> None:
    entities = from_sentinel_entities(json.dumps(items))
    assert all(isinstance(e, Entity) for e in entities)
    # every top-level object is represented (refs to listed objects are folded)
    objects = [i for i in items if isinstance(i, dict) and "$ref" not in i]
    assert len(entities) >= len({id(o) for o in objects}) - sum(
        1 for o in objects if "$id" in o and [p.get("$id") for p in objects].count(o["$id"]) > 1
    )
    for entity in entities:
        entity.to_dict()
        repr(entity)
        entity._repr_html_()


@given(st.lists(st.one_of(values, refs), max_size=6))
def test_any_alert_round_trips(items: list[Any]) -> None:
    alert = Alert.from_sentinel({"SystemAlertId": "x", "Entities": json.dumps(items)})
    again = Alert.from_dict(json.loads(json.dumps(alert.to_dict(), default=str)))
    assert len(again.entities) == len(alert.entities)
    assert [type(e) for e in again.entities] == [type(e) for e in alert.entities]


@given(st.text(max_size=40), st.text(max_size=40))
def test_host_round_trip(name: str, domain: str) -> None:
    host = Host(host_name=name or None, dns_domain=domain or None)
    assert Host.from_dict(host.to_dict()) == host
