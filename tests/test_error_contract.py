"""The error contract of :mod:`asisdk.errors`: everything asisdk raises on purpose is an AsiError.

Each case calls the public API wrongly and checks two promises: ``except AsiError`` catches the
error, and ``except <the built-in it means>`` still does (``ValueError`` for a bad value,
``TypeError`` for a wrong type, ``RuntimeError`` for a closed object, ...). A source sweep keeps
new ``raise ValueError(...)`` lines from slipping back in.
"""

from __future__ import annotations

import ast
import builtins
import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path

import pandas as pd
import pytest

import asisdk.errors
from asisdk._http import ApiClient, RateLimit, RequestLimits, RetryPolicy
from asisdk.config import Config, Secret, load_config, resolve_secret
from asisdk.data import sample_path
from asisdk.decode import DecodeLimits
from asisdk.entities import OSFamily, TimeSpan
from asisdk.errors import (
    AsiError,
    ClosedError,
    ConfigurationError,
    InvalidArgumentError,
    InvalidInputError,
    MissingFileError,
    QueryError,
    QueryParameterError,
    UnknownQueryError,
)
from asisdk.executors import InlineExecutor, map_chunks, map_frame, plan_chunks
from asisdk.local import LocalDataSource
from asisdk.queries import QueryLibrary, QueryProvider, kql_datetime, kql_int
from asisdk.virustotal import VtCache

SRC = Path(__file__).resolve().parents[1] / "src" / "asisdk"
SPAN = TimeSpan(start="2020-09-04T20:00:00Z", end="2020-09-04T21:00:00Z")
LOGONS = "WindowsSecurity.list_host_logons"

#: (call with a scratch folder, the asisdk class expected, the built-in it must also be)
SyncCase = tuple[Callable[[Path], object], type[AsiError], type[Exception] | None]


def _provider() -> QueryProvider:
    return QueryProvider(LocalDataSource.sample())


def _shut_down_inline(_: Path) -> object:
    executor = InlineExecutor()
    executor.shutdown()
    return executor.submit(len, "abc")


SYNC_CASES: dict[str, SyncCase] = {
    # -- HTTP limits and retry policy ----------------------------------------------------
    "rate zero requests": (lambda _: RateLimit(max_requests=0), ConfigurationError, ValueError),
    "rate nan requests": (
        lambda _: RateLimit(max_requests=float("nan")),
        ConfigurationError,
        ValueError,
    ),
    "rate negative period": (
        lambda _: RateLimit(max_requests=1, period=-1),
        ConfigurationError,
        ValueError,
    ),
    "rate negative jitter": (
        lambda _: RateLimit(max_requests=1, jitter=-0.5),
        ConfigurationError,
        ValueError,
    ),
    "limits zero per day": (
        lambda _: RequestLimits.create(requests_per_day=0),
        ConfigurationError,
        ValueError,
    ),
    "limits zero concurrency": (
        lambda _: RequestLimits.create(max_concurrency=0),
        ConfigurationError,
        ValueError,
    ),
    "retry zero attempts": (lambda _: RetryPolicy(max_attempts=0), ConfigurationError, ValueError),
    "retry negative backoff": (
        lambda _: RetryPolicy(backoff_initial=-1),
        ConfigurationError,
        ValueError,
    ),
    "retry infinite backoff max": (
        lambda _: RetryPolicy(backoff_max=float("inf")),
        ConfigurationError,
        ValueError,
    ),
    "retry negative retry-after cap": (
        lambda _: RetryPolicy(max_retry_after=-1),
        ConfigurationError,
        ValueError,
    ),
    "plain http base url": (
        lambda _: ApiClient(service="demo", base_url="http://api.example"),
        ConfigurationError,
        ValueError,
    ),
    # -- decode limits -------------------------------------------------------------------
    "decode zero depth": (lambda _: DecodeLimits(max_depth=0), ConfigurationError, ValueError),
    "decode huge depth": (lambda _: DecodeLimits(max_depth=10**6), ConfigurationError, ValueError),
    "decode bool bytes": (
        lambda _: DecodeLimits(max_decompressed_bytes=True),
        ConfigurationError,
        ValueError,
    ),
    "decode negative members": (
        lambda _: DecodeLimits(max_archive_members=-1),
        ConfigurationError,
        ValueError,
    ),
    "decode text chars": (
        lambda _: DecodeLimits(max_input_chars="10"),  # type: ignore[arg-type]
        ConfigurationError,
        ValueError,
    ),
    # -- executors -----------------------------------------------------------------------
    "plan zero chunk": (lambda _: plan_chunks(10, chunk_size=0), ConfigurationError, ValueError),
    "map_chunks zero chunk": (
        lambda _: map_chunks(len, [1, 2, 3], chunk_size=0),
        ConfigurationError,
        ValueError,
    ),
    "map_frame negative chunk": (
        lambda _: map_frame(len, pd.DataFrame({"a": [1, 2]}), chunk_size=-1),
        ConfigurationError,
        ValueError,
    ),
    "inline executor after shutdown": (_shut_down_inline, ClosedError, RuntimeError),
    # -- queries -------------------------------------------------------------------------
    "provider over a non-source": (
        lambda _: QueryProvider(object()),  # type: ignore[arg-type]
        InvalidArgumentError,
        TypeError,
    ),
    "unknown query family": (
        lambda _: _provider().NoSuchFamily,
        UnknownQueryError,
        AttributeError,
    ),
    "unknown query in a family": (
        lambda _: _provider().WindowsSecurity.no_such_query,
        UnknownQueryError,
        AttributeError,
    ),
    "misspelt query parameter": (
        lambda _: _provider().render(LOGONS, SPAN, hots_name="web1"),
        QueryParameterError,
        ValueError,
    ),
    "missing query parameter": (
        lambda _: _provider().render(LOGONS, SPAN),
        QueryParameterError,
        ValueError,
    ),
    "unknown query name": (lambda _: _provider().render("No.such_query"), QueryError, None),
    "kql int from text": (lambda _: kql_int("seven"), QueryParameterError, ValueError),  # type: ignore[arg-type]
    "kql naive datetime": (
        lambda _: kql_datetime(dt.datetime(2024, 5, 1)),
        QueryParameterError,
        ValueError,
    ),
    "query folder missing": (
        lambda tmp: QueryLibrary.from_path(tmp / "no-such-folder"),
        MissingFileError,
        FileNotFoundError,
    ),
    # -- config, data, entities ----------------------------------------------------------
    "empty secret": (lambda _: Secret(""), ConfigurationError, ValueError),
    "named config file missing": (
        lambda tmp: load_config(tmp / "missing.toml"),
        ConfigurationError,
        ValueError,
    ),
    "required secret unset": (
        lambda _: resolve_secret("errorcontract.api_key", config=Config()),
        ConfigurationError,
        ValueError,
    ),
    "cache ttl zero": (
        lambda tmp: VtCache(tmp / "vt.sqlite", ttl=0),
        ConfigurationError,
        ValueError,
    ),
    "unknown bundled sample": (
        lambda _: sample_path("nope.csv"),
        MissingFileError,
        FileNotFoundError,
    ),
    "time span from nonsense": (
        lambda _: TimeSpan(start="not a time", end="2024-05-01T00:00:00Z"),
        InvalidInputError,
        ValueError,
    ),
    "time span backwards": (
        lambda _: TimeSpan(start="2024-05-02T00:00:00Z", end="2024-05-01T00:00:00Z"),
        InvalidInputError,
        ValueError,
    ),
    "unknown enum value": (lambda _: OSFamily.parse(42), InvalidInputError, ValueError),
}


