"""Ask one provider about many observables: bounded workers, per-item statuses, early stop.

This is the only place that runs a provider over a batch; it does so on the shared batch
engine of the HTTP layer (:func:`asisdk._http.iter_batch`), as VirusTotal and IPStack do.
The contract:

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

import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Final

from asisdk._http import iter_batch
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

__all__ = ["ResultCallback", "dispatch", "result_from_answer", "status_result"]

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


def status_result(
    observable: TiObservable, provider: str, status: TiStatus, error: str | None
) -> TiResult:
    """A result that is only a status (not found, skipped, failed), with why."""
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
        return status_result(observable, name, TiStatus.NOT_FOUND, None), None
    except (QuotaExceededError, RateLimitedError) as exc:
        return status_result(observable, name, TiStatus.QUOTA_EXHAUSTED, str(exc)), (
            TiStatus.QUOTA_EXHAUSTED
        )
    except AuthenticationError as exc:
        return status_result(observable, name, TiStatus.ERROR, str(exc)), TiStatus.ERROR
    except ApiStatusError as exc:
        status = TiStatus.INVALID if exc.status_code in _INVALID_STATUSES else TiStatus.ERROR
        return status_result(observable, name, status, str(exc)), None
    except ApiError as exc:
        return status_result(observable, name, TiStatus.ERROR, str(exc)), None
    result = result_from_answer(observable, name, answer)
    stop = TiStatus.QUOTA_EXHAUSTED if answer.status is TiStatus.QUOTA_EXHAUSTED else None
    return result, stop


class _Stop(Exception):  # noqa: N818 - a signal to the batch engine, never surfaces
    """Raised by a worker whose answer stops the provider (quota used up, key refused)."""

    def __init__(self, observable: TiObservable, result: TiResult, status: TiStatus) -> None:
        super().__init__(result.error or status.value)
        self.observable = observable
        self.result = result
        self.status = status


async def dispatch(
    provider: Provider,
    observables: Sequence[TiObservable],
    *,
    on_result: ResultCallback | None = None,
) -> dict[str, TiResult]:
    """Ask ``provider`` about each observable once; results by :attr:`TiObservable.key`.

    Runs on the shared batch engine (:func:`asisdk._http.iter_batch`): at most
    ``provider.max_concurrency`` requests at once, each observable asked once, an unexpected
    failure of one lookup an ``error`` result of that observable only.

    Args:
        provider: the provider (its limiter paces the requests).
        observables: distinct, valid, public observables of types it supports.
        on_result: awaited with each result as it arrives (not for skipped items).

    Returns:
        One result per observable; none is missing, whatever failed.
    """

    async def one(observable: TiObservable) -> TiResult:
        result, stop = await _ask(provider, observable)
        if on_result is not None:
            await on_result(result)
        if stop is not None:
            raise _Stop(observable, result, stop)
        return result

    results: dict[str, TiResult] = {}
    skipped = 0
    batch = iter_batch(
        observables,
        one,
        max_concurrency=max(provider.max_concurrency, 1),
        key=lambda observable: observable.key,
        stop_on=(_Stop,),
        fatal=(),
        description=provider.name,
    )
    async with contextlib.aclosing(batch) as outcomes:
        async for outcome in outcomes:
            observable = outcome.item
            error = outcome.error
            if outcome.value is not None:
                results[observable.key] = outcome.value
            elif isinstance(error, _Stop) and error.observable is observable:
                results[observable.key] = error.result  # the answer that stopped the provider
            elif isinstance(error, _Stop):
                skipped += 1
                why = f"skipped: {provider.name} stopped ({error.result.error or error.status})"
                results[observable.key] = status_result(
                    observable, provider.name, error.status, why
                )
            else:  # a bug or an unexpected exception in one lookup: that item's error only
                text = f"{type(error).__name__}: {error}" if error else "not run"
                results[observable.key] = status_result(
                    observable, provider.name, TiStatus.ERROR, text
                )
    if skipped:
        _log.warning("%s stopped; %d lookups skipped", provider.name, skipped)
    return results
