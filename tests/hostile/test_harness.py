"""Every hostile-input case of :mod:`hostile.harness`, each in a child process under a memory
and a CPU-time cap: a typed asisdk error or a bounded result, never a crash (issue 22).

``pytest tests/hostile/test_harness.py -s`` prints each case's peak RSS and CPU seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .harness import CASES, CPU_CAP, RSS_BOUND_MB, run_case, table

RECORDS: list[dict[str, Any]] = []


@pytest.fixture(scope="module", autouse=True)
def _print_table() -> Iterator[None]:
    yield
    if RECORDS:
        print("\n" + table(sorted(RECORDS, key=lambda r: list(CASES).index(r["name"]))))


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_case_ends_typed_or_bounded_within_the_caps(name: str) -> None:
    record = run_case(name)
    RECORDS.append(record)
    outcome = record["outcome"]
    assert outcome.startswith(("error: ", "bounded: ")), outcome
    assert record["peak_rss_mb"] < RSS_BOUND_MB, record
    assert record["cpu_s"] < CPU_CAP, record
