"""MapPlan and the twins made from one definition (plan_runners, asyncify)."""

from __future__ import annotations

import asyncio
import inspect
import threading

import pandas as pd

from asisdk.executors import (
    ChunkOutcome,
    InlineExecutor,
    MapPlan,
    asyncify,
    map_chunks,
    map_chunks_async,
    map_frame,
    map_frame_async,
    plan_runners,
)
from asisdk.ioc import extract_frame, extract_frame_async


def _total(outcomes: list[ChunkOutcome[int]]) -> int:
    return sum(o.value or 0 for o in outcomes)


def _plan_total(items: list[int], *, chunk_size: int = 2) -> MapPlan[int, int]:
    """Sum of the items, chunk by chunk."""
    return MapPlan(sum, items, assemble=_total, chunk_size=chunk_size)


def test_one_plan_runs_blocking_and_awaited_to_the_same_result() -> None:
    plan = MapPlan(sum, list(range(10)), assemble=_total, chunk_size=3)
    assert plan.run() == asyncio.run(plan.run_async()) == 45


def test_plan_runners_name_sign_and_document_both_twins() -> None:
    total, total_async = plan_runners(_plan_total)
    assert (total.__name__, total_async.__name__) == ("plan_total", "plan_total_async")
    assert inspect.iscoroutinefunction(total_async)
    assert str(inspect.signature(total)) == str(inspect.signature(total_async))
    assert list(inspect.signature(total).parameters) == ["items", "chunk_size"]
    assert total.__doc__ == "Sum of the items, chunk by chunk."
    assert ":func:`plan_total`" in (total_async.__doc__ or "")
    assert total([1, 2, 3], chunk_size=1) == asyncio.run(total_async([1, 2, 3])) == 6


def test_public_twins_show_their_own_signature_and_return_type() -> None:
    for sync, awaitable in [
        (map_frame, map_frame_async),
        (map_chunks, map_chunks_async),
        (extract_frame, extract_frame_async),
    ]:
        assert sync.__module__ == awaitable.__module__
        assert inspect.signature(sync) == inspect.signature(awaitable)
        assert "MapPlan" not in str(inspect.signature(sync))
        assert inspect.iscoroutinefunction(awaitable)
        assert not inspect.iscoroutinefunction(sync)
    assert str(inspect.signature(extract_frame).return_annotation) == "pd.DataFrame"


def test_asyncify_runs_in_a_worker_thread() -> None:
    def where(tag: str) -> tuple[str, str]:
        """Name the thread."""
        return tag, threading.current_thread().name

    where_async = asyncify(where)
    tag, thread = asyncio.run(where_async(tag="x"))
    assert tag == "x"
    assert thread != threading.main_thread().name
    assert where_async.__name__ == "where_async"
    assert inspect.signature(where_async) == inspect.signature(where)


def test_progress_and_order_are_the_same_on_both_runners() -> None:
    frame = pd.DataFrame({"x": range(7)})
    seen: list[tuple[int, int]] = []
    outcomes = map_frame(
        len, frame, executor=InlineExecutor(), chunk_size=3, progress=lambda *a: seen.append(a)
    )
    awaited = asyncio.run(map_frame_async(len, frame, executor=InlineExecutor(), chunk_size=3))
    assert [o.value for o in outcomes] == [o.value for o in awaited] == [3, 3, 1]
    assert seen == [(3, 7), (6, 7), (7, 7)]
