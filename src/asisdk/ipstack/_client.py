"""The IPStack client: single and bulk lookups on the shared HTTP layer."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import httpx

from asisdk._geo_frame import column_values, results_to_frame
from asisdk._geo_inputs import IpInput, classify, located
from asisdk._http import (
    ApiClient,
    BatchStatus,
    ProgressOption,
    RequestLimits,
    RetryPolicy,
    ServiceClient,
    run_batch,
)
from asisdk._http._service import limits_or_shortcuts
from asisdk.config import Config, Secret, resolve_secret
from asisdk.entities import GeoLocation, IpAddress
from asisdk.errors import (
    ApiError,
    ApiStatusError,
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    QuotaExceededError,
)
from asisdk.geo import GeoResult, GeoStatus
from asisdk.ipstack import _defaults
from asisdk.ipstack._parse import (
    body_error,
    ipstack_error_parser,
    location_from_record,
    records_from_body,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["IPStackClient"]

_log = logging.getLogger("asisdk.ipstack")

#: One address's answer: status, location, error text.
_Answer = tuple[GeoStatus, GeoLocation | None, str | None]
_MISSING: Final[_Answer] = (GeoStatus.ERROR, None, "no answer for this address")


class IPStackClient(ServiceClient):
    """Async client of the IPStack geolocation API (api.ipstack.com).

    Non-public addresses (private, loopback, link-local, ...) and strings that are not IP
    addresses are never sent; they come back with status ``private`` / ``invalid``. The
    access key must travel in the query string (the API accepts it nowhere else); it is
    masked in this client's repr, its log lines, httpx's log lines and every exception.

    Args:
        api_key: the access key; by default ``ASISDK_IPSTACK_API_KEY``, then
            ``[ipstack] api_key`` in the config file.
        base_url: the API root (tests point it at ``http://127.0.0.1:PORT``).
        retry: the retry policy (``RetryPolicy(instant=True)`` in tests).
        limits: every client-side limit; when given, the shortcuts below are not
            read.
        timeout: timeouts of the owned HTTP client.
        http_client: an ``httpx.AsyncClient`` to use (not closed by this client).
        config: an already loaded configuration (for the key).
        bulk: pack up to 50 addresses per request (needs a Professional plan or higher;
            otherwise IPStack answers error 303 and this client raises ``ConfigurationError``).
        allow_http: allow a plain-http ``base_url`` (IPStack's free plan refuses HTTPS with
            error 105). The key then crosses the network in clear text: use only if you accept
            that.
        requests_per_minute: shortcut: client-side rate limit; ``None`` for none.
        max_concurrency: shortcut: requests in flight at once.

    Raises:
        ConfigurationError: no access key was found; the message says where it was looked for.

    Examples:
        >>> async def locate() -> None:
        ...     async with IPStackClient(bulk=True) as ipstack:
        ...         ip = await ipstack.lookup("134.201.250.155")
        ...         results = await ipstack.lookup_many(["8.8.8.8", "10.0.0.1"])
    """

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
        bulk: bool = False,
        allow_http: bool = False,
        requests_per_minute: float | None = _defaults.REQUESTS_PER_MINUTE,
        max_concurrency: int = _defaults.MAX_CONCURRENCY,
    ) -> None:
        key = resolve_secret(_defaults.API_KEY_SETTING, api_key, config=config)
        assert key is not None
        limits = limits_or_shortcuts(
            limits,
            {"requests_per_minute": requests_per_minute, "max_concurrency": max_concurrency},
        )
        self._keep_options(
            api_key=key,
            base_url=base_url,
            retry=retry,
            limits=limits,
            timeout=timeout,
            http_client=http_client,
            config=config,
            bulk=bulk,
            allow_http=allow_http,
        )
        self._bulk = bulk
        self._api = ApiClient(
            service="ipstack",
            base_url=base_url,
            params={_defaults.KEY_PARAM: key},
            # masked in our errors and, by the HTTP layer's one log filter, in every httpx and
            # httpcore record (request lines, a redirect's Location header)
            masked_params=(_defaults.KEY_PARAM,),
            headers={"Accept": "application/json"},
            limits=limits,
            retry=retry,
            http_client=http_client,
            error_parser=ipstack_error_parser,
            allow_http=allow_http,
            timeout=timeout,
        )

    @property
    def bulk(self) -> bool:
        """Whether up to 50 addresses are packed per request."""
        return self._bulk

    def __repr__(self) -> str:
        return (
            f"IPStackClient(base_url={self._api.base_url!r}, bulk={self.bulk}, "
            f"limits={self._api.limits!r})"
        )

    # -- lookups ---------------------------------------------------------------------------

    async def lookup(self, ip: IpInput) -> IpAddress:
        """Locate one address.

        Returns:
            A new ``IpAddress`` with ``location`` when IPStack locates it; non-public
            addresses (not sent) and unlocatable ones come back without a location.

        Raises:
            InvalidInputError: ``ip`` is not an IP address (checked locally, or IPStack's
                error 106).
            AuthenticationError: the key is missing, wrong or inactive (101, 102).
            QuotaExceededError: the monthly allowance is used up (104).
            ConfigurationError: the plan does not allow HTTPS or this function (105); the
                message says which, and what to change.
            ApiError: any other failure after retries.

        Examples:
            >>> async def where(ipstack: IPStackClient) -> str | None:
            ...     ip = await ipstack.lookup("134.201.250.155")
            ...     return ip.location.city if ip.location else None
        """
        item = classify(ip)
        if item.final is not None:
            if item.final.status is GeoStatus.INVALID or item.final.ip is None:
                raise InvalidInputError(item.final.error or f"{ip!r} is not an IP address")
            return item.final.ip
        try:
            answers = await self._request([item.address])
        except ApiStatusError as exc:
            if exc.service_code == str(_defaults.CODE_INVALID_IP):
                raise InvalidInputError(f"IPStack rejected {item.address}: {exc}") from exc
            raise
        status, location, error = answers.get(item.address, _MISSING)
        if status is GeoStatus.ERROR:
            raise ApiError(error or "IPStack gave no answer", service="ipstack")
        result = located(item, status, location, error)
        assert result.ip is not None
        return result.ip

    async def lookup_many(
        self, ips: Iterable[IpInput], *, progress: ProgressOption = None
    ) -> list[GeoResult]:
        """Locate many addresses; one :class:`~asisdk.geo.GeoResult` per input, in order.

        Distinct public addresses are sent once each (with ``bulk=True``, 50 per request);
        duplicates share the answer. Statuses: ``found``, ``not_found``, ``private`` (not
        sent), ``invalid`` (not sent, or IPStack's error 106), ``error`` (failed after retries;
        ``error`` says why) and ``quota_exhausted`` (the monthly allowance ran out first).

        Args:
            ips: the addresses (strings, ``ipaddress`` objects or ``IpAddress`` entities).
            progress: a ``callback(done, total)`` over distinct public addresses, a tqdm-like
                bar, or ``True`` for a tqdm bar.

        Raises:
            AuthenticationError: the key was refused; nothing else could succeed.
            ConfigurationError: the plan does not allow HTTPS or this function (105), or
                bulk requests (303).

        Examples:
            >>> async def batch(ipstack: IPStackClient) -> list[str]:
            ...     results = await ipstack.lookup_many(["8.8.8.8", "10.0.0.1", "nope"])
            ...     return [r.status.value for r in results]  # found, private, invalid
        """
        items = [classify(value) for value in ips]
        pending = list(dict.fromkeys(item.address for item in items if item.final is None))
        answers = await self._resolve(pending, progress)
        return [
            item.final
            if item.final is not None
            else located(item, *answers.get(item.address, _MISSING))
            for item in items
        ]

    async def lookup_frame(
        self, df: pd.DataFrame, column: str, *, progress: ProgressOption = None
    ) -> pd.DataFrame:
        """Locate the addresses in ``df[column]``; return ``df`` with location columns.

        The added columns are the same as :meth:`asisdk.geo.GeoIpDatabase.lookup_frame`'s
        (``geo_status``, ``ip_type``, ``country_code``, ... ``geo_error``); every row is kept.

        Raises:
            InvalidInputError: ``column`` is not in ``df``.
            AuthenticationError, ConfigurationError: as for :meth:`lookup_many`.

        Examples:
            >>> async def enrich(ipstack: IPStackClient, df: "pd.DataFrame") -> "pd.DataFrame":
            ...     return await ipstack.lookup_frame(df, "SourceIP")
        """
        values = column_values(df, column)
        results = await self.lookup_many(values, progress=progress)  # type: ignore[arg-type]
        return results_to_frame(df, results)

    # -- batch engine ----------------------------------------------------------------------

    async def _resolve(
        self, addresses: Sequence[str], progress: ProgressOption = None
    ) -> dict[str, _Answer]:
        size = _defaults.BULK_SIZE if self.bulk else 1
        chunks = [
            tuple(addresses[start : start + size]) for start in range(0, len(addresses), size)
        ]
        outcomes = await run_batch(
            chunks,
            self._fetch,
            limits=self._api.limits,
            progress=progress,
            weight=len,
            fatal=(AuthenticationError, ConfigurationError),
            description="IPStack",
        )
        answers: dict[str, _Answer] = {}
        skipped = 0
        for outcome in outcomes:
            if outcome.value is not None:
                answers.update(outcome.value)
                continue
            if outcome.status is BatchStatus.QUOTA_EXHAUSTED:
                skipped += len(outcome.item)
                answer: _Answer = (
                    GeoStatus.QUOTA_EXHAUSTED,
                    None,
                    f"skipped: the IPStack quota is used up ({outcome.error})",
                )
            else:
                answer = (GeoStatus.ERROR, None, str(outcome.error))
            answers.update(dict.fromkeys(outcome.item, answer))
        if skipped:
            _log.warning("the IPStack quota is used up; %d addresses were skipped", skipped)
        return answers

    async def _fetch(self, chunk: Sequence[str]) -> dict[str, _Answer]:
        """Answers for one request's addresses; error rows for failures that concern only it."""
        try:
            return await self._request(chunk)
        except (AuthenticationError, QuotaExceededError, ConfigurationError):
            raise
        except ApiStatusError as exc:
            if exc.service_code == str(_defaults.CODE_INVALID_IP):
                if len(chunk) == 1:
                    return {chunk[0]: (GeoStatus.INVALID, None, f"IPStack: {exc}")}
                # One bad address fails a bulk request: ask for each to find which.
                singles: dict[str, _Answer] = {}
                for address in chunk:
                    singles.update(await self._fetch([address]))
                return singles
            return {address: (GeoStatus.ERROR, None, str(exc)) for address in chunk}
        except ApiError as exc:
            return {address: (GeoStatus.ERROR, None, str(exc)) for address in chunk}

    async def _request(self, chunk: Sequence[str]) -> dict[str, _Answer]:
        try:
            body = await self._api.get_json("/" + ",".join(chunk))
        except ApiStatusError as exc:
            config_error = _configuration_error(exc)
            if config_error is not None:
                raise config_error from exc
            raise
        records = records_from_body(body)
        answers: dict[str, _Answer] = {}
        by_address = {_normalise(record.get("ip")): record for record in records}
        for address in chunk:
            record = by_address.get(address)
            if record is None and len(chunk) == 1 and len(records) == 1:
                record = records[0]  # a single answer that spells the address differently
            answers[address] = _answer(record)
        return answers


def _answer(record: Mapping[str, Any] | None) -> _Answer:
    if record is None:
        return GeoStatus.ERROR, None, "IPStack's answer has no record for this address"
    problem = body_error(record)
    if problem is not None:
        code, message = problem
        status = GeoStatus.INVALID if code == _defaults.CODE_INVALID_IP else GeoStatus.ERROR
        return status, None, f"IPStack error {code}: {message}"
    location = location_from_record(record)
    if location is None:
        return GeoStatus.NOT_FOUND, None, None
    return GeoStatus.FOUND, location, None


def _normalise(value: object) -> str | None:
    return (classify(value).address or None) if isinstance(value, str) else None


#: What to change when IPStack refuses a request with error 105, by the error ``type`` named.
_ACCESS_ADVICE: Final = {
    _defaults.TYPE_HTTPS_RESTRICTED: (
        "the plan does not allow HTTPS: upgrade the plan, or pass "
        "base_url='http://api.ipstack.com' with allow_http=True (the key then travels "
        "in clear text)"
    ),
    _defaults.TYPE_FUNCTION_RESTRICTED: (
        "the plan does not include this function (for example bulk lookups, or the "
        "hostname, security or language options): upgrade the plan, or stop using "
        "the function (bulk=False for bulk lookups)"
    ),
}
#: The advice when the error names neither type.
_EITHER_ADVICE: Final = (
    "the plan lacks HTTPS (use http with allow_http=True) or this function (for "
    "example bulk: use bulk=False); or upgrade the plan"
)


def _configuration_error(exc: ApiStatusError) -> ConfigurationError | None:
    if exc.service_code == str(_defaults.CODE_ACCESS_RESTRICTED):
        message = str(exc.args[0]) if exc.args else ""  # "GET ... -> type: info"
        advice = next(
            (text for kind, text in _ACCESS_ADVICE.items() if f"{kind}:" in message),
            _EITHER_ADVICE,
        )
        return ConfigurationError(
            f"IPStack refused the request because {advice} (error 105: {exc})."
        )
    if exc.service_code == str(_defaults.CODE_BULK_NOT_SUPPORTED):
        return ConfigurationError(
            f"the IPStack plan does not allow bulk requests (error 303: {exc}); create the "
            "client with bulk=False, or upgrade to a Professional plan"
        )
    return None
