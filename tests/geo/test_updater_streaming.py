"""The updater checks the download's size while streaming it (issue 22).

A server that sends an endless download: the updater must stop at ``max_download_bytes``, not
read (and hold) the whole answer before checking it. The server counts what it managed to send.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from _support.loopback import raw_server
from asisdk._http import RetryPolicy
from asisdk.config import Config
from asisdk.geo import GeoDatabaseError, GeoDatabaseUpdater

pytestmark = pytest.mark.asyncio

CAP = 256 * 1024
CHUNK = 64 * 1024
#: What the server may get out beyond the cap: socket buffers on both ends, a few MiB at most.
SLACK = 16 * 1024 * 1024
#: The server stops on its own after this much (the old code read 64 MiB before any check).
ENDLESS = 200 * 1024 * 1024


@contextlib.asynccontextmanager
async def endless_download(*, declare_length: bool) -> AsyncIterator[tuple[str, list[int]]]:
    sent = [0]

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            await reader.readuntil(b"\r\n\r\n")
            framing = (
                f"Content-Length: {ENDLESS}" if declare_length else "Transfer-Encoding: chunked"
            )
            writer.write(
                f"HTTP/1.1 200 OK\r\nContent-Type: application/gzip\r\n{framing}\r\n\r\n".encode()
            )
            block = b"\x1f" * CHUNK
            while sent[0] < ENDLESS:
                if declare_length:
                    writer.write(block)
                else:
                    writer.write(f"{CHUNK:x}\r\n".encode() + block + b"\r\n")
                await writer.drain()
                sent[0] += CHUNK
        writer.close()

    async with raw_server(serve) as base_url:
        yield base_url, sent


async def test_an_endless_download_is_stopped_at_the_cap(tmp_path: Path) -> None:
    async with endless_download(declare_length=False) as (base_url, sent):
        updater = GeoDatabaseUpdater(
            edition="dbip-city-lite",
            data_dir=tmp_path,
            base_url=base_url,
            retry=RetryPolicy(instant=True, max_attempts=2),
            max_download_bytes=CAP,
            config=Config(),
            today=lambda: dt.date(2026, 12, 3),
        )
        async with updater:
            with pytest.raises(GeoDatabaseError, match="max_download_bytes") as caught:
                await updater.update()
        await asyncio.sleep(0.05)
    assert sent[0] < CAP + SLACK
    assert "No database was installed" in str(caught.value)
    assert not (tmp_path / updater.file_name).exists()


async def test_a_declared_length_over_the_cap_is_refused_before_reading(tmp_path: Path) -> None:
    async with (
        endless_download(declare_length=True) as (base_url, sent),
        GeoDatabaseUpdater(
            edition="dbip-city-lite",
            data_dir=tmp_path,
            base_url=base_url,
            retry=RetryPolicy.disabled(),
            max_download_bytes=CAP,
            config=Config(),
        ) as updater,
    ):
        with pytest.raises(GeoDatabaseError, match="max_download_bytes"):
            await updater.update()
    assert sent[0] < SLACK
