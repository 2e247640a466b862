"""``with`` and ``async with`` for the objects that own something to close, defined once.

A client, a provider or a database defines what closing releases (``aclose`` or ``close``,
idempotent); these mixins make leaving the block call it, whatever happened inside.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self


class AsyncClosing:
    """``async with`` calls ``aclose`` on the way out."""

    __slots__ = ()

    async def aclose(self) -> None:
        """Release what the object holds (nothing, unless a subclass says what). Idempotent."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class Closing:
    """``with`` calls ``close`` on the way out."""

    __slots__ = ()

    def close(self) -> None:
        """Release what the object holds (nothing, unless a subclass says what). Idempotent."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
