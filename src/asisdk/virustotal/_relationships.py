"""Resumable iteration over a VirusTotal relationship: pages, a readable cursor, resumption.

VirusTotal pages a relationship (``/domains/example.com/resolutions``) with an opaque ``cursor``
per page. :class:`VtRelationships` follows those pages and keeps, at every step, where the
*next* object is: the page's cursor and how many objects of that page were already taken. That
position is :attr:`VtRelationships.cursor`, a short string (``"3:Y3Vyc29y"`` is "the fourth
object of the page at API cursor ``Y3Vyc29y``"; ``"0:"`` is the very start); pass it back as
``relationships(..., cursor=...)`` to go on from exactly there, in this process or another.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, Self

import attrs

from asisdk.errors import InvalidInputError
from asisdk.virustotal import _defaults
from asisdk.virustotal._report import VtObject, object_from_item

__all__ = ["RelationshipCursor", "VtRelationships"]

_log = logging.getLogger("asisdk.virustotal")

_SEPARATOR: Final = ":"

#: Fetches one page: ``(api_cursor or None, page size)`` -> the decoded JSON answer.
PageFetcher = Callable[[str | None, int], Awaitable[Any]]


@attrs.frozen
class RelationshipCursor:
    """A position in a relationship: the API cursor of a page and the objects taken from it.

    Examples:
        >>> str(RelationshipCursor("Y3Vyc29y", 3))
        '3:Y3Vyc29y'
        >>> RelationshipCursor.parse("3:Y3Vyc29y")
        RelationshipCursor(page='Y3Vyc29y', skip=3)
        >>> RelationshipCursor.parse("0:")
        RelationshipCursor(page=None, skip=0)
    """

    page: str | None = None
    skip: int = 0

    def __str__(self) -> str:
        return f"{self.skip}{_SEPARATOR}{self.page or ''}"

    @classmethod
    def parse(cls, text: str) -> RelationshipCursor:
        """Read a cursor written by :attr:`VtRelationships.cursor`.

        Raises:
            InvalidInputError: the text is not such a cursor.
        """
        skip, separator, page = text.partition(_SEPARATOR)
        if not separator or not skip.isdigit():
            raise InvalidInputError(
                f"{text!r} is not a relationship cursor (expected 'N:PAGE', as given by the "
                "cursor attribute of relationships())"
            )
        return cls(page or None, int(skip))


class VtRelationships:
    """An async iterator over a relationship's objects whose position can be read and resumed.

    Made by :meth:`~asisdk.virustotal.VirusTotalClient.relationships`; iterate it with
    ``async for``. :attr:`cursor` is where the next object is (``None`` once every object was
    given), so a loop broken off, a ``limit`` reached or an error can be resumed later with
    ``relationships(..., cursor=it.cursor)``.

    Iteration ends (with a warning logged) if the API hands out a cursor it already gave,
    instead of paging forever.
    """

    def __init__(
        self,
        fetch_page: PageFetcher,
        *,
        label: str,
        limit: int | None = None,
        start: RelationshipCursor | None = None,
    ) -> None:
        self._fetch_page = fetch_page
        self._label = label
        self._limit = limit
        self._start = start or RelationshipCursor()
        self._page: str | None = self._start.page  # the API cursor of the page in hand
        self._items: list[object] = []
        self._position = 0  # index of the next item of the page in hand
        self._next_page: str | None = None
        self._loaded = False
        self._finished = False
        self._yielded = 0
        self._seen: set[str] = set()

    def __repr__(self) -> str:
        return f"VtRelationships({self._label!r}, cursor={self.cursor!r})"

    @property
    def cursor(self) -> str | None:
        """Where the next object is, as a string for ``relationships(cursor=...)``; ``None``
        when the relationship has no more objects."""
        if self._finished:
            return None
        if not self._loaded:
            return str(self._start)
        if self._position < len(self._items):
            return str(RelationshipCursor(self._page, self._position))
        if self._next_page:
            return str(RelationshipCursor(self._next_page, 0))
        return None

    @property
    def yielded(self) -> int:
        """Objects given so far by this iterator."""
        return self._yielded

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> VtObject:
        while True:
            if self._limit is not None and self._yielded >= self._limit:
                raise StopAsyncIteration
            if self._position >= len(self._items) and not await self._turn_page():
                self._finished = True
                raise StopAsyncIteration
            item = self._items[self._position]
            self._position += 1
            related = object_from_item(item)
            if related is not None:
                self._yielded += 1
                return related

    async def aclose(self) -> None:
        """Nothing to release (each page is one request); here for ``async`` iterator
        protocols that close iterators."""

    async def _turn_page(self) -> bool:
        """Load the next page; whether it holds another item."""
        skip = 0
        if not self._loaded:
            skip = self._start.skip
        elif not self._next_page:
            return False
        else:
            if self._next_page in self._seen:
                # A cursor handed out twice would page forever: end where the pages repeat.
                _log.warning(
                    "VirusTotal repeated the cursor of %s; stopping after %d objects",
                    self._label,
                    self._yielded,
                )
                return False
            self._page = self._next_page
        if self._page:
            self._seen.add(self._page)
        want = _defaults.RELATIONSHIP_PAGE_SIZE
        if self._limit is not None:
            want = min(want, self._limit - self._yielded + skip)
        body = await self._fetch_page(self._page, want)
        items = body.get("data") if isinstance(body, Mapping) else None
        meta = body.get("meta") if isinstance(body, Mapping) else None
        next_page = meta.get("cursor") if isinstance(meta, Mapping) else None
        self._items = list(items) if isinstance(items, list) else []
        self._position = min(skip, len(self._items))
        self._next_page = str(next_page) if next_page and self._items else None
        self._loaded = True
        if self._position < len(self._items):
            return True
        return await self._turn_page() if self._next_page else False
