"""Hostile entity JSON: deep chains, deep nesting, cycles and wrong types fail cleanly."""

from __future__ import annotations

from typing import Any

import pytest

from asisdk.entities import Alert, Process
from asisdk.errors import EntityError


def _process_chain(length: int) -> dict[str, Any]:
    root: dict[str, Any] = {"$id": "1", "Type": "process", "ProcessId": "0"}
    node = root
    for number in range(1, length):
        parent: dict[str, Any] = {"$id": str(number + 1), "Type": "process"}
        parent["ProcessId"] = str(number)
        node["ParentProcess"] = parent
        node = parent
    return root


def test_a_parent_process_chain_of_thousands_keeps_every_process() -> None:
    length = 5_000
    alert = Alert.from_sentinel({"SystemAlertId": "a", "Entities": [_process_chain(length)]})
    ids = sorted(int(p.process_id or -1) for p in alert.entities_of(Process))
    assert ids == list(range(length))
    first = alert.entities_of(Process)[0]
    assert first.process_id == "0"
    assert first.parent_process is not None
    assert first.parent_process.process_id == "1"


DEEP = 10_000


def test_json_nested_ten_thousand_deep_is_an_entity_error() -> None:
    entities = "[" + '{"Type": "process", "ParentProcess": ' * DEEP + "{}" + "}" * DEEP + "]"
    with pytest.raises(EntityError):
        Alert.from_sentinel({"SystemAlertId": "a", "Entities": entities})
    with pytest.raises(EntityError):
        Alert.from_sentinel({"SystemAlertId": "a", "Entities": "[" * DEEP + "]" * DEEP})
    with pytest.raises(EntityError):
        Alert.from_sentinel(
            {"SystemAlertId": "a", "ExtendedProperties": '{"a":' * DEEP + "1" + "}" * DEEP}
        )


def test_a_self_containing_entity_does_not_loop() -> None:
    process: dict[str, Any] = {"Type": "process", "ProcessId": "7"}
    process["ParentProcess"] = process
    alert = Alert.from_sentinel({"SystemAlertId": "a", "Entities": [process]})
    (only,) = alert.entities_of(Process)
    assert only.process_id == "7"
    assert only.parent_process is None
    assert alert.to_dict()["Entities"][0]["ProcessId"] == "7"


def test_deeply_nested_tactics_are_an_entity_error() -> None:
    with pytest.raises(EntityError):
        Alert.from_sentinel({"SystemAlertId": "a", "Tactics": "[" * DEEP + "]" * DEEP})


def test_a_number_for_a_display_name_becomes_text() -> None:
    alert = Alert.from_sentinel({"SystemAlertId": "a", "DisplayName": 12345})
    assert alert.display_name == "12345"
    assert "12345" in repr(alert)
    assert alert == Alert.from_sentinel({"SystemAlertId": "a", "DisplayName": "12345"})


def test_bytes_that_are_not_utf8_are_an_entity_error() -> None:
    with pytest.raises(EntityError):
        Alert.from_sentinel({"SystemAlertId": "a", "DisplayName": b"\xff\xfe"})
    with pytest.raises(EntityError):
        Alert.from_sentinel({"SystemAlertId": "a", "Entities": b"[\xff]"})
