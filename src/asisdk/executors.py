"""Run CPU-bound work over chunks of a DataFrame or a list in any executor.

The transforms (decode, ioc, cluster) split their input into chunks and hand each chunk to a
:class:`concurrent.futures.Executor`. Which executor is the caller's choice:

* ``executor=None`` (default): small inputs (one chunk, or fewer than 10,000 rows) run inline
  in the calling thread; larger ones run in a process pool sized to the usable CPUs, created
  lazily on first use and shared by later calls (:func:`default_executor`, closed by
  :func:`shutdown_default_executor` or at exit).
* any ``concurrent.futures.Executor``: a process pool you size yourself
  (:func:`process_pool`, which never forks), :class:`InlineExecutor` for one worker
  in-process, or a Dask cluster's ``distributed.Client(...).get_executor()`` to spread
  chunks over many machines.

Results come back in input order. An exception in one chunk never escapes: its
:class:`ChunkOutcome` carries the error and the source index of the rows it held, so the
caller can emit one error row per source row and keep every other result.

Worker functions must be top-level (picklable) and take the chunk as the first argument;
keyword arguments travel with each chunk.

Examples:
    >>> import pandas as pd
    >>> from asisdk.executors import InlineExecutor, map_frame
    >>> frame = pd.DataFrame({"x": range(5)})
    >>> [o.value for o in map_frame(len, frame, executor=InlineExecutor(), chunk_size=2)]
    [2, 2, 1]
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import math
import multiprocessing
import os
import pickle
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar

import attrs

from asisdk import _defaults
from asisdk.errors import ClosedError, ConfigurationError

# pandas is imported where a frame is cut, so importing the executors (asisdk.ioc does)
# stays cheap for callers that never pass a DataFrame.
if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ChunkOutcome",
    "InlineExecutor",
    "ProgressCallback",
    "cpu_count",
    "default_executor",
    "map_chunks",
    "map_chunks_async",
    "map_frame",
    "map_frame_async",
    "plan_chunks",
    "process_pool",
    "shutdown_default_executor",
]

_T = TypeVar("_T")
_R = TypeVar("_R")
_P = ParamSpec("_P")

#: Called with (rows done, rows in all) after every finished chunk.
ProgressCallback = Callable[[int, int], None]


def cpu_count() -> int:
    """Return the number of CPUs this process may use (affinity-aware, at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class InlineExecutor(Executor):
    """An executor that runs every task at once in the calling thread.

    Use it for one-worker runs, debugging (breakpoints work) and small inputs where starting
    processes costs more than the work.
    """

    def __init__(self) -> None:
        self._shutdown = False
        self._lock = threading.Lock()

    def submit(self, fn: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_R]:
        with self._lock:
            if self._shutdown:
                raise ClosedError("cannot submit to an InlineExecutor after shutdown")
        future: Future[_R] = Future()
        future.set_running_or_notify_cancel()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shutdown = True


def process_pool(max_workers: int | None = None) -> ProcessPoolExecutor:
    """Return a new process pool the way asisdk starts its own: never by ``fork``.

    The parent may run threads (an event loop, HTTP connection pools), which ``fork`` would
    copy mid-state; the pool uses ``forkserver`` where the platform has it, else ``spawn``.
    The caller owns the pool and shuts it down.

    Args:
        max_workers: worker processes (default: :func:`cpu_count`).

    Raises:
        ConfigurationError: ``max_workers`` below 1.

    Examples:
        >>> with process_pool(2) as pool:  # doctest: +SKIP
        ...     outcomes = map_chunks(sorted, [[3, 1], [2]], executor=pool)
    """
    if max_workers is not None and max_workers < 1:
        raise ConfigurationError(f"max_workers must be at least 1, got {max_workers}")
    methods = multiprocessing.get_all_start_methods()
    method = "forkserver" if "forkserver" in methods else "spawn"
    return ProcessPoolExecutor(
        max_workers=max_workers or cpu_count(), mp_context=multiprocessing.get_context(method)
    )


class _DefaultPool:
    """Holder of the lazily created, shared default process pool."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def get(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = process_pool()
            return self._pool

    def discard(self, pool: Executor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


_DEFAULT_POOL = _DefaultPool()
atexit.register(_DEFAULT_POOL.shutdown)


def default_executor() -> Executor:
    """Return the shared process pool (created on first use, one worker per usable CPU)."""
    return _DEFAULT_POOL.get()


def shutdown_default_executor() -> None:
    """Shut the shared process pool down; the next call that needs it starts a new one."""
    _DEFAULT_POOL.shutdown()


@attrs.frozen
class ChunkOutcome(Generic[_R]):
    """What one chunk produced.

    Attributes:
        position: the chunk's number, from 0, in input order.
        index: the source index labels of the chunk's rows (for a list, their positions).
        value: the worker's return value, or ``None`` when it failed.
        error: ``None``, or ``"ExceptionType: message"`` describing why the chunk failed.
    """

    position: int
    index: pd.Index[Any]
    value: _R | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the chunk finished without an error."""
        return self.error is None


def plan_chunks(total: int, *, chunk_size: int | None = None, workers: int | None = None) -> int:
    """Return the chunk size used for ``total`` items.

    With no ``chunk_size``, aim at a few chunks per worker (so a slow chunk does not leave
    workers idle) within sane bounds.
    """
    if chunk_size is not None:
        if chunk_size < 1:
            raise ConfigurationError(f"chunk_size must be at least 1, got {chunk_size}")
        return chunk_size
    workers = workers or cpu_count()
    size = math.ceil(total / (workers * _defaults.CHUNKS_PER_WORKER)) if total else 1
    return max(_defaults.MIN_CHUNK_ROWS, min(_defaults.MAX_CHUNK_ROWS, size))


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _split(
    data: pd.DataFrame | Sequence[Any], chunk_size: int | None
) -> tuple[list[Any], list[pd.Index[Any]]]:
    """Cut a frame (keeping its index labels) or a sequence (indexed by position) into chunks."""
    import pandas as pd

    size = plan_chunks(len(data), chunk_size=chunk_size)
    starts = range(0, len(data), size)
    if isinstance(data, pd.DataFrame):
        frames = [data.iloc[start : start + size] for start in starts]
        return list(frames), [f.index for f in frames]
    pieces = [list(data[start : start + size]) for start in starts]
    indexes: list[pd.Index[Any]] = [
        pd.RangeIndex(start, min(start + size, len(data))) for start in starts
    ]
    return pieces, indexes


def _bind(func: Callable[..., _R], kwargs: dict[str, Any]) -> Callable[..., _R]:
    return functools.partial(func, **kwargs) if kwargs else func


@attrs.frozen
class _Pickled:
    """A worker's result, pickled once in the worker."""

    data: bytes


class _PickleResult:
    """Wraps a worker so that its result crosses the process boundary as one pickle.

    Some executors serialise a returned list element by element (Dask's costs tens of
    microseconds per element: minutes for a million result rows); one ``pickle.dumps`` in
    the worker costs a fraction of that, and a process pool pickles its results anyway.
    """

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func

    def __call__(self, chunk: object) -> _Pickled:
        return _Pickled(pickle.dumps(self.func(chunk), protocol=pickle.HIGHEST_PROTOCOL))


def _across(executor: Executor | None, func: Callable[..., _R]) -> Callable[..., _R]:
    # In-process executors (and None: the event loop's thread pool) pass results as they are.
    if executor is None or isinstance(executor, InlineExecutor | ThreadPoolExecutor):
        return func
    return _PickleResult(func)  # type: ignore[return-value]


def _unwrap(value: Any) -> Any:
    if isinstance(value, _Pickled):
        # Bytes our own worker function pickled a moment ago, never outside input.
        return pickle.loads(value.data)  # noqa: S301
    return value


def _pick_executor(executor: Executor | None, n_chunks: int, n_rows: int) -> Executor:
    if executor is not None:
        return executor
    if n_chunks <= 1 or n_rows < _defaults.INLINE_BELOW_ROWS:
        return InlineExecutor()
    return default_executor()


def _collect(
    futures: Sequence[Future[_R]],
    indexes: Sequence[pd.Index[Any]],
    executor: Executor,
    progress: ProgressCallback | None,
) -> list[ChunkOutcome[_R]]:
    total = sum(len(ix) for ix in indexes)
    outcomes: list[ChunkOutcome[_R]] = []
    done = 0
    broken = False
    for position, (future, index) in enumerate(zip(futures, indexes, strict=True)):
        try:
            outcomes.append(ChunkOutcome(position, index, value=_unwrap(future.result())))
        except BrokenProcessPool as exc:
            broken = True
            outcomes.append(ChunkOutcome(position, index, error=_describe(exc)))
        except Exception as exc:
            outcomes.append(ChunkOutcome(position, index, error=_describe(exc)))
        done += len(index)
        if progress is not None:
            progress(done, total)
    if broken:
        _DEFAULT_POOL.discard(executor)
    return outcomes


def _prepare_processes(executor: Executor | None) -> None:
    """Let process pools start workers under IPython and Jupyter.

    IPython replaces ``sys.modules["__main__"]`` with a module object that has no
    ``__spec__``; multiprocessing's spawn and forkserver start methods read that attribute when
    they start a worker and fail with ``AttributeError``. ``None`` is what a script run from a
    file has, and makes workers skip re-importing the main module.
    """
    if not isinstance(executor, ProcessPoolExecutor):
        return
    main = sys.modules.get("__main__")
    if main is not None and not hasattr(main, "__spec__"):
        main.__spec__ = None


def _submit_all(
    executor: Executor, func: Callable[..., _R], chunks: Sequence[object]
) -> list[Future[_R]]:
    _prepare_processes(executor)
    futures: list[Future[_R]] = []
    for chunk in chunks:
        try:
            futures.append(executor.submit(func, chunk))
        except Exception as exc:  # e.g. a broken pool refusing work: report on this chunk
            failed: Future[_R] = Future()
            failed.set_exception(exc)
            futures.append(failed)
    return futures


def map_frame(
    func: Callable[..., _R],
    frame: pd.DataFrame,
    *,
    executor: Executor | None = None,
    chunk_size: int | None = None,
    progress: ProgressCallback | None = None,
    **kwargs: Any,
) -> list[ChunkOutcome[_R]]:
    """Run ``func(chunk, **kwargs)`` over row chunks of ``frame``; outcomes in input order.

    Args:
        func: a top-level (picklable) function taking a DataFrame chunk first.
        frame: the input; each chunk keeps the original index labels.
        executor: where chunks run (see the module docs); default inline or process pool.
        chunk_size: rows per chunk; by default a few chunks per worker.
        progress: called with (rows done, rows in all) as chunks finish.
        **kwargs: passed to every call of ``func``.

    Returns:
        One :class:`ChunkOutcome` per chunk; a failed chunk carries its error and index.
    """
    chunks, indexes = _split(frame, chunk_size)
    chosen = _pick_executor(executor, len(chunks), sum(len(ix) for ix in indexes))
    futures = _submit_all(chosen, _across(chosen, _bind(func, kwargs)), chunks)
    return _collect(futures, indexes, chosen, progress)


def map_chunks(
    func: Callable[..., _R],
    items: Sequence[_T],
    *,
    executor: Executor | None = None,
    chunk_size: int | None = None,
    progress: ProgressCallback | None = None,
    **kwargs: Any,
) -> list[ChunkOutcome[_R]]:
    """Run ``func(list_chunk, **kwargs)`` over chunks of ``items``; outcomes in input order.

    The outcome's ``index`` holds the positions of the chunk's items in ``items``.
    """
    chunks, indexes = _split(items, chunk_size)
    chosen = _pick_executor(executor, len(chunks), sum(len(ix) for ix in indexes))
    futures = _submit_all(chosen, _across(chosen, _bind(func, kwargs)), chunks)
    return _collect(futures, indexes, chosen, progress)


async def _gather_outcomes(
    executor: Executor | None,
    func: Callable[..., _R],
    chunks: Sequence[object],
    indexes: Sequence[pd.Index[Any]],
    progress: ProgressCallback | None,
) -> list[ChunkOutcome[_R]]:
    _prepare_processes(executor)
    loop = asyncio.get_running_loop()
    total = sum(len(ix) for ix in indexes)
    done = 0

    async def one(position: int, chunk: object, index: pd.Index[Any]) -> ChunkOutcome[_R]:
        nonlocal done
        try:
            value = _unwrap(await loop.run_in_executor(executor, func, chunk))
            outcome: ChunkOutcome[_R] = ChunkOutcome(position, index, value=value)
        except BrokenProcessPool as exc:
            if executor is not None:
                _DEFAULT_POOL.discard(executor)
            outcome = ChunkOutcome(position, index, error=_describe(exc))
        except Exception as exc:
            outcome = ChunkOutcome(position, index, error=_describe(exc))
        done += len(index)
        if progress is not None:
            progress(done, total)
        return outcome

    tasks = [
        asyncio.ensure_future(one(pos, chunk, ix))
        for pos, (chunk, ix) in enumerate(zip(chunks, indexes, strict=True))
    ]
    try:
        return list(await asyncio.gather(*tasks))
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def map_frame_async(
    func: Callable[..., _R],
    frame: pd.DataFrame,
    *,
    executor: Executor | None = None,
    chunk_size: int | None = None,
    progress: ProgressCallback | None = None,
    **kwargs: Any,
) -> list[ChunkOutcome[_R]]:
    """Await :func:`map_frame` without blocking the event loop.

    With ``executor=None`` a single chunk runs in the loop's default thread pool, more chunks
    in the shared process pool. Cancelling the call cancels chunks that have not started.
    """
    chunks, indexes = _split(frame, chunk_size)
    chosen = executor if executor is not None else _async_default(len(chunks), indexes)
    return await _gather_outcomes(
        chosen, _across(chosen, _bind(func, kwargs)), chunks, indexes, progress
    )


async def map_chunks_async(
    func: Callable[..., _R],
    items: Sequence[_T],
    *,
    executor: Executor | None = None,
    chunk_size: int | None = None,
    progress: ProgressCallback | None = None,
    **kwargs: Any,
) -> list[ChunkOutcome[_R]]:
    """Await :func:`map_chunks` without blocking the event loop."""
    chunks, indexes = _split(items, chunk_size)
    chosen = executor if executor is not None else _async_default(len(chunks), indexes)
    return await _gather_outcomes(
        chosen, _across(chosen, _bind(func, kwargs)), chunks, indexes, progress
    )


def _async_default(n_chunks: int, indexes: Sequence[pd.Index[Any]]) -> Executor | None:
    # Small inputs: the running loop's default thread pool (None); more: the shared pool.
    if n_chunks <= 1 or sum(len(ix) for ix in indexes) < _defaults.INLINE_BELOW_ROWS:
        return None
    return default_executor()
