"""Fuzzing: any Sentinel-shaped JSON becomes an Alert or an EntityError, never anything else.

Hypothesis builds rows from the keys Sentinel writes (and random ones) with values of every
JSON type, nested, as parsed objects or as JSON text; ``$id``/``$ref`` are drawn from a small
set so references hit, miss and loop. Whatever is built must repr, compare, hash and write
back (``to_dict``) without raising.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asisdk.entities import Alert, Event, from_sentinel_entities
from asisdk.errors import EntityError

KEYS = [
    "$id",
    "$ref",
    "Type",
    "HostName",
    "DnsDomain",
    "NetBiosName",
    "Name",
    "UPNSuffix",
    "Address",
    "Url",
    "ProcessId",
    "CommandLine",
    "ImageFile",
    "ParentProcess",
    "Account",
    "Host",
    "Entities",
    "FileHashes",
    "Algorithm",
    "Value",
    "CreationTimeUtc",
    "Location",
]
TYPES = ["host", "account", "ip", "process", "file", "filehash", "url", "dns", "alerts", "x"]
ALERT_KEYS = [
    "SystemAlertId",
    "DisplayName",
    "AlertName",
    "AlertSeverity",
    "StartTime",
    "EndTime",
    "TimeGenerated",
    "Tactics",
    "Techniques",
    "ExtendedProperties",
    "Entities",
    "CompromisedEntity",
    "Status",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from([*TYPES, "1", "2", "3", "2024-05-01T10:06:03.3338239Z", "Unknown", "High"]),
)


def _entity(children: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(
        st.sampled_from(KEYS) | st.text(max_size=8),
        st.one_of(children, st.sampled_from(TYPES), st.sampled_from(["1", "2", "3"])),
        max_size=6,
    )


values = st.recursive(
    scalars, lambda children: st.lists(children, max_size=4) | _entity(children), max_leaves=30
)
rows = st.dictionaries(
    st.sampled_from(ALERT_KEYS) | st.text(max_size=8),
    st.one_of(values, values.map(lambda v: json.dumps(v, default=str))),
    max_size=8,
)


def _exercise(alert: Alert) -> None:
    repr(alert)
    alert._repr_html_()
    hash(alert)
    assert alert == alert
    written = alert.to_dict()
    json.dumps(written, default=str)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_any_row_is_an_alert_or_an_entity_error(row: dict[str, Any]) -> None:
    try:
        alert = Alert.from_sentinel(row)
    except EntityError:
        return
    _exercise(alert)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(values, max_size=6) | values)
def test_any_entities_value_parses_or_is_an_entity_error(value: Any) -> None:
    for form in (value, json.dumps(value, default=str)):
        try:
            entities = from_sentinel_entities(form)
        except EntityError:
            continue
        for entity in entities:
            repr(entity)
            hash(entity)


@given(st.dictionaries(st.text(max_size=12), scalars, max_size=10))
def test_any_event_row_is_an_event_or_an_entity_error(row: dict[str, Any]) -> None:
    try:
        event = Event.from_row(row)
    except EntityError:
        return
    repr(event)
