"""Ask one provider about many observables: bounded workers, per-item statuses, early stop.

This is the only place that runs a provider over a batch, so it can be replaced by a shared
batch engine without touching providers or the client. The contract:

* every observable passed in is asked at most once (the caller de-duplicates and filters);
* requests run on ``provider.max_concurrency`` workers; the provider's own limiter paces
  them under its quota (a worker waits, it never sends early);
* outcomes are values: a 404 is ``not_found``, a refused value ``invalid``, a failure after
  retries ``error``; a used-up quota (``QuotaExceededError``, or a ``RateLimitedError``
  whose wait is too long to honour) marks that item and every one not yet asked
  ``quota_exhausted``, and a refused key marks them all ``error``; the batch never raises
  for them;
* ``on_result`` is awaited for each answer as it arrives (the cache writes it at once, which
  is what makes an interrupted batch resumable).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Final

from asisdk.errors import (
    ApiError,
    ApiStatusError,
    AuthenticationError,
    NotFoundError,
    QuotaExceededError,
    RateLimitedError,
)
from asisdk.ti._model import TiResult, TiStatus
from asisdk.ti._observables import TiObservable
from asisdk.ti._provider import Answer, Provider

__all__ = ["ResultCallback", "dispatch", "result_from_answer"]

_log = logging.getLogger("asisdk.ti")

#: Awaited with each fresh result (for the cache and progress).
ResultCallback = Callable[[TiResult], Awaitable[None]]
#: HTTP statuses meaning "this value is not one I take".
_INVALID_STATUSES: Final = frozenset({400, 422})


def result_from_answer(observable: TiObservable, provider: str, answer: Answer) -> TiResult:
    """A :class:`TiResult` from a provider's :class:`Answer` (pure)."""
    return TiResult(
        observable=observable.text,
        type=observable.type,
        value=observable.value,
        provider=provider,
        status=answer.status,
        verdict=answer.verdict,
        severity=answer.severity,
        reasons=answer.reasons,
        raw=dict(answer.raw),
        permalink=answer.permalink,
        error=answer.error,
    )


def _failed(
    observable: TiObservable, provider: str, status: TiStatus, error: str | None
) -> TiResult:
    return TiResult(
        observable=observable.text,
        type=observable.type,
        value=observable.value,
        provider=provider,
        status=status,
        error=error,
    )


async def _ask(provider: Provider, observable: TiObservable) -> tuple[TiResult, TiStatus | None]:
    """One lookup as a result, and the status that stops the provider (quota, key) if any."""
    name = provider.name
    try:
        answer = await provider.query(observable)
    except NotFoundError:
        return _failed(observable, name, TiStatus.NOT_FOUND, None), None
    except (QuotaExceededError, RateLimitedError) as exc:
        return _failed(observable, name, TiStatus.QUOTA_EXHAUSTED, str(exc)), (
            TiStatus.QUOTA_EXHAUSTED
        )
    except AuthenticationError as exc:
        return _failed(observable, name, TiStatus.ERROR, str(exc)), TiStatus.ERROR
    except ApiStatusError as exc:
        status = TiStatus.INVALID if exc.status_code in _INVALID_STATUSES else TiStatus.ERROR
        return _failed(observable, name, status, str(exc)), None
    except ApiError as exc:
        return _failed(observable, name, TiStatus.ERROR, str(exc)), None
    result = result_from_answer(observable, name, answer)
    stop = TiStatus.QUOTA_EXHAUSTED if answer.status is TiStatus.QUOTA_EXHAUSTED else None
    return result, stop


async def dispatch(
    provider: Provider,
    observables: Sequence[TiObservable],
    *,
    on_result: ResultCallback | None = None,
) -> dict[str, TiResult]:
    """Ask ``provider`` about each observable once; results by :attr:`TiObservable.key`.

    Args:
        provider: the provider (its limiter paces the requests).
        observables: distinct, valid, public observables of types it supports.
        on_result: awaited with each result as it arrives (not for skipped items).

    Returns:
        One result per observable; none is missing, whatever failed.
    """
    results: dict[str, TiResult] = {}
    pending = deque(observables)
    stopped: list[tuple[TiStatus, str]] = []

    async def worker() -> None:
        while pending and not stopped:
            observable = pending.popleft()
            result, stop = await _ask(provider, observable)
            results[observable.key] = result
            if stop is not None and not stopped:
                stopped.append((stop, result.error or stop.value))
            if on_result is not None:
                await on_result(result)

    count = min(max(provider.max_concurrency, 1), len(pending))
    workers = [asyncio.create_task(worker()) for _ in range(count)]
    try:
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    if stopped:
        status, why = stopped[0]
        _log.warning("%s stopped (%s); %d lookups skipped", provider.name, status, len(pending))
        for observable in pending:
            results[observable.key] = _failed(
                observable, provider.name, status, f"skipped: {provider.name} stopped ({why})"
            )
    return results