@pytest.mark.parametrize("case", list(SYNC_CASES))
def test_wrong_calls_raise_asi_errors(case: str, tmp_path: Path) -> None:
    call, expected, builtin = SYNC_CASES[case]
    with pytest.raises(AsiError) as caught:
        call(tmp_path)
    assert isinstance(caught.value, expected), type(caught.value).__mro__
    if builtin is not None:
        assert isinstance(caught.value, builtin)


async def _closed_api_client(_: Path) -> object:
    api = ApiClient(service="demo", base_url="https://api.example")
    await api.aclose()
    return await api.get_json("/widgets/1")


async def _closed_cache(tmp: Path) -> object:
    cache = VtCache(tmp / "vt.sqlite")
    await cache.aclose()
    return await cache.get_many(["domain:example.com"])


async def _run_unknown_query(_: Path) -> object:
    return await _provider().run("No.such_query", SPAN)


async def _run_misspelt_parameter(_: Path) -> object:
    return await _provider().run(LOGONS, SPAN, hots_name="web1")


AsyncCase = tuple[Callable[[Path], Awaitable[object]], type[AsiError], type[Exception] | None]
ASYNC_CASES: dict[str, AsyncCase] = {
    "closed api client": (_closed_api_client, ClosedError, RuntimeError),
    "closed vt cache": (_closed_cache, ClosedError, RuntimeError),
    "run unknown query": (_run_unknown_query, QueryError, None),
    "run misspelt parameter": (_run_misspelt_parameter, QueryParameterError, ValueError),
}


@pytest.mark.parametrize("case", list(ASYNC_CASES))
async def test_wrong_async_calls_raise_asi_errors(case: str, tmp_path: Path) -> None:
    call, expected, builtin = ASYNC_CASES[case]
    with pytest.raises(AsiError) as caught:
        await call(tmp_path)
    assert isinstance(caught.value, expected), type(caught.value).__mro__
    if builtin is not None:
        assert isinstance(caught.value, builtin)


def test_every_exported_error_is_an_asi_error() -> None:
    classes = [getattr(asisdk.errors, name) for name in asisdk.errors.__all__]
    assert all(isinstance(c, type) and issubclass(c, AsiError) for c in classes)


#: Bare built-ins that stay on purpose: Python protocols, not errors a caller handles.
ALLOWED_BARE_RAISES = {
    ("config.py", "AttributeError"),  # Secret.__setattr__, like attrs' FrozenInstanceError
    ("queries/_provider.py", "AttributeError"),  # __getattr__ of "_private" names (copy, pickle)
    ("geo/_updater.py", "AssertionError"),  # an unreachable line
    ("ioc/_tlds.py", "SystemExit"),  # the module's script entry point
    ("sync.py", "AttributeError"),  # __getattr__ before __init__ finished (copy, pickle probe)
    ("sync.py", "StopIteration"),  # the iterator protocol's end of a blocking relationships()
    ("virustotal/_relationships.py", "StopAsyncIteration"),  # the async iterator protocol
    ("__init__.py", "AttributeError"),  # PEP 562 module __getattr__: the protocol needs it
    ("decode/_deobfuscate.py", "ValueError"),  # internal, caught at once: rejects an escape run
}


def _bare_builtin_raises() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Raise) or node.exc is None:
                continue
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            builtin = vars(builtins).get(target.id) if isinstance(target, ast.Name) else None
            if isinstance(builtin, type) and issubclass(builtin, BaseException):
                found.add((path.relative_to(SRC).as_posix(), builtin.__name__))
    return found


def test_sources_raise_no_bare_builtin_exceptions() -> None:
    assert _bare_builtin_raises() - ALLOWED_BARE_RAISES == set()
