"""A real HTTP/1.1 server on 127.0.0.1 for tests and benchmarks (no third-party code).

It speaks enough HTTP/1.1 for httpx and aiohttp (keep-alive, Content-Length bodies) and adds
what the fault tests need:

* a **per-window quota**: more than ``quota`` requests in one fixed window of ``window``
  seconds are answered 429 (VirusTotal's ``QuotaExceededError`` body), and every window's
  request count is recorded, so a test can assert "never more than the quota per window";
* a **daily limit**: after ``daily_limit`` served requests, everything is 429 forever;
* **faults per path**, consumed in order: ``"500"``, ``"503"``, ``"429"`` (any status),
  ``"retry-after:N"`` (429 with ``Retry-After: N``), ``"drop"`` (close the connection without
  answering), ``"slow:SECONDS"`` (answer normally after a delay);
* **counters**: requests per path, API keys seen in headers and query strings, requests in
  flight, open connections.

The default application answers like the VirusTotal v3 API (documented JSON shapes, attributes
derived deterministically from the id). Used in-process by the tests
(``async with LoopbackServer(...) as server``) and as a separate process by the benchmark
(``python tests/_support/loopback.py --quota 600 --window 6`` prints ``PORT <n>``).

For code that runs its own event loops, :func:`threaded_server` runs a server on a thread of its
own. For faults below HTTP (a trickled status line, an endless body, a reset after a partial
answer), :func:`raw_server` and :func:`threaded_raw_server` serve a hand-written connection
handler on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
VT_PREFIX = "/api/v3"
VT_COLLECTIONS = {"files": "file", "urls": "url", "domains": "domain", "ip_addresses": "ip_address"}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: object, **headers: str) -> Reply:
        return cls(
            status, json.dumps(payload).encode(), {"content-type": "application/json", **headers}
        )


def vt_error(status: int, code: str, message: str, **headers: str) -> Reply:
    return Reply.json(status, {"error": {"code": code, "message": message}}, **headers)


@dataclass
class ServerStats:
    requests: int = 0
    by_path: Counter[str] = field(default_factory=Counter)
    per_window: Counter[int] = field(default_factory=Counter)
    sent_429: int = 0
    served: int = 0
    faults: int = 0
    dropped: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    open_connections: int = 0
    connections: int = 0
    api_keys: Counter[str] = field(default_factory=Counter)
    query_keys: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "served": self.served,
            "sent_429": self.sent_429,
            "faults": self.faults,
            "dropped": self.dropped,
            "max_in_flight": self.max_in_flight,
            "open_connections": self.open_connections,
            "connections": self.connections,
            "max_per_window": max(self.per_window.values(), default=0),
            "per_window": dict(sorted(self.per_window.items())),
            "distinct_paths": len(self.by_path),
        }


def _stats_from_id(ident: str) -> dict[str, int]:
    digest = hashlib.sha256(ident.encode()).digest()
    return {
        "harmless": digest[0] % 70,
        "malicious": digest[1] % 8,
        "suspicious": digest[2] % 3,
        "undetected": digest[3] % 30,
        "timeout": 0,
    }


class VtApp:
    """Answers like the VirusTotal v3 API for objects and relationship collections.

    Args:
        not_found: object ids (as in the path) answered 404 ``NotFoundError``.
        relationship_items: items per relationship collection (paged with ``limit``/``cursor``).
        status_for_key: answer every request with this status when the key is not ``api_key``.
        api_key: the only key accepted (401 ``WrongCredentialsError`` otherwise); ``None``
            accepts any key.
    """

    def __init__(
        self,
        *,
        not_found: Iterable[str] = (),
        relationship_items: int = 5,
        api_key: str | None = None,
    ) -> None:
        self.not_found = set(not_found)
        self.relationship_items = relationship_items
        self.api_key = api_key

    def __call__(self, request: Request) -> Reply:
        key = request.headers.get("x-apikey")
        if key is None:
            return vt_error(401, "AuthenticationRequiredError", "X-Apikey header is missing")
        if self.api_key is not None and key != self.api_key:
            return vt_error(401, "WrongCredentialsError", "Wrong API key")
        if not request.path.startswith(VT_PREFIX + "/"):
            return vt_error(404, "NotFoundError", "Resource not found.")
        parts = request.path[len(VT_PREFIX) + 1 :].split("/")
        if len(parts) < 2 or parts[0] not in VT_COLLECTIONS:
            return vt_error(400, "BadRequestError", "unknown collection")
        collection, ident = parts[0], parts[1]
        if ident in self.not_found:
            return vt_error(
                404, "NotFoundError", f'{VT_COLLECTIONS[collection]} "{ident}" not found'
            )
        if len(parts) == 2:
            return Reply.json(200, {"data": self.object(collection, ident)})
        if len(parts) == 3:
            return self.relationship(collection, ident, parts[2], request.query)
        return vt_error(400, "BadRequestError", "bad path")

    def object(self, collection: str, ident: str) -> dict[str, Any]:
        kind = VT_COLLECTIONS[collection]
        attributes: dict[str, Any] = {
            "last_analysis_date": 1714550400,
            "last_analysis_stats": _stats_from_id(ident),
            "reputation": -(len(ident) % 7),
            "tags": ["loopback", kind],
            "total_votes": {"harmless": 1, "malicious": 0},
        }
        data_id = ident
        if kind == "url":
            padded = ident + "=" * (-len(ident) % 4)
            url = base64.urlsafe_b64decode(padded).decode()
            attributes["url"] = url
            data_id = hashlib.sha256(url.encode()).hexdigest()
        elif kind == "file":
            attributes["sha256"] = hashlib.sha256(ident.encode()).hexdigest()
            data_id = attributes["sha256"]
        return {
            "type": kind,
            "id": data_id,
            "links": {"self": f"https://www.virustotal.com/api/v3/{collection}/{data_id}"},
            "attributes": attributes,
        }

    def relationship(
        self, collection: str, ident: str, name: str, query: Mapping[str, str]
    ) -> Reply:
        limit = int(query.get("limit", "10"))
        offset = int(query.get("cursor", "0") or 0)
        total = self.relationship_items
        items = [
            {
                "type": "ip_address",
                "id": f"10.0.0.{n}",
                "attributes": {"ip_address": f"10.0.0.{n}", "host_name": ident},
            }
            for n in range(offset, min(offset + limit, total))
        ]
        meta: dict[str, Any] = {"count": total}
        if offset + limit < total:
            meta["cursor"] = str(offset + limit)
        return Reply.json(200, {"data": items, "meta": meta, "links": {"self": name}})


class LoopbackServer:
    """An asyncio HTTP/1.1 server on 127.0.0.1 with quotas, faults and counters."""

    def __init__(
        self,
        app: Callable[[Request], Reply] | None = None,
        *,
        quota: int | None = None,
        window: float = 60.0,
        daily_limit: int | None = None,
        faults: Mapping[str, Iterable[str]] | None = None,
        latency: float = 0.0,
    ) -> None:
        self.app = app or VtApp()
        self.quota = quota
        self.window = window
        self.daily_limit = daily_limit
        self.faults: defaultdict[str, deque[str]] = defaultdict(deque)
        for path, actions in (faults or {}).items():
            self.faults[path].extend(actions)
        self.latency = latency
        self.stats = ServerStats()
        self._server: asyncio.Server | None = None
        self._started = 0.0
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def handler_tasks(self) -> set[asyncio.Task[None]]:
        """The server's own connection tasks (to tell them apart from a client's tasks)."""
        return set(self._handlers)

    def add_faults(self, path: str, *actions: str) -> None:
        self.faults[path].extend(actions)

    async def start(self, port: int = 0) -> LoopbackServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", port)
        self.port = self._server.sockets[0].getsockname()[1]
        self._started = time.monotonic()
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            handlers = list(self._handlers)
            for task in handlers:
                task.cancel()
            await asyncio.gather(*handlers, return_exceptions=True)
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> LoopbackServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def reset(self) -> None:
        """Zero the counters and start a new quota window now (between benchmark runs)."""
        open_connections = self.stats.open_connections
        self.stats = ServerStats(open_connections=open_connections)
        self._started = time.monotonic()

    def window_index(self) -> int:
        return int((time.monotonic() - self._started) // self.window)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats.connections += 1
        self.stats.open_connections += 1
        self._writers.add(writer)
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    break
                keep = await self._handle(request, writer)
                if not keep:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        except asyncio.CancelledError:
            # Only stop() cancels handlers; ending quietly keeps asyncio's stream callback from
            # logging the cancellation as an error.
            pass
        finally:
            self._handlers.discard(task)
            self.stats.open_connections -= 1
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _read_request(self, reader: asyncio.StreamReader) -> Request | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        body = await reader.readexactly(length) if length else b""
        split = urlsplit(target)
        return Request(method, split.path, dict(parse_qsl(split.query)), headers, body)

    async def _handle(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        if request.path == "/__stats":
            await self._write(writer, Reply.json(200, self.stats.as_dict()))
            return True
        if request.path == "/__reset":
            self.reset()
            await self._write(writer, Reply.json(200, {}))
            return True
        stats = self.stats
        stats.requests += 1
        stats.by_path[request.path] += 1
        stats.per_window[self.window_index()] += 1
        if "x-apikey" in request.headers:
            stats.api_keys[request.headers["x-apikey"]] += 1
        for key in request.query:
            stats.query_keys[key] += 1
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            request_id = f"req-{stats.requests}"
            reply = await self._reply(request)
            if reply is None:
                stats.dropped += 1
                return False
            reply.headers.setdefault("x-request-id", request_id)
            await self._write(writer, reply)
            return request.headers.get("connection", "").lower() != "close"
        finally:
            stats.in_flight -= 1

    async def _reply(self, request: Request) -> Reply | None:
        stats = self.stats
        if self.latency:
            await asyncio.sleep(self.latency)
        queue = self.faults.get(request.path)
        if queue:
            action = queue.popleft()
            stats.faults += 1
            if action == "drop":
                return None
            if action.startswith("slow:"):
                await asyncio.sleep(float(action.split(":", 1)[1]))
            elif action.startswith("retry-after:"):
                stats.sent_429 += 1
                return vt_error(
                    429,
                    "TooManyRequestsError",
                    "slow down",
                    **{"retry-after": action.split(":", 1)[1]},
                )
            else:
                status = int(action)
                if status == 429:
                    stats.sent_429 += 1
                return vt_error(
                    status, "TransientError" if status >= 500 else "InjectedError", "injected"
                )
        if self.daily_limit is not None and stats.served >= self.daily_limit:
            stats.sent_429 += 1
            return vt_error(429, "QuotaExceededError", "daily quota exceeded")
        if self.quota is not None and stats.per_window[self.window_index()] > self.quota:
            stats.sent_429 += 1
            return vt_error(429, "QuotaExceededError", "quota exceeded for this minute")
        reply = self.app(request)
        if reply.status < 400:
            stats.served += 1
        return reply

    async def _write(self, writer: asyncio.StreamWriter, reply: Reply) -> None:
        reason = REASONS.get(reply.status, "Status")
        head = [f"HTTP/1.1 {reply.status} {reason}", f"content-length: {len(reply.body)}"]
        head += [f"{k}: {v}" for k, v in reply.headers.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + reply.body)
        await writer.drain()


#: A hand-written connection handler for :func:`raw_server` (asyncio streams).
RawHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def raw_server(serve: RawHandler, *, scheme: str = "http") -> AsyncIterator[str]:
    """Serve ``serve`` on 127.0.0.1 (any free port) on the running loop; yields the base URL."""
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 1)


@contextlib.contextmanager
def _loop_thread() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield loop
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@contextlib.contextmanager
def threaded_server(server: LoopbackServer) -> Iterator[LoopbackServer]:
    """Run ``server`` on a daemon thread and loop of its own for the duration of the block (for
    code that runs its own loops: ``asyncio.run`` twice, the blocking door :mod:`asisdk.sync`)."""
    with _loop_thread() as loop:
        asyncio.run_coroutine_threadsafe(server.start(), loop).result(timeout=10)
        yield server
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(timeout=10)


@contextlib.contextmanager
def threaded_raw_server(serve: RawHandler, *, scheme: str = "http") -> Iterator[str]:
    """:func:`raw_server` on a daemon thread and loop of its own; yields the base URL."""
    with _loop_thread() as loop:
        started = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(serve, "127.0.0.1", 0), loop
        )
        server = started.result(timeout=10)
        try:
            yield f"{scheme}://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        finally:
            loop.call_soon_threadsafe(server.close)


async def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--quota", type=int, default=None)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    server = LoopbackServer(quota=args.quota, window=args.window, latency=args.latency)
    await server.start(args.port)
    print(f"PORT {server.port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main())
