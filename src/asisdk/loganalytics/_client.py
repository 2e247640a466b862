"""LogAnalyticsClient: async queries against the Log Analytics REST API, split by time.

Sans-I/O core, thin I/O shell: :func:`build_body` / :func:`prefer_header` build a request,
:func:`parse_response` reads one, and :meth:`LogAnalyticsClient.query` only sends. Transport,
limits (200 requests per 30 s, 5 in flight), retries (429 honouring ``Retry-After``, 5xx) and
secret masking come from the shared :mod:`asisdk._http` layer.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from itertools import chain
from typing import Any

import attrs
import httpx

from asisdk._http import ApiClient, RateLimit, RequestLimits, RetryPolicy, ServiceClient
from asisdk.config import Config, Secret, load_config, resolve_setting
from asisdk.entities import TimeSpan
from asisdk.errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    LimitExceededError,
    QuerySyntaxError,
    QueryTimeoutError,
)
from asisdk.loganalytics import _defaults
from asisdk.loganalytics._errors import (
    QUERY_STATUSES,
    body_error,
    error_info,
    loganalytics_error_parser,
    with_correlation,
)
from asisdk.loganalytics._result import (
    ChunkResult,
    Column,
    QueryErrorInfo,
    QueryResult,
    QueryStatus,
    Table,
)
from asisdk.loganalytics.auth import TokenCredential, credential_from_config

__all__ = ["LogAnalyticsClient", "TimeSpanLike", "build_body", "parse_response", "prefer_header"]

_SERVICE = "loganalytics"
_WORKSPACE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_.]{0,127}$")
_TRUNCATION_MARKERS = (
    "E_QUERY_RESULT_SET_TOO_LARGE",
    "exceeded the internal data size limit",
    "result set has exceeded",
    "Query result set has exceeded",
)

#: What ``timespan=`` accepts.
TimeSpanLike = TimeSpan | timedelta | tuple[Any, Any] | None


def _iso(moment: Any) -> str:
    return str(moment.strftime("%Y-%m-%dT%H:%M:%S.%f"))


def timespan_text(span: TimeSpan, *, exclusive_end: bool = False) -> str:
    """The ``timespan`` request value; ``exclusive_end`` stops one tick (100 ns) before ``end``.

    Log Analytics times have 100 ns ticks, so a chunk ending at ``end - 100ns`` and the next
    starting at ``end`` never both hold a row stamped exactly at the boundary.

    Examples:
        >>> span = TimeSpan(start="2024-05-01T00:00:00Z", end="2024-05-01T06:00:00Z")
        >>> timespan_text(span, exclusive_end=True)
        '2024-05-01T00:00:00.0000000Z/2024-05-01T05:59:59.9999999Z'
    """
    start = _iso(span.start) + "0Z"
    if exclusive_end:
        end = _iso(span.end - timedelta(microseconds=1)) + "9Z"
    else:
        end = _iso(span.end) + "0Z"
    return f"{start}/{end}"


def build_body(
    query: str, *, timespan: str | None, additional_workspaces: Sequence[str] = ()
) -> dict[str, Any]:
    """The JSON body of a query request.

    Examples:
        >>> build_body("Heartbeat | count", timespan="PT1H")
        {'query': 'Heartbeat | count', 'timespan': 'PT1H'}
    """
    body: dict[str, Any] = {"query": query}
    if timespan is not None:
        body["timespan"] = timespan
    if additional_workspaces:
        body["workspaces"] = list(additional_workspaces)
    return body


def prefer_header(
    *, server_timeout: int, include_statistics: bool, include_render: bool = False
) -> str:
    """The ``Prefer`` header: the server-side wait, statistics and render hints when asked for.

    Examples:
        >>> prefer_header(server_timeout=180, include_statistics=True)
        'wait=180,include-statistics=true'
        >>> prefer_header(server_timeout=600, include_statistics=True, include_render=True)
        'wait=600,include-statistics=true,include-render=true'
    """
    parts = [f"wait={server_timeout}"]
    if include_statistics:
        parts.append("include-statistics=true")
    if include_render:
        parts.append("include-render=true")
    return ",".join(parts)


def _tables(body: Mapping[str, Any]) -> tuple[Table, ...]:
    tables: list[Table] = []
    for raw in body.get("tables") or ():
        if not isinstance(raw, Mapping):
            continue
        columns = tuple(
            Column(name=str(c.get("name", f"Column{i}")), type=str(c.get("type", "string")))
            for i, c in enumerate(raw.get("columns") or ())
            if isinstance(c, Mapping)
        )
        rows = raw.get("rows") or []
        tables.append(Table(name=str(raw.get("name", "PrimaryResult")), columns=columns, rows=rows))
    return tuple(tables)


def _truncation_hint(tables: Sequence[Table], error: QueryErrorInfo | None) -> str | None:
    texts = () if error is None else (error.message, *error.details)
    if any(marker in text for text in texts for marker in _TRUNCATION_MARKERS):
        return (
            "the result hit the service's 64 MB size limit and was truncated; narrow the query "
            "or split it with split_by=timedelta(...)"
        )
    if any(t.row_count >= _defaults.MAX_ROWS for t in tables):
        return (
            f"the result reached the service's {_defaults.MAX_ROWS:,}-row limit and is probably "
            "truncated; narrow the query or split it with split_by=timedelta(...)"
        )
    return None


def parse_response(
    body: Mapping[str, Any], *, query: str = "", timespan: TimeSpan | None = None
) -> QueryResult:
    """Read a 200 answer: tables, a ``PartialError`` (rows kept) or a failure, statistics.

    Examples:
        >>> result = parse_response({"tables": [{"name": "PrimaryResult",
        ...     "columns": [{"name": "n", "type": "long"}], "rows": [[1]]}],
        ...     "error": {"code": "PartialError", "message": "some errors"}})
        >>> result.status.value, result.row_count
        ('partial', 1)
    """
    tables = _tables(body)
    error = error_info(body.get("error"))
    hint = _truncation_hint(tables, error)
    if error is None:
        status = QueryStatus.SUCCESS if hint is None else QueryStatus.PARTIAL
    elif tables:
        status = QueryStatus.PARTIAL
    else:
        status = QueryStatus.FAILURE
    statistics = body.get("statistics")
    render = body.get("render")
    return QueryResult(
        status=status,
        tables=tables,
        error=error,
        statistics=statistics if isinstance(statistics, Mapping) else None,
        render=render if isinstance(render, Mapping) else None,
        timespan=timespan,
        hints=() if hint is None else (hint,),
        query=query,
        truncated=hint is not None,
    )


def _coerce_span(timespan: TimeSpanLike) -> TimeSpan | None:
    if timespan is None:
        return None
    try:
        return TimeSpan.coerce(timespan)
    except InvalidInputError:
        raise
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"timespan must be a TimeSpan, a (start, end) pair or a timedelta, not {timespan!r}"
        ) from exc


class LogAnalyticsClient(ServiceClient):
    """Async client of one Log Analytics workspace.

    Args:
        workspace_id: the workspace (customer) id, a GUID.
        credential: gives bearer tokens (:mod:`asisdk.loganalytics.auth`); by default the
            one the settings describe (:func:`~asisdk.loganalytics.auth.credential_from_config`).
        base_url: the query host; ``https://api.loganalytics.azure.com`` and sovereign hosts
            work too; tests use ``http://127.0.0.1:PORT``.
        retry: the retry policy (429 honouring ``Retry-After``, 5xx, transport errors).
        limits: every client-side limit (``max_concurrency`` is then not read); by default
            200 requests per 30 s and ``max_concurrency``.
        timeout: timeouts of the owned HTTP client; by default a read timeout of
            ``server_timeout`` plus 30 s, so it follows ``server_timeout``.
        http_client: an ``httpx.AsyncClient`` to use (not closed by this client).
        config: an already loaded configuration (for the default credential).
        server_timeout: seconds the service may run a query (``Prefer: wait``; at most 600).
            The request deadline (``RequestLimits.request_deadline``, 5 minutes by default) is
            raised to at least ``server_timeout`` plus 30 s, so a long query is never cut short.
        max_concurrency: shortcut: queries in flight at once (the service allows 5 per
            identity).
        sleep: the coroutine used between retries (inject to observe waits).

    Examples:
        >>> from asisdk.loganalytics.auth import StaticTokenCredential
        >>> client = LogAnalyticsClient("0b1a7c6e-0000-4000-8000-000000000000",
        ...                             credential=StaticTokenCredential("token"))
        >>> client.base_url
        'https://api.loganalytics.io'
        >>> # async with client: result = await client.query("SigninLogs | take 10",
        >>> #     timespan=timedelta(days=1)); frame = result.to_frame()
    """

    def __init__(
        self,
        workspace_id: str,
        *,
        credential: TokenCredential | None = None,
        base_url: str = _defaults.BASE_URL,
        retry: RetryPolicy | None = None,
        limits: RequestLimits | None = None,
        timeout: httpx.Timeout | None = None,
        http_client: httpx.AsyncClient | None = None,
        config: Config | None = None,
        server_timeout: int = _defaults.SERVER_TIMEOUT,
        max_concurrency: int = _defaults.MAX_CONCURRENCY,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not _WORKSPACE.match(workspace_id or ""):
            raise ConfigurationError(
                f"workspace_id {workspace_id!r} is not a workspace id; copy the Workspace ID "
                "(a GUID) from the workspace's overview page"
            )
        if not 1 <= server_timeout <= _defaults.MAX_SERVER_TIMEOUT:
            raise ConfigurationError(
                f"server_timeout must be 1..{_defaults.MAX_SERVER_TIMEOUT} seconds, "
                f"got {server_timeout}"
            )
        if max_concurrency < 1:
            raise ConfigurationError(f"max_concurrency must be at least 1, got {max_concurrency}")
        if credential is None:
            credential = credential_from_config(config=config)
        if not callable(getattr(credential, "get_token", None)):
            raise ConfigurationError(
                "credential must have an async get_token() (see asisdk.loganalytics.auth)"
            )
        if limits is None:
            limits = RequestLimits(
                rates=(
                    RateLimit(max_requests=_defaults.RATE_REQUESTS, period=_defaults.RATE_PERIOD),
                ),
                max_concurrency=max_concurrency,
            )
        self._keep_options(
            workspace_id=workspace_id,
            credential=credential,
            base_url=base_url,
            retry=retry,
            limits=limits,
            timeout=timeout,
            http_client=http_client,
            config=config,
            server_timeout=server_timeout,
            sleep=sleep,
        )
        self._workspace_id = workspace_id
        self._credential = credential
        self._server_timeout = server_timeout
        # A query may run server_timeout seconds: the read timeout follows it, and the request
        # deadline never cuts such a query short.
        floor = server_timeout + _defaults.READ_TIMEOUT_MARGIN
        if timeout is None:
            timeout = httpx.Timeout(connect=10.0, read=floor, write=30.0, pool=floor)
        if limits.request_deadline is not None and limits.request_deadline < floor:
            limits = attrs.evolve(limits, request_deadline=floor)
        self._api = ApiClient(
            service=_SERVICE,
            base_url=base_url,
            limits=limits,
            retry=retry,
            http_client=http_client,
            timeout=timeout,
            error_parser=loganalytics_error_parser,
            sleep=sleep,
        )

    @property
    def workspace_id(self) -> str:
        """The workspace queried."""
        return self._workspace_id

    @property
    def credential(self) -> TokenCredential:
        """The credential giving bearer tokens."""
        return self._credential

    @property
    def server_timeout(self) -> int:
        """Seconds the service may run a query."""
        return self._server_timeout

    @property
    def max_concurrency(self) -> int:
        """Queries in flight at once."""
        return self.limits.max_concurrency

    @classmethod
    def from_config(
        cls,
        *,
        workspace_id: str | None = None,
        credential: TokenCredential | None = None,
        config: Config | None = None,
        **options: Any,
    ) -> LogAnalyticsClient:
        """A client with the workspace and credential from the environment or config file.

        ``workspace_id`` comes from the argument, ``ASISDK_LOGANALYTICS_WORKSPACE_ID`` or
        ``loganalytics.workspace_id``; ``base_url`` may be set as ``loganalytics.base_url``;
        the credential from :func:`~asisdk.loganalytics.auth.credential_from_config`.
        Other keyword options go to the constructor.

        Examples:
            >>> from asisdk.config import Config
            >>> LogAnalyticsClient.from_config(config=Config(data={"loganalytics": {
            ...     "workspace_id": "0b1a7c6e-0000-4000-8000-000000000000",
            ...     "client_id": "app"}})).credential
            DeviceCodeCredential(tenant_id='organizations', client_id='app', authority='https://login.microsoftonline.com/organizations', scope='https://api.loganalytics.io/.default')

        Raises:
            ConfigurationError: the workspace id or the credential is configured nowhere.
        """  # noqa: E501
        cfg = config if config is not None else load_config()
        workspace = resolve_setting("loganalytics.workspace_id", workspace_id, config=cfg)
        if not workspace:
            raise ConfigurationError(
                "no Log Analytics workspace: pass workspace_id=, set "
                "ASISDK_LOGANALYTICS_WORKSPACE_ID, or add workspace_id to the [loganalytics] "
                "table of the config file"
            )
        base_url = resolve_setting("loganalytics.base_url", None, config=cfg)
        if base_url and "base_url" not in options:
            options["base_url"] = base_url
        return cls(
            workspace,
            credential=credential if credential is not None else credential_from_config(config=cfg),
            **options,
        )

    def __repr__(self) -> str:
        return (
            f"LogAnalyticsClient(workspace_id={self.workspace_id!r}, base_url={self.base_url!r}, "
            f"credential={self.credential!r}, server_timeout={self.server_timeout})"
        )

    @property
    def base_url(self) -> str:
        """The query host."""
        return self._api.base_url

    async def query(
        self,
        kql: str,
        *,
        timespan: TimeSpanLike,
        additional_workspaces: Sequence[str] = (),
        split_by: timedelta | None = None,
        include_statistics: bool = False,
        include_render: bool = False,
    ) -> QueryResult:
        """Run a KQL query and return a typed result.

        Args:
            kql: the query text.
            timespan: a :class:`TimeSpan`, a ``(start, end)`` pair, a timedelta ending now, or
                ``None`` for no time constraint (the query's own filters still apply).
            additional_workspaces: further workspaces (ids, names or resource ids) to query.
            split_by: cut ``timespan`` into chunks of this length that run concurrently (up to
                ``max_concurrency``) and are re-assembled in time order; a failed chunk makes
                the result ``partial`` and is named in ``result.chunks``.
            include_statistics: ask for the service's query statistics.
            include_render: ask for the query's ``| render`` visualisation hints
                (``result.render``).

        Returns:
            A :class:`QueryResult`: ``success``, ``partial`` (rows kept; see ``error`` and
            ``hints``) or ``failure``.

        Raises:
            QuerySyntaxError: the service rejected the query (400); ``details`` holds the inner
                messages.
            QueryTimeoutError: the query ran past ``server_timeout`` (504); split it.
            AuthenticationError: the token was refused (401 / 403) or could not be obtained.
            RateLimitedError, ServerError, TransportError: after the retries (single queries;
                a split query records these per chunk instead).

        Examples:
            >>> # result = await client.query("SecurityEvent | where EventID == 4625",
            >>> #                             timespan=TimeSpan.last(days=7),
            >>> #                             split_by=timedelta(days=1))
        """
        if not kql or not kql.strip():
            raise InvalidInputError("the query text is empty")
        workspaces = list(additional_workspaces)
        if len(workspaces) > _defaults.MAX_WORKSPACES:
            raise LimitExceededError(
                f"at most {_defaults.MAX_WORKSPACES} additional workspaces per query, "
                f"got {len(workspaces)}",
                limit="additional_workspaces",
                value=_defaults.MAX_WORKSPACES,
            )
        span = _coerce_span(timespan)
        if split_by is None:
            text = None if span is None else timespan_text(span)
            return await self._query_once(
                kql, text, span, workspaces, include_statistics, include_render
            )
        if span is None:
            raise InvalidInputError("split_by needs a timespan to split")
        if split_by <= timedelta(0):
            raise InvalidInputError(f"split_by must be a positive timedelta, got {split_by!r}")
        if span.duration / split_by > _defaults.MAX_CHUNKS:
            raise LimitExceededError(
                f"splitting {span.duration} by {split_by} gives more than "
                f"{_defaults.MAX_CHUNKS} chunks; use a longer split_by",
                limit="max_chunks",
                value=_defaults.MAX_CHUNKS,
            )
        return await self._query_split(
            kql, span, split_by, workspaces, include_statistics, include_render
        )

    # -- one request -----------------------------------------------------------------------

    async def _query_once(
        self,
        kql: str,
        timespan: str | None,
        span: TimeSpan | None,
        workspaces: Sequence[str],
        include_statistics: bool,
        include_render: bool,
    ) -> QueryResult:
        token = await self.credential.get_token()
        headers: dict[str, str | Secret] = {
            "Authorization": Secret(f"Bearer {token.token.get()}"),
            "Prefer": prefer_header(
                server_timeout=self.server_timeout,
                include_statistics=include_statistics,
                include_render=include_render,
            ),
        }
        response = await self._api.request(
            "POST",
            f"/v1/workspaces/{self.workspace_id}/query",
            headers=headers,
            json=build_body(kql, timespan=timespan, additional_workspaces=workspaces),
            idempotent=True,
        )
        # The service may echo the request (Authorization header included) in any message it
        # sends back: every text taken from an answer is masked with the token registered.
        masker = self._api.masker.with_secrets([token.token])
        if response.status_code in QUERY_STATUSES:
            try:
                info = body_error(response)
            except RecursionError:  # JSON nested too deeply to decode: keep the raw text
                info = None
            if response.status_code == 400:
                message = info.message if info is not None else response.text[:500]
                raise QuerySyntaxError(
                    masker.text(
                        with_correlation(f"Log Analytics rejected the query: {message}", info)
                    ),
                    details=tuple(masker.text(d) for d in info.details) if info is not None else (),
                )
            service = with_correlation(f": {info.message}" if info and info.message else "", info)
            raise QueryTimeoutError(
                masker.text(
                    f"the query ran longer than the server timeout ({self.server_timeout}s)"
                    f"{service}; split the time range with split_by=timedelta(...), narrow the "
                    f"query, or raise server_timeout (at most {_defaults.MAX_SERVER_TIMEOUT}s)"
                )
            )
        body = self._api.decode_json(response)
        if not isinstance(body, Mapping):
            raise InvalidInputError("Log Analytics answered with JSON that is not an object")
        result = parse_response(body, query=kql, timespan=span)
        if result.error is None:
            return result
        error = result.error
        masked = attrs.evolve(
            error,
            message=masker.text(error.message),
            details=tuple(masker.text(d) for d in error.details),
        )
        return attrs.evolve(result, error=masked)

    # -- split queries ---------------------------------------------------------------------

    async def _query_split(
        self,
        kql: str,
        span: TimeSpan,
        split_by: timedelta,
        workspaces: Sequence[str],
        include_statistics: bool,
        include_render: bool,
    ) -> QueryResult:
        pieces = span.split(split_by)
        last = len(pieces) - 1

        async def run(
            piece: TimeSpan, exclusive_end: bool, depth: int
        ) -> list[tuple[TimeSpan, QueryResult | Exception]]:
            try:
                outcome: QueryResult | Exception = await self._query_once(
                    kql,
                    timespan_text(piece, exclusive_end=exclusive_end),
                    piece,
                    workspaces,
                    include_statistics,
                    include_render,
                )
            except Exception as exc:  # kept per chunk; sorted out below
                outcome = exc
            if (
                isinstance(outcome, QueryResult)
                and outcome.truncated
                and depth < _defaults.MAX_BISECT_DEPTH
                and piece.duration >= 2 * _defaults.MIN_BISECT_CHUNK
            ):
                # the chunk hit the service's result limit: halve it and ask again
                middle = piece.start + piece.duration / 2
                left, right = await asyncio.gather(
                    run(TimeSpan(start=piece.start, end=middle), True, depth + 1),
                    run(TimeSpan(start=middle, end=piece.end), exclusive_end, depth + 1),
                )
                return left + right
            return [(piece, outcome)]

        nested = await asyncio.gather(
            *(run(piece, index < last, 0) for index, piece in enumerate(pieces))
        )
        flat = [item for group in nested for item in group]
        outcomes = [outcome for _, outcome in flat]
        # Errors about the query or the identity are the same for every chunk: raise them.
        for outcome in outcomes:
            if isinstance(outcome, QuerySyntaxError | AuthenticationError):
                raise outcome
            if isinstance(outcome, Exception) and not isinstance(
                outcome, ApiError | QueryTimeoutError
            ):
                raise outcome
        result = _assemble(kql, span, [piece for piece, _ in flat], outcomes)
        if len(flat) > len(pieces):
            result = attrs.evolve(
                result,
                hints=(
                    *result.hints,
                    f"{len(flat) - len(pieces)} extra chunk(s) were run because chunks hit the "
                    "service's result limit and were halved",
                ),
            )
        return result


def _chunk_error(exc: BaseException) -> QueryErrorInfo:
    code = getattr(exc, "service_code", None) or type(exc).__name__
    return QueryErrorInfo(code=str(code), message=str(exc))


def _assemble(
    kql: str,
    span: TimeSpan,
    pieces: Sequence[TimeSpan],
    outcomes: Sequence[QueryResult | Exception],
) -> QueryResult:
    chunks: list[ChunkResult] = []
    good: list[QueryResult] = []
    hints: list[str] = []
    for index, (piece, outcome) in enumerate(zip(pieces, outcomes, strict=True)):
        if isinstance(outcome, BaseException):
            chunks.append(
                ChunkResult(
                    index=index,
                    timespan=piece,
                    status=QueryStatus.FAILURE,
                    error=_chunk_error(outcome),
                )
            )
            continue
        chunks.append(
            ChunkResult(
                index=index,
                timespan=piece,
                status=outcome.status,
                row_count=outcome.row_count,
                error=outcome.error,
            )
        )
        hints.extend(h for h in outcome.hints if h not in hints)
        if outcome.tables:
            good.append(outcome)
    table = _concat_primary([r.primary_table for r in good if r.primary_table is not None])
    failed = [c for c in chunks if c.status is QueryStatus.FAILURE]
    incomplete = [c for c in chunks if c.status is not QueryStatus.SUCCESS]
    if not incomplete:
        status, error = QueryStatus.SUCCESS, None
    else:
        status = QueryStatus.FAILURE if len(failed) == len(chunks) else QueryStatus.PARTIAL
        named = ", ".join(
            f"#{c.index} {c.timespan.start.isoformat()}..{c.timespan.end.isoformat()} "
            f"({c.status.value}: {c.error.message if c.error else 'no detail'})"
            for c in incomplete
        )
        error = QueryErrorInfo(
            code="ChunkErrors",
            message=f"{len(incomplete)} of {len(chunks)} chunks incomplete: {named}",
            details=tuple(c.error.message for c in incomplete if c.error is not None),
        )
        if failed:
            hints.append(
                "re-run the failed chunks (result.failed_chunks) or use a shorter split_by"
            )
    statistics = [r.statistics for r in good if r.statistics is not None]
    # the render hints come from the query text, so every chunk carries the same ones
    render = next((r.render for r in good if r.render is not None), None)
    return QueryResult(
        status=status,
        tables=() if table is None else (table,),
        error=error,
        statistics={"chunks": statistics} if statistics else None,
        render=render,
        chunks=tuple(chunks),
        timespan=span,
        hints=tuple(hints),
        query=kql,
        truncated=any(isinstance(o, QueryResult) and o.truncated for o in outcomes),
    )


def _concat_primary(tables: Sequence[Table]) -> Table | None:
    """Concatenate the chunks' primary tables in chunk order, aligning columns by name."""
    if not tables:
        return None
    first = tables[0]
    names = [c.name for c in first.columns]
    parts: list[Sequence[Sequence[Any]]] = []
    for table in tables:
        own = [c.name for c in table.columns]
        if own == names:
            parts.append(table.rows)
            continue
        position = {name: i for i, name in enumerate(own)}
        picks = [position.get(name) for name in names]
        parts.append([[row[i] if i is not None else None for i in picks] for row in table.rows])
    rows = parts[0] if len(parts) == 1 else list(chain.from_iterable(parts))
    return Table(name=first.name, columns=first.columns, rows=rows)
