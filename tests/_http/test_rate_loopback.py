"""The rate limiter live: real requests to a loopback server that counts fixed windows (issue 21).

The server (``tests/_support/loopback.py``) answers 429 past its quota in any fixed window of its
own clock; the client paces with ``Limiter`` (the sliding log of ``RateLimit.new_limiter``)
behind 4 concurrent workers, as every asisdk client does. Nothing may be refused, no window may
count more than the quota, and the full windows are nearly full.
"""

from __future__ import annotations

import asyncio

import httpx

from _support.loopback import LoopbackServer
from asisdk._http import Limiter, RateLimit, RequestLimits

QUOTA = 40
WINDOW = 1.0
REQUESTS = 190  # about 4.8 windows


async def test_a_paced_client_fills_the_windows_without_a_429() -> None:
    limits = RequestLimits(rates=[RateLimit(max_requests=QUOTA, period=WINDOW)], max_concurrency=4)
    limiter = Limiter(limits)
    async with LoopbackServer(quota=QUOTA, window=WINDOW) as server:
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(REQUESTS):
            queue.put_nowait(n)
        statuses: list[int] = []

        async def worker(client: httpx.AsyncClient) -> None:
            while not queue.empty():
                n = queue.get_nowait()
                async with limiter.slot():
                    await limiter.wait_for_rate()
                    answer = await client.get(f"/api/v3/files/{n:064x}")
                statuses.append(answer.status_code)

        async with httpx.AsyncClient(base_url=server.base_url) as client:
            server.reset()
            await asyncio.gather(*(worker(client) for _ in range(4)))
        stats = server.stats
    assert stats.sent_429 == 0
    assert 429 not in statuses
    assert len(statuses) == REQUESTS
    assert max(stats.per_window.values()) <= QUOTA
    windows = sorted(stats.per_window)
    full = [stats.per_window[w] for w in windows[1:-1]]
    assert full
    assert sum(full) / (len(full) * QUOTA) >= 0.9
