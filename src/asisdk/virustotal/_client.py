"""The VirusTotal v3 client: single and batch lookups, frames, relationships, cache.

Built on :class:`asisdk._http.ApiClient` (limits, retries, error mapping, secret masking); this
module only knows VirusTotal: the paths, the answer shapes and what each failure means for a
batch.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs
import httpx

from asisdk._http import (
    ApiClient,
    BatchResult,
    BatchStatus,
    ErrorDescription,
    ProgressOption,
    RequestLimits,
    RetryPolicy,
    ServiceClient,
    default_error_parser,
    run_batch,
)
from asisdk._http._service import limits_or_shortcuts
from asisdk.config import Config, Secret, resolve_secret
from asisdk.errors import (
    ApiError,
    ApiStatusError,
    AuthenticationError,
    InvalidInputError,
    NotFoundError,
    QuotaExceededError,
)
from asisdk.virustotal import _defaults
from asisdk.virustotal._cache import VtCache
from asisdk.virustotal._observables import (
    Observable,
    Target,
    VtKind,
    observable_text,
    resolve_target,
)
from asisdk.virustotal._relationships import RelationshipCursor, VtRelationships
from asisdk.virustotal._report import (
    VtReport,
    VtStatus,
    report_from_object,
    report_without_data,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["VirusTotalClient", "vt_error_parser"]

_log = logging.getLogger("asisdk.virustotal")

_RELATIONSHIP_NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,63}")
_CACHED_STATUSES: Final = (VtStatus.FOUND, VtStatus.NOT_FOUND)
#: The code of VirusTotal's 400 answer to a value it will not take ("not a valid domain").
_INVALID_ARGUMENT: Final = "InvalidArgumentError"


def vt_error_parser(response: httpx.Response) -> ErrorDescription | None:
    """Describe a VirusTotal error answer (``{"error": {"code", "message"}}``).

    A 429 ``QuotaExceededError`` is raised as :class:`~asisdk.errors.QuotaExceededError` once
    retries are spent (VirusTotal uses that code for the minute *and* the daily quota, so the
    first 429s are retried like any rate limit).

    Examples:
        >>> answer = httpx.Response(429, json={"error": {"code": "QuotaExceededError"}})
        >>> vt_error_parser(answer).exception_type.__name__
        'QuotaExceededError'
    """
    problem = default_error_parser(response)
    if problem is None:
        return None
    if problem.status_code == 429 and problem.service_code == "QuotaExceededError":
        return ErrorDescription(
            status_code=429,
            service_code=problem.service_code,
            message=problem.message,
            error_type=QuotaExceededError,
        )
    return problem


class VirusTotalClient(ServiceClient):
    """Async client of the VirusTotal API v3, built for high-volume batch lookups.

    Args:
        api_key: the API key; by default ``ASISDK_VT_API_KEY``, then
            ``ASISDK_VIRUSTOTAL_API_KEY``, then ``[virustotal] api_key`` in the config file.
            It is sent only in the ``x-apikey`` header and never shown.
        base_url: the API root (tests point it at ``http://127.0.0.1:PORT/api/v3``).
        retry: the retry policy (``RetryPolicy(instant=True)`` in tests).
        limits: every client-side limit (e.g. a premium contract with per-second and
            per-minute quotas, ``RequestLimits(rates=[RateLimit(max_requests=..., period=1)])``);
            when given, the shortcuts below are not read.
        timeout: timeouts of the owned HTTP client.
        http_client: an ``httpx.AsyncClient`` to use (not closed by this client).
        config: an already loaded configuration (for the key).
        cache: a :class:`VtCache` or the path of its SQLite file; ``None`` for no cache.
        requests_per_minute: shortcut: the account's per-minute quota (public keys: 4);
            ``None`` for no client-side rate limit. Requests are paced so that no minute ever
            sees more.
        requests_per_day: shortcut: the account's daily quota (public keys: 500), counted per
            UTC day; ``None`` for none.
        max_concurrency: shortcut: requests in flight at once.

    Raises:
        ConfigurationError: no API key was found; the message says where it was looked for.

    Examples:
        >>> async def triage() -> None:
        ...     async with VirusTotalClient(cache="~/.cache/asisdk/vt.sqlite") as vt:
        ...         report = await vt.lookup("8.8.8.8")
        ...         reports = await vt.lookup_many(["example.com", "44d88612fea8a8f36de82e1278abb02f"])
    """  # noqa: E501

    def __init__(
        self,
        api_key: str | Secret | None = None,
        *,
        base_url: str = _defaults.BASE_URL,
        retry: RetryPolicy | None = None,
        limits: RequestLimits | None = None,
        timeout: httpx.Timeout | None = None,
        http_client: httpx.AsyncClient | None = None,
        config: Config | None = None,
        cache: VtCache | str | os.PathLike[str] | None = None,
        requests_per_minute: float | None = _defaults.REQUESTS_PER_MINUTE,
        requests_per_day: int | None = _defaults.REQUESTS_PER_DAY,
        max_concurrency: int = _defaults.MAX_CONCURRENCY,
    ) -> None:
        key = resolve_secret(
            _defaults.API_KEY_SETTING, api_key, env_aliases=_defaults.API_KEY_ENV, config=config
        )
        assert key is not None
        limits = limits_or_shortcuts(
            limits,
            {
                "requests_per_minute": requests_per_minute,
                "requests_per_day": requests_per_day,
                "max_concurrency": max_concurrency,
            },
        )
        self._keep_options(
            api_key=key,
            base_url=base_url,
            retry=retry,
            limits=limits,
            timeout=timeout,
            http_client=http_client,
            config=config,
            cache=cache,
        )
        self._api = ApiClient(
            service="virustotal",
            base_url=base_url,
            headers={"x-apikey": key, "Accept": "application/json"},
            limits=limits,
            retry=retry,
            http_client=http_client,
            error_parser=vt_error_parser,
            timeout=timeout,
        )
        self._owns_cache = cache is not None and not isinstance(cache, VtCache)
        self._cache: VtCache | None = (
            cache if isinstance(cache, VtCache) or cache is None else VtCache(cache)
        )

    @property
    def cache(self) -> VtCache | None:
        """The persistent cache, or ``None``."""
        return self._cache

    def __repr__(self) -> str:
        return (
            f"VirusTotalClient(base_url={self._api.base_url!r}, limits={self._api.limits!r}, "
            f"cache={self.cache!r})"
        )

    async def aclose(self) -> None:
        """Close the owned HTTP client and the cache this client opened. Idempotent."""
        await super().aclose()
        if self._owns_cache and self.cache is not None:
            await self.cache.aclose()

    # -- lookups ---------------------------------------------------------------------------

    async def lookup(self, observable: Observable, *, kind: VtKind | str | None = None) -> VtReport:
        """Look up one observable.

        Args:
            observable: an IPv4/IPv6 address, domain, URL or MD5/SHA-1/SHA-256 hash, or an
                ``IpAddress``, ``Dns``, ``Url``, ``File`` or ``FileHash`` entity.
            kind: the kind, when known (``"ip_address"``, ``"domain"``, ``"url"``, ``"file"``
                or a common alias such as ``"ipv4"``, ``"dns"``, ``"sha256_hash"``); detected
                from the value otherwise.

        Returns:
            The report; its ``status`` says whether it was found, not found, invalid (nothing
            sent), failed or skipped because the daily quota ran out.

        Raises:
            AuthenticationError: the key was refused (401/403).

        Examples:
            >>> async def check(vt: VirusTotalClient) -> None:
            ...     report = await vt.lookup("8.8.8.8")
            ...     print(report.status, report.malicious)
        """
        return (await self.lookup_many([observable], kind=kind))[0]

    async def lookup_many(
        self,
        observables: Iterable[Observable],
        *,
        kind: VtKind | str | None = None,
        progress: ProgressOption = None,
    ) -> list[VtReport]:
        """Look up many observables within the account's quotas; one report per input.

        Each distinct normalised observable is requested at most once (duplicates share the
        result, cached ones are not requested at all), requests run concurrently up to
        ``max_concurrency`` and paced under ``requests_per_minute``. Failures are
        statuses on the affected items; the batch never loses a row.

        Args:
            observables: the values (strings or entities) to look up (any iterable; read once).
            kind: the kind of every value, when known; detected per value otherwise.
            progress: a ``callback(done, total)`` over distinct observables, a tqdm-like bar
                (anything with ``update(n)``), or ``True`` for a tqdm bar (``pip install tqdm``).

        Returns:
            Reports in input order: ``found``, ``not_found`` (HTTP 404), ``invalid`` (never
            sent, or refused by VirusTotal with a 400 ``InvalidArgumentError``), ``error``
            (failed after retries; ``error`` says why) or ``quota_exhausted`` (the daily quota
            ran out first; re-run later, with a cache nothing already fetched is asked again).

        Raises:
            AuthenticationError: the key was refused (401/403); nothing else could succeed,
                so the batch stops at once.

        Examples:
            >>> async def batch(vt: VirusTotalClient) -> None:
            ...     reports = await vt.lookup_many(["8.8.8.8", "example.com", "8.8.8.8"],
            ...                                    progress=True)
            ...     assert [r.observable for r in reports] == ["8.8.8.8", "example.com", "8.8.8.8"]
        """
        items = [(observable_text(value), resolve_target(value, kind)) for value in observables]
        return await self._lookup_items(items, progress)

    async def lookup_frame(
        self,
        df: pd.DataFrame,
        column: str,
        *,
        kind_column: str | None = None,
        progress: ProgressOption = None,
    ) -> pd.DataFrame:
        """Look up the observables in ``df[column]``; return ``df`` with the report columns.

        Args:
            df: the input frame (not modified).
            column: the column holding observables (strings or entities); missing or other
                cells become ``invalid`` rows.
            kind_column: a column holding each row's kind (``"ipv4"``, ``"dns"``,
                ``"sha256_hash"``, ...); detected per value when not given. Kinds VirusTotal
                cannot look up (``"email"``) give ``invalid`` rows.
            progress: as in :meth:`lookup_many`.

        Returns:
            A new frame with ``df``'s index and columns followed by ``kind``, ``status``,
            ``malicious``, ``suspicious``, ``harmless``, ``undetected``, ``timeout``,
            ``type_unsupported``, ``confirmed_timeout``, ``failure``, ``reputation``,
            ``last_analysis_date``, ``first_submission_date``, ``last_submission_date``,
            ``last_modification_date``, ``creation_date`` (datetimes, UTC), ``dates``,
            ``tags``, ``permalink``, ``attributes``, ``error``
            (a name already in ``df`` gets the suffix ``_vt``).

        Raises:
            InvalidInputError: a named column is not in ``df``.
            AuthenticationError: the key was refused.

        Examples:
            >>> async def enrich(vt: VirusTotalClient, iocs: "pd.DataFrame") -> "pd.DataFrame":
            ...     return await vt.lookup_frame(iocs, "Observable", kind_column="IoCType")
        """
        from asisdk._geo_frame import column_values
        from asisdk.virustotal._frame import reports_to_frame  # pandas loads on first use

        values = column_values(df, column)
        kinds = column_values(df, kind_column) if kind_column is not None else [None] * len(values)
        items = [
            (observable_text(value), resolve_target(value, kind if isinstance(kind, str) else None))
            for value, kind in zip(values, kinds, strict=True)
        ]
        reports = await self._lookup_items(items, progress)
        return reports_to_frame(df, reports)

    # -- relationships ---------------------------------------------------------------------

    def relationships(
        self,
        observable: Observable,
        name: str,
        *,
        kind: VtKind | str | None = None,
        limit: int | None = None,
        descriptors_only: bool = False,
        cursor: str | None = None,
    ) -> VtRelationships:
        """Iterate over an object's related objects, following the API's pages; resumable.

        Args:
            observable: the object (IP, domain, URL or hash).
            name: the relationship, e.g. ``"resolutions"`` (domains, IPs),
                ``"contacted_ips"`` (files), ``"subdomains"``.
            kind: the observable's kind when known.
            limit: stop after this many objects (``None``: all pages).
            descriptors_only: list only ``type``, ``id`` and ``context_attributes`` (a cheaper
                call).
            cursor: resume where an earlier iteration's ``cursor`` attribute said it stopped.

        Returns:
            A :class:`~asisdk.virustotal.VtRelationships`: iterate it with ``async for``; its
            ``cursor`` says where the next object is (``None`` when all were given). Each
            object keeps ``attributes``, ``context_attributes`` and ``links``.

        Raises:
            InvalidInputError: the observable, the relationship name, the limit or the cursor
                is not valid (raised by this call).
            NotFoundError: VirusTotal does not know the observable (raised while iterating).
            AuthenticationError: the key was refused or may not use this relationship (many
                are premium-only; raised while iterating).

        Examples:
            >>> async def resolutions(vt: VirusTotalClient) -> list[str]:
            ...     first = vt.relationships("example.com", "resolutions", limit=20)
            ...     ids = [o.id async for o in first]
            ...     if first.cursor is not None:  # more to come: go on from there later
            ...         ids += [o.id async for o in vt.relationships(
            ...             "example.com", "resolutions", limit=20, cursor=first.cursor)]
            ...     return ids
        """
        target = resolve_target(observable, kind)
        if not target.valid:
            raise InvalidInputError(
                f"cannot follow relationships of {observable!r}: {target.error}"
            )
        if not _RELATIONSHIP_NAME.fullmatch(name):
            raise InvalidInputError(f"{name!r} is not a relationship name (e.g. 'resolutions')")
        if limit is not None and limit < 1:
            raise InvalidInputError(f"limit must be at least 1, got {limit}")
        start = RelationshipCursor.parse(cursor) if cursor is not None else None
        path = (
            f"{target.path}/relationships/{name}" if descriptors_only else f"{target.path}/{name}"
        )

        async def fetch_page(page: str | None, size: int) -> Any:
            return await self._api.get_json(path, params={"limit": size, "cursor": page})

        return VtRelationships(
            fetch_page, label=f"{target.cache_key}/{name}", limit=limit, start=start
        )

    # -- batch engine ----------------------------------------------------------------------

    async def _lookup_items(
        self,
        items: Sequence[tuple[str, Target]],
        progress: ProgressOption,
    ) -> list[VtReport]:
        targets: dict[str, Target] = {}
        for _, target in items:
            if target.valid:
                targets.setdefault(target.cache_key, target)
        cached = await self._cached(targets)

        async def resolve(target: Target) -> VtReport:
            hit = cached.get(target.cache_key)
            return hit if hit is not None else await self._fetch(target)

        outcomes = await run_batch(
            targets.values(),
            resolve,
            limits=self._api.limits,
            key=_cache_key,
            progress=progress,
            description="VirusTotal",
        )
        results = {_cache_key(outcome.item): _report_of(outcome) for outcome in outcomes}
        skipped = sum(o.status is BatchStatus.QUOTA_EXHAUSTED for o in outcomes)
        if skipped:
            _log.warning("the VirusTotal quota is exhausted; %d lookups were skipped", skipped)
        reports = []
        for text, target in items:
            if not target.valid:
                reports.append(report_without_data(text, target, VtStatus.INVALID, target.error))
                continue
            shared = results[target.cache_key]
            reports.append(
                shared if shared.observable == text else attrs.evolve(shared, observable=text)
            )
        return reports

    async def _cached(self, targets: Mapping[str, Target]) -> dict[str, VtReport]:
        """The reports the cache already holds for ``targets`` (none without a cache)."""
        if self.cache is None or not targets:
            return {}
        results: dict[str, VtReport] = {}
        for key, hit in (await self.cache.get_many(list(targets))).items():
            target = targets[key]
            results[key] = (
                report_from_object(target.key or "", target, hit.data)
                if hit.status == VtStatus.FOUND and hit.data is not None
                else report_without_data(target.key or "", target, VtStatus.NOT_FOUND)
            )
        return results

    async def _fetch(self, target: Target) -> VtReport:
        observable = target.key or ""
        try:
            body = await self._api.get_json(target.path)
        except NotFoundError:
            report = report_without_data(observable, target, VtStatus.NOT_FOUND)
            await self._store(target, report, None)
            return report
        except (AuthenticationError, QuotaExceededError):
            raise
        except ApiStatusError as exc:
            # VirusTotal's own validation is stricter than ours in places: a value it rejects
            # is an invalid value, like one we never sent, not a failed lookup.
            rejected = exc.status_code == 400 and exc.service_code == _INVALID_ARGUMENT
            status = VtStatus.INVALID if rejected else VtStatus.ERROR
            return report_without_data(observable, target, status, str(exc))
        except ApiError as exc:
            return report_without_data(observable, target, VtStatus.ERROR, str(exc))
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, Mapping):
            return report_without_data(
                observable, target, VtStatus.ERROR, "the answer has no 'data' object"
            )
        report = report_from_object(observable, target, data)
        await self._store(target, report, data)
        return report

    async def _store(
        self, target: Target, report: VtReport, data: Mapping[str, Any] | None
    ) -> None:
        if self.cache is None or report.status not in _CACHED_STATUSES:
            return
        try:
            await self.cache.put(target.cache_key, report.status.value, data)
        except Exception as exc:  # a cache failure must not fail the lookup
            _log.warning("could not cache %s: %s", target.cache_key, exc)


def _cache_key(target: Target) -> str:
    return target.cache_key


def _report_of(outcome: BatchResult[Target, VtReport]) -> VtReport:
    """One target's report from its batch outcome (``_fetch`` turns failures into reports)."""
    if outcome.value is not None:
        return outcome.value
    target, exc = outcome.item, outcome.error
    if outcome.status is BatchStatus.QUOTA_EXHAUSTED:
        reason = exc.args[0] if exc is not None and exc.args else exc
        return report_without_data(
            target.key or "",
            target,
            VtStatus.QUOTA_EXHAUSTED,
            f"skipped: the VirusTotal quota is exhausted ({reason})",
        )
    return report_without_data(target.key or "", target, VtStatus.ERROR, str(exc))
