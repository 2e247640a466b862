from __future__ import annotations

import asyncio
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pandas as pd
import pytest

from asisdk.executors import (
    InlineExecutor,
    map_chunks,
    map_chunks_async,
    map_frame,
    map_frame_async,
    plan_chunks,
    shutdown_default_executor,
)


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({"x": range(10)}, index=[f"row{i}" for i in range(10)])


def test_frame_chunks_keep_order_and_source_index(frame: pd.DataFrame) -> None:
    outcomes = map_frame(len, frame, executor=InlineExecutor(), chunk_size=4)
    assert [o.value for o in outcomes] == [4, 4, 2]
    assert [list(o.index) for o in outcomes] == [
        ["row0", "row1", "row2", "row3"],
        ["row4", "row5", "row6", "row7"],
        ["row8", "row9"],
    ]
    assert all(o.ok for o in outcomes)


def test_a_failing_chunk_is_reported_not_raised() -> None:
    items = [1, 2, "three", 4, 5, 6]
    outcomes = map_chunks(sum, items, executor=InlineExecutor(), chunk_size=2)
    assert [o.value for o in outcomes] == [3, None, 11]
    failed = outcomes[1]
    assert not failed.ok
    assert failed.error is not None
    assert failed.error.startswith("TypeError")
    assert list(failed.index) == [2, 3]


def test_process_pool_gives_the_same_results() -> None:
    items = list(range(1000))
    with ProcessPoolExecutor(max_workers=2) as pool:
        outcomes = map_chunks(sum, items, executor=pool, chunk_size=100)
    assert [o.value for o in outcomes] == [sum(items[i : i + 100]) for i in range(0, 1000, 100)]


def test_default_executor_runs_many_chunks_in_processes() -> None:
    try:
        items = list(range(30_000))
        outcomes = map_chunks(sum, items, chunk_size=10_000)
        assert [o.error for o in outcomes] == [None, None, None]
        assert [o.value for o in outcomes] == [
            sum(items[i : i + 10_000]) for i in range(0, 30_000, 10_000)
        ]
    finally:
        shutdown_default_executor()


class _IPythonMain:
    """What IPython puts in ``sys.modules["__main__"]``: a module object without __spec__."""


def test_process_pools_work_under_ipythons_main_module(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing
    import sys

    monkeypatch.setitem(sys.modules, "__main__", _IPythonMain())
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        outcomes = map_chunks(sum, list(range(100)), executor=pool, chunk_size=50)
    assert [o.error for o in outcomes] == [None, None]
    assert [o.value for o in outcomes] == [1225, 3725]


def test_keyword_arguments_travel_with_each_chunk(frame: pd.DataFrame) -> None:
    def pick(chunk: pd.DataFrame, *, column: str) -> list[int]:
        return [int(v) for v in chunk[column]]

    outcomes = map_frame(pick, frame, executor=InlineExecutor(), chunk_size=5, column="x")
    assert [o.value for o in outcomes] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]


def test_progress_reports_rows(frame: pd.DataFrame) -> None:
    seen: list[tuple[int, int]] = []
    map_frame(
        len,
        frame,
        executor=InlineExecutor(),
        chunk_size=3,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert seen == [(3, 10), (6, 10), (9, 10), (10, 10)]


def test_empty_input_gives_no_chunks() -> None:
    assert map_chunks(sum, [], executor=InlineExecutor()) == []
    assert map_frame(len, pd.DataFrame({"x": []}), executor=InlineExecutor()) == []


def test_small_inputs_never_start_the_pool() -> None:
    from asisdk.executors import _DEFAULT_POOL

    shutdown_default_executor()
    outcomes = map_chunks(sum, list(range(5_000)), chunk_size=100)
    assert len(outcomes) == 50
    assert sum(o.value or 0 for o in outcomes) == sum(range(5_000))
    assert _DEFAULT_POOL._pool is None, "the process pool was started for a small input"


def test_plan_chunks_bounds() -> None:
    assert plan_chunks(10, chunk_size=3) == 3
    assert 256 <= plan_chunks(10) <= 20_000
    assert plan_chunks(10_000_000, workers=2) == 20_000
    with pytest.raises(ValueError, match="at least 1"):
        plan_chunks(10, chunk_size=0)


async def test_async_variant_matches_and_keeps_loop_free(frame: pd.DataFrame) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = await map_frame_async(len, frame, executor=pool, chunk_size=4)
    assert [o.value for o in outcomes] == [4, 4, 2]
    single = await map_chunks_async(sum, [1, 2, 3])
    assert [o.value for o in single] == [6]


async def test_async_failure_is_reported_per_chunk() -> None:
    outcomes = await map_chunks_async(sum, [1, "x", 3], executor=InlineExecutor(), chunk_size=1)
    assert [o.value for o in outcomes] == [1, None, 3]
    assert outcomes[1].error is not None
    assert outcomes[1].error.startswith("TypeError")
    assert list(outcomes[1].index) == [1]


async def test_cancelling_an_async_batch_cancels_its_chunks() -> None:
    started = asyncio.Event()

    def slow(chunk: list[int]) -> int:
        started.set()
        import time

        time.sleep(0.2)
        return len(chunk)

    with ThreadPoolExecutor(max_workers=1) as pool:
        task = asyncio.ensure_future(
            map_chunks_async(slow, list(range(50)), executor=pool, chunk_size=1)
        )
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert task.cancelled()


def test_inline_executor_refuses_work_after_shutdown() -> None:
    executor = InlineExecutor()
    executor.shutdown()
    with pytest.raises(RuntimeError, match="after shutdown"):
        executor.submit(len, [])
