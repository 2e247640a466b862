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
import inspect
import math
import multiprocessing
import os
import pickle
import sys
import threading
from collections.abc import Callable, Coroutine, Mapping, Sequence
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
    "MapPlan",
    "ProgressCallback",
    "asyncify",
    "cpu_count",
    "default_executor",
    "map_chunks",
    "map_chunks_async",
    "map_frame",
    "map_frame_async",
    "plan_chunks",
    "plan_runners",
    "process_pool",
    "shutdown_default_executor",
]

_T = TypeVar("_T")
_R = TypeVar("_R")
_P = ParamSpec("_P")
_V = TypeVar("_V")
_O = TypeVar("_O")

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


def _unwrap(value: Any) -> Any:
    if isinstance(value, _Pickled):
        # Bytes our own worker function pickled a moment ago, never outside input.
        return pickle.loads(value.data)  # noqa: S301
    return value


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


def _identity(outcomes: list[ChunkOutcome[Any]]) -> Any:
    return outcomes


class _Tally:
    """Turns chunk results into outcomes in order, reports progress, notes a broken pool."""

    def __init__(self, indexes: Sequence[pd.Index[Any]], progress: ProgressCallback | None):
        self.total = sum(len(ix) for ix in indexes)
        self.done = 0
        self.broken = False
        self.progress = progress

    def settle(self, position: int, index: pd.Index[Any], get: Callable[[], Any]) -> Any:
        try:
            outcome = ChunkOutcome(position, index, value=_unwrap(get()))
        except Exception as exc:
            self.broken = self.broken or isinstance(exc, BrokenProcessPool)
            outcome = ChunkOutcome(position, index, error=_describe(exc))
        self.done += len(index)
        if self.progress is not None:
            self.progress(self.done, self.total)
        return outcome


def _raise(exc: BaseException) -> Any:
    raise exc


_IN_LOOP = (
    "With ``executor=None`` small inputs run in the loop's default thread pool, larger ones in "
    "the shared process pool. Cancelling the call cancels chunks that have not started."
)
_IN_THREAD = "It runs in a worker thread (chunks still go to ``executor``); cancelling abandons it."


@attrs.frozen(eq=False)
class MapPlan(Generic[_V, _O]):
    """One chunked run, executed blocking (:meth:`run`) or awaited (:meth:`run_async`).

    Attributes:
        worker: a top-level (picklable) function taking a chunk first.
        data: a DataFrame (chunks keep its index labels) or a sequence (chunks are lists).
        options: keyword arguments passed to every call of ``worker``.
        assemble: turns the outcomes, in input order, into the result (default: the list).
        executor: where chunks run (see the module docs).
        chunk_size: rows per chunk; by default a few chunks per worker.
        progress: called with (rows done, rows in all) as chunks finish.

    Examples:
        >>> plan = MapPlan(len, [1, 2, 3], chunk_size=2, executor=InlineExecutor())
        >>> [o.value for o in plan.run()]
        [2, 1]
    """

    worker: Callable[..., _V]
    data: pd.DataFrame | Sequence[Any]
    options: Mapping[str, Any] = attrs.field(factory=dict)
    assemble: Callable[[list[ChunkOutcome[_V]]], _O] = _identity
    executor: Executor | None = None
    chunk_size: int | None = None
    progress: ProgressCallback | None = None

    def _start(self, asynchronous: bool) -> tuple[Any, Executor | None, list[Any], _Tally]:
        chunks, indexes = _split(self.data, self.chunk_size)
        chosen = self.executor
        if chosen is None:
            small = len(chunks) <= 1 or sum(map(len, indexes)) < _defaults.INLINE_BELOW_ROWS
            # small: inline, or (awaited) the running loop's default thread pool (None)
            chosen = default_executor() if not small else None if asynchronous else InlineExecutor()
        _prepare_processes(chosen)
        func: Callable[..., Any] = (
            functools.partial(self.worker, **self.options) if self.options else self.worker
        )
        # In-process executors (and None: the loop's thread pool) pass results as they are.
        if chosen is not None and not isinstance(chosen, InlineExecutor | ThreadPoolExecutor):
            func = _PickleResult(func)
        pairs = list(enumerate(zip(chunks, indexes, strict=True)))
        return func, chosen, pairs, _Tally(indexes, self.progress)

    def run(self) -> _O:
        """Run the chunks (``executor=None``: small inputs inline); assemble the outcomes."""
        func, picked, pairs, tally = self._start(asynchronous=False)
        chosen = picked if picked is not None else InlineExecutor()  # always picked: typing
        futures: list[Callable[[], Any]] = []
        for _, (chunk, _) in pairs:
            try:
                futures.append(chosen.submit(func, chunk).result)
            except Exception as exc:  # e.g. a broken pool refusing work: report on this chunk
                futures.append(functools.partial(_raise, exc))
        outcomes = [
            tally.settle(pos, ix, get) for (pos, (_, ix)), get in zip(pairs, futures, strict=True)
        ]
        if tally.broken:
            _DEFAULT_POOL.discard(chosen)
        return self.assemble(outcomes)

    async def run_async(self) -> _O:
        """Await the chunks (``executor=None``: small inputs in the loop's thread pool)."""
        func, chosen, pairs, tally = self._start(asynchronous=True)
        loop = asyncio.get_running_loop()

        async def one(position: int, chunk: object, index: pd.Index[Any]) -> Any:
            try:
                value = await loop.run_in_executor(chosen, func, chunk)
            except Exception as exc:  # CancelledError is not one: it propagates
                get = functools.partial(_raise, exc)
            else:
                get = functools.partial(_identity, value)
            outcome = tally.settle(position, index, get)
            if tally.broken and chosen is not None:
                _DEFAULT_POOL.discard(chosen)
            return outcome

        tasks = [asyncio.ensure_future(one(pos, chunk, ix)) for pos, (chunk, ix) in pairs]
        try:
            return self.assemble(list(await asyncio.gather(*tasks)))
        except asyncio.CancelledError:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise


def plan_runners(
    planner: Callable[_P, MapPlan[Any, _O]],
) -> tuple[Callable[_P, _O], Callable[_P, Coroutine[Any, Any, _O]]]:
    """Return the blocking and the awaitable function of one chunked operation.

    ``planner`` checks its arguments and returns a :class:`MapPlan`; it holds the one
    signature and the one docstring. Name it after the operation with a leading underscore
    (``_extract_frame``): the blocking function takes the name without it
    (``extract_frame``), the awaitable one adds ``_async``. Both show the planner's
    signature (help, IDEs, mypy) and raise its argument errors when called.
    """
    name = planner.__name__.lstrip("_")

    def run(*args: _P.args, **kwargs: _P.kwargs) -> _O:
        return planner(*args, **kwargs).run()

    async def run_async(*args: _P.args, **kwargs: _P.kwargs) -> _O:
        return await planner(*args, **kwargs).run_async()

    _dress(run, planner, name, planner.__doc__)
    _dress(run_async, planner, f"{name}_async", _awaitable_doc(name, _IN_LOOP))
    return run, run_async


def asyncify(func: Callable[_P, _T]) -> Callable[_P, Coroutine[Any, Any, _T]]:
    """Return an awaitable ``func`` that runs in a worker thread (``asyncio.to_thread``).

    For operations that are more than one chunked map. The loop keeps serving other tasks
    meanwhile; cancelling the await abandons the result. The function is named
    ``<name>_async`` and shows ``func``'s signature.
    """

    async def run_async(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        return await asyncio.to_thread(func, *args, **kwargs)

    _dress(run_async, func, f"{func.__name__}_async", _awaitable_doc(func.__name__, _IN_THREAD))
    return run_async


def _awaitable_doc(name: str, how: str) -> str:
    return f"Await :func:`{name}` without blocking the event loop (same arguments).\n\n{how}\n"


def _dress(func: Callable[..., Any], like: Callable[..., Any], name: str, doc: str | None) -> None:
    """Give a generated function its public name, module, docstring and signature."""
    signature = inspect.signature(like)
    returns = signature.return_annotation
    if isinstance(returns, str) and returns.startswith("MapPlan["):
        returns = returns.removeprefix("MapPlan[").removesuffix("]").split(", ", 1)[-1]
    func.__module__ = like.__module__
    func.__name__ = func.__qualname__ = name
    func.__doc__ = doc
    func.__signature__ = signature.replace(return_annotation=returns)  # type: ignore[attr-defined]


def _map_frame(
    func: Callable[..., _R],
    frame: pd.DataFrame,
    *,
    executor: Executor | None = None,
    chunk_size: int | None = None,
    progress: ProgressCallback | None = None,
    **kwargs: Any,
) -> MapPlan[_R, list[ChunkOutcome[_R]]]:
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
    return MapPlan(func, frame, kwargs, _identity, executor, chunk_size, progress)


def _map_chunks(
    func: Callable[..., _R],
    items: Sequence[_T],
    *,
    executor: Executor | None = None,
    chunk_size: int | None = None,
    progress: ProgressCallback | None = None,
    **kwargs: Any,
) -> MapPlan[_R, list[ChunkOutcome[_R]]]:
    """Run ``func(list_chunk, **kwargs)`` over chunks of ``items``, as :func:`map_frame` does.

    The outcome's ``index`` holds the positions of the chunk's items in ``items``.
    """
    return MapPlan(func, items, kwargs, _identity, executor, chunk_size, progress)


map_frame, map_frame_async = plan_runners(_map_frame)
map_chunks, map_chunks_async = plan_runners(_map_chunks)
