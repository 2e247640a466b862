"""The batch engine every service client's ``lookup_many`` runs on.

:func:`run_batch` takes the items of a batch, an async ``worker`` that handles one item (one
lookup, one bulk request) and the client's :class:`~asisdk._http.RequestLimits`, and runs the
work the way a quota-bound service wants it:

* **Deduplicated**: items with the same ``key`` are worked on once and share the outcome.
* **Bounded concurrency**: ``limits.max_concurrency`` workers at most, never more than there
  are distinct items. The rate quotas and the daily budget are enforced by the
  :class:`~asisdk._http.Limiter` inside every request the worker sends (each retry counts), so
  the engine adds no pacing of its own and the quota is used as exactly as the limiter allows.
* **Per-item outcomes**: a worker's exception becomes that item's :class:`BatchResult` with
  status ``failed`` (the retries of :class:`~asisdk._http.RetryPolicy` already ran inside the
  request); the batch goes on. Only ``fatal`` exceptions (by default a refused key, after which
  nothing can succeed) stop the batch and are raised.
* **Stop on quota**: the first ``stop_on`` exception (by default
  :class:`~asisdk.errors.QuotaExceededError`) stops taking new items; requests in flight finish,
  and the item that hit the quota and every item not started are ``quota_exhausted``.
* **Order**: :func:`run_batch` returns one result per input item, in input order;
  :func:`iter_batch` yields one result per distinct item as each completes.
* **Progress**: ``progress=`` is a ``callback(done, total)``, a tqdm-like object (anything with
  ``update(n)``), ``True`` for a tqdm bar, or ``None``.
* **Cancellation**: cancelling the caller (or leaving :func:`iter_batch` early) cancels every
  worker and waits for it, so no task outlives the call; httpx closes a connection whose
  answer was not read, so none is left half-used in the pool.

Examples:
    >>> import asyncio
    >>> async def square(n: int) -> int:
    ...     return n * n
    >>> results = asyncio.run(run_batch([3, 1, 3, 2], square, max_concurrency=2))
    >>> [(r.item, r.status.value, r.value) for r in results]
    [(3, 'ok', 9), (1, 'ok', 1), (3, 'ok', 9), (2, 'ok', 4)]
"""

from __future__ import annotations

import asyncio
import enum
import importlib
from collections.abc import AsyncGenerator, Awaitable, Callable, Hashable, Iterable
from typing import Any, Generic, Protocol, TypedDict, TypeVar, Unpack, runtime_checkable

import attrs

from asisdk._http._limits import RequestLimits
from asisdk.errors import AuthenticationError, ConfigurationError, QuotaExceededError

__all__ = [
    "BatchResult",
    "BatchStatus",
    "Progress",
    "ProgressBar",
    "ProgressCallback",
    "ProgressOption",
    "iter_batch",
    "run_batch",
]

T = TypeVar("T")
R = TypeVar("R")

#: Called with ``(done, total)`` after each distinct item (or its ``weight``) is resolved.
ProgressCallback = Callable[[int, int], object]


@runtime_checkable
class ProgressBar(Protocol):
    """A tqdm-like progress bar: only ``update(n)`` is used."""

    def update(self, n: int = 1) -> object:
        """Advance the bar by ``n``."""


#: What ``progress=`` accepts on every batch call.
ProgressOption = ProgressCallback | ProgressBar | bool | None


class BatchStatus(enum.StrEnum):
    """What happened to one item of a batch."""

    #: The worker returned; ``value`` holds what it returned.
    OK = "ok"
    #: The worker raised; ``error`` holds the exception (retries were already spent).
    FAILED = "failed"
    #: Not done because a quota ran out first (or this item's request found it used up).
    QUOTA_EXHAUSTED = "quota_exhausted"


@attrs.frozen(kw_only=True)
class BatchResult(Generic[T, R]):
    """The outcome of one item.

    Attributes:
        index: the item's position in the input (the first one, for :func:`iter_batch`).
        item: the input item.
        status: ``ok``, ``failed`` or ``quota_exhausted``.
        value: the worker's return value when ``ok``.
        error: the exception when ``failed`` or ``quota_exhausted``.
    """

    index: int
    item: T
    status: BatchStatus
    value: R | None = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        """Whether the worker returned a value for this item."""
        return self.status is BatchStatus.OK


