"""Hostile entity JSON: deep chains, deep nesting, cycles and wrong types fail cleanly."""

from __future__ import annotations

from typing import Any

from asisdk.entities import Alert, Process


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
