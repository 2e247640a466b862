"""The Tor exit list: downloaded once a day, kept in a file, answered offline."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from asisdk._http import ApiClient, RequestLimits, RetryPolicy
from asisdk.config import Config, resolve_setting
from asisdk.errors import ApiError
from asisdk.ti import _defaults
from asisdk.ti._model import TiStatus, Verdict
from asisdk.ti._observables import TiObservable
from asisdk.ti._provider import Answer, Provider

__all__ = ["TorExitProvider", "parse_exit_list"]

_log = logging.getLogger("asisdk.ti.tor")


def parse_exit_list(text: str) -> frozenset[str]:
    """The addresses of a ``torbulkexitlist`` (one per line; comments and junk skipped).

    Examples:
        >>> sorted(parse_exit_list("# exits\\n185.220.101.1\\nnot-an-ip\\n2001:db8::0001\\n"))
        ['185.220.101.1', '2001:db8::1']
    """
    found = set()
    for line in text.splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        try:
            found.add(str(ipaddress.ip_address(entry)))
        except ValueError:
            continue
    return frozenset(found)


def _default_list_path() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("asisdk")) / _defaults.TOR_LIST_FILE


class TorExitProvider(Provider):
    """Is an address a Tor exit node? (``suspicious``: anonymised traffic, not malice itself).

    The list is downloaded from the Tor Project (no key) on first use when the local copy
    is missing or older than a day, and kept at ``list_path``; lookups then need no network.
    When the download fails an older copy is used (with a warning); without one, the failure
    is the answer for every address of the batch (it is not tried again per address).

    Args:
        list_path: where the list is kept (default: the user cache directory).
        max_age: seconds (or a timedelta) after which the list is downloaded again.
        base_url: the list's host (``ASISDK_TOR_BASE_URL`` for tests).
        retry: the retry policy, as for the HTTP providers.
        http_client: an httpx client to use instead of an owned one.
        timeout: the download timeout in seconds.
        config: the configuration to read settings from.
        clock: the current Unix time.
    """

    name = "tor"
    types = frozenset({"ipv4", "ipv6"})

    def __init__(
        self,
        *,
        list_path: str | os.PathLike[str] | None = None,
        max_age: float | None = None,
        base_url: str | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | None = None,
        config: Config | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        root = resolve_setting("tor.base_url", base_url, config=config) or _defaults.TOR_URL
        self._api = ApiClient(
            service=self.name,
            base_url=root,
            limits=RequestLimits(max_concurrency=1),
            retry=retry,
            http_client=http_client,
            timeout=timeout,
        )
        self.list_path = Path(list_path).expanduser() if list_path else _default_list_path()
        self.max_age = _defaults.TOR_MAX_AGE.total_seconds() if max_age is None else max_age
        self._clock = clock
        self._exits: frozenset[str] | None = None
        self._loaded_at = 0.0
        self._lock: asyncio.Lock | None = None
        self._failure: ApiError | None = None
        self._failed_at = 0.0

    def __repr__(self) -> str:
        return f"TorExitProvider(list_path={str(self.list_path)!r})"

    @property
    def max_concurrency(self) -> int:
        return 1  # offline answers: one worker is as fast as many

    async def exits(self) -> frozenset[str]:
        """The exit addresses, downloading the list when the local copy is stale."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            now = self._clock()
            if self._exits is not None and now - self._loaded_at < self.max_age:
                return self._exits
            if self._failure is not None and now - self._failed_at < self.max_age:
                raise self._failure  # asked once per batch, not once per address
            text = await asyncio.to_thread(self._read, now, fresh_only=True)
            if text is None:
                try:
                    response = await self._api.request("GET", _defaults.TOR_LIST_PATH)
                except ApiError as exc:
                    text = await asyncio.to_thread(self._read, now, fresh_only=False)
                    if text is None:
                        self._failure, self._failed_at = exc, now
                        raise
                    _log.warning(
                        "the Tor exit list could not be refreshed (%s); using the older copy at %s",
                        exc,
                        self.list_path,
                    )
                else:
                    text = response.text
                    await asyncio.to_thread(self._write, text)
            self._exits, self._loaded_at = parse_exit_list(text), now
            return self._exits

    def _read(self, now: float, *, fresh_only: bool) -> str | None:
        try:
            if fresh_only and now - self.list_path.stat().st_mtime >= self.max_age:
                return None
            return self.list_path.read_text(encoding="utf-8")
        except OSError:
            return None

    def _write(self, text: str) -> None:
        self.list_path.parent.mkdir(parents=True, exist_ok=True, mode=_defaults.CACHE_DIR_MODE)
        partial = self.list_path.with_suffix(".tmp")
        partial.write_text(text, encoding="utf-8")
        partial.replace(self.list_path)

    async def query(self, observable: TiObservable) -> Answer:
        exits = await self.exits()
        if observable.value not in exits:
            return Answer(status=TiStatus.NOT_FOUND)
        return Answer(
            status=TiStatus.FOUND,
            verdict=Verdict.SUSPICIOUS,
            severity=_defaults.TOR_SEVERITY,
            reasons=("Tor exit node",),
            raw={"exit_list_size": len(exits)},
            permalink=f"{_defaults.TOR_GUI}/{observable.value}",
        )

    async def aclose(self) -> None:
        await self._api.aclose()