class Progress:
    """Counts resolved work and tells a callback or a tqdm-like bar.

    Args:
        total: the work expected (distinct items, or their summed weights).
        progress: a ``callback(done, total)``, a bar with ``update(n)``, ``True`` for a new
            ``tqdm.auto`` bar (closed by :meth:`close`), or ``None``/``False``.
        description: the label of a bar made for ``progress=True``.
        unit: the unit of a bar made for ``progress=True``.

    Raises:
        ConfigurationError: ``progress=True`` without tqdm installed, or a value of another
            type.
    """

    def __init__(
        self,
        total: int,
        progress: ProgressOption,
        *,
        description: str = "batch",
        unit: str = "item",
    ) -> None:
        self.total = total
        self.done = 0
        self._callback: ProgressCallback | None = None
        self._bar: ProgressBar | None = None
        self._owns_bar = False
        if progress is True:
            try:
                # Optional dependency, imported by name so type checking does not need it.
                tqdm_auto = importlib.import_module("tqdm.auto")
            except ImportError as exc:
                raise ConfigurationError(
                    "progress=True needs tqdm: pip install tqdm (or pass a callback)"
                ) from exc
            self._bar = tqdm_auto.tqdm(total=total, desc=description, unit=unit)
            self._owns_bar = True
        elif progress is None or progress is False:
            pass
        elif callable(progress):  # a callback, or a bar that is also one (notebook Progress)
            self._callback = progress
        elif isinstance(progress, ProgressBar):
            self._bar = progress
        else:
            raise ConfigurationError(
                f"progress= takes a callback(done, total), a tqdm-like bar or True, "
                f"not {type(progress).__name__}"
            )

    def advance(self, count: int = 1) -> None:
        """Count ``count`` more units done."""
        if count <= 0:
            return
        self.done += count
        if self._bar is not None:
            self._bar.update(count)
        if self._callback is not None:
            self._callback(self.done, self.total)

    def close(self) -> None:
        """Close a bar this object made (a bar passed in is the caller's)."""
        bar, self._bar = self._bar, None
        if self._owns_bar and bar is not None:
            close = getattr(bar, "close", None)
            if callable(close):
                close()


class BatchOptions(TypedDict, Generic[T], total=False):
    """The keyword options of :func:`iter_batch`, which :func:`run_batch` passes on."""

    limits: RequestLimits | None
    max_concurrency: int | None
    key: Callable[[T], Hashable]
    progress: ProgressOption
    weight: Callable[[T], int]
    stop_on: tuple[type[BaseException], ...]
    fatal: tuple[type[BaseException], ...]
    description: str


def _identity(item: Any) -> Hashable:
    return item  # type: ignore[no-any-return]


def _one(item: Any) -> int:
    return 1


class _Done:
    """A worker task's last message on the queue."""


_DONE = _Done()


