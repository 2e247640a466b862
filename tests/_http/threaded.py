"""A :class:`LoopbackServer` on its own thread and loop, for tests whose code runs its own loops
(``asyncio.run`` twice, the blocking door :mod:`asisdk.sync`)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from _http.loopback import LoopbackServer


@contextmanager
def threaded_server(server: LoopbackServer) -> Iterator[LoopbackServer]:
    """Run ``server`` on a daemon thread for the duration of the block."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(server.start(), loop).result(timeout=10)
        yield server
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(timeout=10)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
