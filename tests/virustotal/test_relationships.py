"""relationships(): a resumable iterator with a readable cursor; items keep their context.

The page shapes are VirusTotal v3's documented relationship answers: a ``data`` list of
objects (full, or descriptors with ``context_attributes``), each with ``links.self``, and a
``meta.cursor`` while more pages follow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

import asisdk.sync
from _support.loopback import LoopbackServer, VtApp, threaded_server
from asisdk._http import RetryPolicy
from asisdk.config import Config
from asisdk.errors import InvalidInputError
from asisdk.virustotal import RelationshipCursor, VirusTotalClient, VtRelationships

from .conftest import API_KEY, BASE

MakeVt = Callable[..., VirusTotalClient]

#: The URLs a domain is related to, as ``/domains/{id}/relationships/urls`` lists them: a URL's
#: id is the SHA-256 of its address, so the address is only in ``context_attributes``.
URL_PAGES: dict[str | None, dict[str, Any]] = {
    None: {
        "meta": {"count": 5, "cursor": "Q1VSU09SMg=="},
        "data": [
            {
                "type": "url",
                "id": f"{n:064x}",
                "context_attributes": {"url": f"http://evil.example/{n}"},
                "links": {"self": f"{BASE}/urls/{n:064x}"},
            }
            for n in range(3)
        ],
        "links": {"self": f"{BASE}/domains/evil.example/relationships/urls?limit=40"},
    },
    "Q1VSU09SMg==": {
        "meta": {"count": 5},
        "data": [
            {
                "type": "url",
                "id": f"{n:064x}",
                "context_attributes": {"url": f"http://evil.example/{n}"},
                "links": {"self": f"{BASE}/urls/{n:064x}"},
            }
            for n in range(3, 5)
        ],
        "links": {"self": f"{BASE}/domains/evil.example/relationships/urls?cursor=Q1VSU09SMg=="},
    },
}


def _serve_pages(respx_mock: respx.MockRouter, pages: dict[str | None, dict[str, Any]]) -> Any:
    def page(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        body = dict(pages[cursor])
        limit = int(request.url.params["limit"])
        data = body["data"][:limit]
        if limit < len(body["data"]):  # a short page: the API's cursor points past it
            body = {**body, "meta": {**body["meta"], "cursor": f"{cursor or ''}+{limit}"}}
            pages[f"{cursor or ''}+{limit}"] = {**pages[cursor], "data": body["data"][limit:]}
        return httpx.Response(200, json={**body, "data": data})

    return respx_mock.get(f"{BASE}/domains/evil.example/relationships/urls").mock(side_effect=page)


async def test_related_urls_keep_their_address_context_and_links(
    respx_mock: respx.MockRouter, make_vt: MakeVt
) -> None:
    _serve_pages(respx_mock, dict(URL_PAGES))
    related = make_vt().relationships("evil.example", "urls", descriptors_only=True)
    assert isinstance(related, VtRelationships)
    items = [o async for o in related]
    assert [o.url for o in items] == [f"http://evil.example/{n}" for n in range(5)]
    assert items[0].context_attributes == {"url": "http://evil.example/0"}
    assert items[4].links["self"] == f"{BASE}/urls/{4:064x}"
    assert related.cursor is None  # every object was given


async def test_cursor_is_readable_and_a_new_call_resumes_from_it(
    respx_mock: respx.MockRouter, make_vt: MakeVt
) -> None:
    route = _serve_pages(respx_mock, dict(URL_PAGES))
    vt = make_vt()
    first = vt.relationships("evil.example", "urls", descriptors_only=True)
    assert first.cursor == "0:"  # the start, before anything is fetched
    taken = []
    async for item in first:
        taken.append(item.url)
        if len(taken) == 2:
            break
    assert first.cursor == "2:"  # the third object of the first page
    assert RelationshipCursor.parse(first.cursor) == RelationshipCursor(None, 2)
    rest = vt.relationships("evil.example", "urls", descriptors_only=True, cursor=first.cursor)
    taken += [o.url async for o in rest]
    assert taken == [f"http://evil.example/{n}" for n in range(5)]
    assert route.call_count == 3


async def test_a_limit_stops_mid_page_and_the_cursor_goes_on_exactly(
    respx_mock: respx.MockRouter, make_vt: MakeVt
) -> None:
    _serve_pages(respx_mock, dict(URL_PAGES))
    vt = make_vt()
    seen: list[str | None] = []
    cursor: str | None = "0:"
    cursors = []
    while cursor is not None:
        batch = vt.relationships(
            "evil.example", "urls", descriptors_only=True, limit=2, cursor=cursor
        )
        seen += [o.url async for o in batch]
        cursor = batch.cursor
        cursors.append(cursor)
    assert seen == [f"http://evil.example/{n}" for n in range(5)]
    assert cursors[-1] is None
    assert all(c is None or ":" in c for c in cursors)


def test_bad_cursors_are_refused_at_the_call(make_vt: MakeVt) -> None:
    vt = make_vt()
    for bad in ("", "abc", "x:page", "-1:page"):
        with pytest.raises(InvalidInputError, match="cursor"):
            vt.relationships("evil.example", "urls", cursor=bad)


async def test_a_repeated_api_cursor_ends_the_iteration(
    respx_mock: respx.MockRouter, make_vt: MakeVt
) -> None:
    loop_page = {
        "meta": {"cursor": "same"},
        "data": [{"type": "resolution", "id": "r", "links": {"self": "x"}}],
    }
    respx_mock.get(f"{BASE}/domains/evil.example/resolutions").respond(200, json=loop_page)
    items = [o async for o in make_vt().relationships("evil.example", "resolutions")]
    assert len(items) == 2  # the first page and the page at "same", not forever


def test_the_blocking_door_keeps_the_cursor() -> None:
    with (
        threaded_server(LoopbackServer(VtApp(relationship_items=7))) as server,
        asisdk.sync.VirusTotalClient(
            API_KEY,
            base_url=f"{server.base_url}/api/v3",
            requests_per_minute=None,
            retry=RetryPolicy(instant=True),
            config=Config(),
        ) as vt,
    ):
        first = vt.relationships("example.com", "resolutions", limit=3)
        ids = [o.id for o in first]
        assert first.cursor == "0:3"  # the loopback API's cursor is an offset
        rest = vt.relationships("example.com", "resolutions", cursor=first.cursor)
        ids += [o.id for o in rest]
        assert rest.cursor is None
    assert ids == [f"10.0.0.{n}" for n in range(7)]