async def iter_batch(
    items: Iterable[T],
    worker: Callable[[T], Awaitable[R]],
    *,
    limits: RequestLimits | None = None,
    max_concurrency: int | None = None,
    key: Callable[[T], Hashable] = _identity,
    progress: ProgressOption = None,
    weight: Callable[[T], int] = _one,
    stop_on: tuple[type[BaseException], ...] = (QuotaExceededError,),
    fatal: tuple[type[BaseException], ...] = (AuthenticationError,),
    description: str = "batch",
) -> AsyncGenerator[BatchResult[T, R], None]:
    """Run ``worker`` over the distinct ``items``; yield each outcome as it completes.

    Arguments as :func:`run_batch`. One result is yielded per *distinct* key (its ``index`` is
    the key's first position); items never started because a quota ran out are yielded last.
    Closing the iterator early (``await it.aclose()``, or ``async with
    contextlib.aclosing(iter_batch(...)) as it``, then ``break``), or cancelling the task that
    iterates, cancels the workers still running and waits for them.

    Raises:
        Exception: the first ``fatal`` exception a worker raised (the other workers are
            cancelled and waited for first).
    """
    distinct: dict[Hashable, tuple[int, T]] = {}
    for index, item in enumerate(items):
        distinct.setdefault(key(item), (index, item))
    pending = list(distinct.values())
    pending.reverse()  # pop() from the end takes the items in input order
    concurrency = max_concurrency or (limits or RequestLimits()).max_concurrency
    tracker = Progress(sum(weight(item) for _, item in pending), progress, description=description)
    queue: asyncio.Queue[BatchResult[T, R] | BaseException | _Done] = asyncio.Queue()
    stopped: list[BaseException] = []
    # KeyboardInterrupt and SystemExit are the caller's, not the item's: they stop the batch too.
    stopping: tuple[type[BaseException], ...] = (*fatal, KeyboardInterrupt, SystemExit)

    async def work() -> None:
        try:
            while pending and not stopped:
                index, item = pending.pop()
                try:
                    value = await worker(item)
                except stopping as exc:
                    stopped.append(exc)
                    queue.put_nowait(exc)
                    return
                except stop_on as exc:
                    stopped.append(exc)
                    result: BatchResult[T, R] = BatchResult(
                        index=index, item=item, status=BatchStatus.QUOTA_EXHAUSTED, error=exc
                    )
                except Exception as exc:  # one item's failure is that item's outcome
                    result = BatchResult(
                        index=index, item=item, status=BatchStatus.FAILED, error=exc
                    )
                else:
                    result = BatchResult(index=index, item=item, status=BatchStatus.OK, value=value)
                tracker.advance(weight(item))
                queue.put_nowait(result)
        finally:
            queue.put_nowait(_DONE)

    tasks = [asyncio.create_task(work()) for _ in range(min(concurrency, len(pending)))]
    running = len(tasks)
    try:
        while running:
            message = await queue.get()
            if isinstance(message, _Done):
                running -= 1
            elif isinstance(message, BaseException):
                raise message
            else:
                yield message
        # Left over: not started because a quota ran out (or, rarely, because every worker
        # was cancelled from inside its work).
        reason: BaseException = (
            stopped[0] if stopped else asyncio.CancelledError("the batch's workers were cancelled")
        )
        status = BatchStatus.QUOTA_EXHAUSTED if stopped else BatchStatus.FAILED
        skipped = list(reversed(pending))
        pending.clear()
        for index, item in skipped:
            tracker.advance(weight(item))
            yield BatchResult(index=index, item=item, status=status, error=reason)
    finally:
        pending.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        tracker.close()


async def run_batch(
    items: Iterable[T],
    worker: Callable[[T], Awaitable[R]],
    **options: Unpack[BatchOptions[T]],
) -> list[BatchResult[T, R]]:
    """Run ``worker`` once per distinct item; return one result per input item, in order.

    Args:
        items: the batch (any iterable; read once).
        worker: the coroutine function doing one item, e.g. one lookup through the client's
            :class:`~asisdk._http.ApiClient` (which applies the limits and the retry policy).
        limits: the client's limits; ``max_concurrency`` workers run at once.
        max_concurrency: overrides ``limits.max_concurrency``.
        key: the deduplication key of an item (items must be hashable without it).
        progress: a ``callback(done, total)``, a tqdm-like bar, ``True`` for a tqdm bar, or
            ``None``.
        weight: the progress units of one item (e.g. the addresses in a bulk request).
        stop_on: exceptions meaning "the quota is used up": no new item is started and the
            rest are ``quota_exhausted``.
        fatal: exceptions meaning "nothing else can succeed" (a refused key): the batch stops
            and the exception is raised.
        description: the label of a tqdm bar made for ``progress=True``.

    Returns:
        One :class:`BatchResult` per input item; duplicates share the outcome of the first
        (with their own ``index`` and ``item``).

    Raises:
        Exception: the first ``fatal`` exception (the other workers are cancelled first).
        ConfigurationError: a bad ``progress`` value, or ``progress=True`` without tqdm.

    Examples:
        >>> import asyncio
        >>> async def check(n: int) -> int:
        ...     if n < 0:
        ...         raise ValueError("negative")
        ...     return n
        >>> results = asyncio.run(run_batch([1, -1], check))
        >>> [(r.status.value, repr(r.error)) for r in results]
        [('ok', 'None'), ('failed', "ValueError('negative')")]
    """
    key = options.get("key", _identity)
    materialised = list(items)
    outcomes: dict[Hashable, BatchResult[T, R]] = {}
    async for result in iter_batch(materialised, worker, **options):
        outcomes[key(result.item)] = result
    ordered: list[BatchResult[T, R]] = []
    for index, item in enumerate(materialised):
        shared = outcomes.get(key(item))
        if shared is None:  # its worker was cancelled from inside (not by us): say so
            shared = BatchResult(
                index=index,
                item=item,
                status=BatchStatus.FAILED,
                error=asyncio.CancelledError("the item's work was cancelled"),
            )
            outcomes[key(item)] = shared
        ordered.append(
            shared if shared.index == index else attrs.evolve(shared, index=index, item=item)
        )
    return ordered
