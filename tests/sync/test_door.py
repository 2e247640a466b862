"""The blocking door asisdk.sync: twins of every coroutine method, one loop, any caller."""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
from pathlib import Path

import pytest
import respx

import asisdk.errors
import asisdk.sync
from _support.loopback import LoopbackServer, VtApp, threaded_server
from asisdk._http import EventLoopMismatchError, RetryPolicy
from asisdk.config import Config
from asisdk.entities import TimeSpan
from asisdk.ipstack import IPStackClient
from asisdk.local import LocalDataSource
from asisdk.loganalytics import LogAnalyticsClient, StaticTokenCredential
from asisdk.queries import QueryProvider
from asisdk.virustotal import VirusTotalClient, VtStatus

SPAN = TimeSpan(start="2020-09-04T20:00:00Z", end="2020-09-04T21:00:00Z")
TWINS = [
    (VirusTotalClient, asisdk.sync.VirusTotalClient),
    (IPStackClient, asisdk.sync.IPStackClient),
    (LogAnalyticsClient, asisdk.sync.LogAnalyticsClient),
    (QueryProvider, asisdk.sync.QueryProvider),
]


@pytest.mark.parametrize(("async_class", "door"), TWINS, ids=lambda c: c.__name__)
def test_every_public_coroutine_method_has_a_blocking_twin(
    async_class: type, door: type[asisdk.sync._BlockingProxy]
) -> None:
    methods = asisdk.sync._coroutine_methods(async_class)
    assert methods or async_class is QueryProvider  # the check would be empty otherwise
    for name, function in methods.items():
        twin_name = "close" if name == "aclose" else name
        twin = getattr(door, twin_name)
        assert not inspect.iscoroutinefunction(twin), twin_name
        if name != "aclose":
            assert inspect.signature(twin) == inspect.signature(function), twin_name
    assert inspect.signature(door) == inspect.signature(async_class)
    assert {"close", "__enter__", "__exit__"} <= set(dir(door))


def test_query_provider_run_is_a_twin() -> None:
    assert "run" in asisdk.sync._coroutine_methods(QueryProvider)


def vt_door(server: LoopbackServer, **options: object) -> asisdk.sync.VirusTotalClient:
    return asisdk.sync.VirusTotalClient(
        "key",
        base_url=f"{server.base_url}/api/v3",
        requests_per_minute=None,
        retry=RetryPolicy(instant=True, max_attempts=1),
        config=Config(),
        **options,
    )


def test_lookups_and_relationships_block_and_share_one_loop_thread() -> None:
    threads: set[str] = set()
    with threaded_server(LoopbackServer(VtApp(relationship_items=7))) as server:
        with vt_door(server) as vt, vt_door(server) as other:
            assert vt.lookup("8.8.8.8").status is VtStatus.FOUND
            reports = vt.lookup_many(
                ["1.1.1.1", "example.com"],
                progress=lambda done, total: threads.add(threading.current_thread().name),
            )
            other.lookup_many(
                ["9.9.9.9"], progress=lambda d, t: threads.add(threading.current_thread().name)
            )
            related = vt.relationships("example.com", "resolutions", limit=5)
            assert not isinstance(related, list)
            ids = [o.id for o in related]
            assert vt.limits.per_day == 500  # plain attributes are forwarded
        assert [r.status for r in reports] == [VtStatus.FOUND, VtStatus.FOUND]
        assert len(ids) == 5
    assert threads == {"asisdk-sync"}


def test_works_from_inside_a_running_event_loop() -> None:
    async def notebook_cell(vt: asisdk.sync.VirusTotalClient) -> VtStatus:
        return vt.lookup("8.8.8.8").status  # blocks this loop; the work runs on the door's

    with threaded_server(LoopbackServer()) as server, vt_door(server) as vt:
        assert asyncio.run(notebook_cell(vt)) is VtStatus.FOUND
        assert asyncio.run(notebook_cell(vt)) is VtStatus.FOUND


def test_calling_the_door_from_its_own_loop_thread_raises_instead_of_deadlocking() -> None:
    with threaded_server(LoopbackServer()) as server, vt_door(server) as vt:
        seen: list[BaseException] = []

        def progress(done: int, total: int) -> None:
            try:
                vt.lookup("1.1.1.1")
            except EventLoopMismatchError as exc:
                seen.append(exc)

        vt.lookup_many(["8.8.8.8"], progress=progress)
    assert len(seen) == 1
    assert "deadlock" in str(seen[0])


def test_query_provider_families_and_blocking_source() -> None:
    with asisdk.sync.QueryProvider(LocalDataSource.sample()) as qp:
        assert "WindowsSecurity.list_host_logons" in qp.list_queries()
        family = qp.WindowsSecurity
        assert "list_host_logons" in dir(family)
        by_family = family.list_host_logons(SPAN, host_name="nobody")
        by_name = qp.run("WindowsSecurity.list_host_logons", SPAN, host_name="nobody")
        assert (by_family.status, by_family.row_count) == (by_name.status, by_name.row_count)
        assert by_name.status == "success"
    assert "asisdk.sync.QueryProvider" in repr(qp)


def test_a_failed_constructor_raises_the_async_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASISDK_VT_API_KEY", raising=False)
    monkeypatch.delenv("ASISDK_VIRUSTOTAL_API_KEY", raising=False)
    with pytest.raises(asisdk.errors.ConfigurationError, match="ASISDK_VT_API_KEY"):
        asisdk.sync.VirusTotalClient(config=Config())


LA_WS = "0b1a7c6e-0000-4000-8000-000000000000"
LA_URL = f"https://api.loganalytics.io/v1/workspaces/{LA_WS}/query"
LA_OK = {
    "tables": [
        {"name": "PrimaryResult", "columns": [{"name": "n", "type": "long"}], "rows": [[1], [2]]}
    ]
}


def test_log_analytics_and_a_query_provider_over_the_blocking_client(
    respx_mock: respx.MockRouter,
) -> None:
    route = respx_mock.post(LA_URL).respond(200, json=LA_OK)
    with asisdk.sync.LogAnalyticsClient(
        LA_WS, credential=StaticTokenCredential("tok-123"), retry=RetryPolicy(instant=True)
    ) as la:
        result = la.query("T | take 2", timespan=SPAN)
        assert result.to_frame()["n"].tolist() == [1, 2]
        qp = asisdk.sync.QueryProvider(la)  # the blocking client is unwrapped for the provider
        assert qp.aio.source is la.aio
        assert qp.source.query("T", timespan=SPAN).row_count == 2  # a blocking view of the source
        alerts = qp.SecurityAlert.list_alerts(SPAN)
    assert alerts.row_count == 2
    assert route.call_count == 3
    assert route.calls.last.request.headers["authorization"] == "Bearer tok-123"
    assert "SecurityAlert" in json.loads(route.calls.last.request.content)["query"]


def test_the_cache_of_a_blocking_client_blocks_too(tmp_path: Path) -> None:
    with (
        threaded_server(LoopbackServer()) as server,
        vt_door(server, cache=tmp_path / "vt.sqlite") as vt,
    ):
        assert vt.lookup("8.8.8.8").status is VtStatus.FOUND
        assert vt.lookup("8.8.8.8").status is VtStatus.FOUND  # from the cache
        assert server.stats.requests == 1
        vt.cache.clear()  # blocks until the rows are gone
        assert vt.lookup("8.8.8.8").status is VtStatus.FOUND
        assert server.stats.requests == 2
