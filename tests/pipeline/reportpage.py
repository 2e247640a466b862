"""Reading report.html back in tests: sections, tables, summary values, scripts."""

from __future__ import annotations

from html.parser import HTMLParser

import attrs


@attrs.define
class Page:
    """What the tests read from report.html."""

    sections: dict[str, str | None] = attrs.field(factory=dict)
    tables: dict[str, int] = attrs.field(factory=dict)
    body_rows: dict[str, int] = attrs.field(factory=dict)
    summary: dict[str, str] = attrs.field(factory=dict)
    scripts: list[dict[str, str | None]] = attrs.field(factory=list)
    links: list[dict[str, str | None]] = attrs.field(factory=list)
    text: list[str] = attrs.field(factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.page = Page()
        self._table: str | None = None
        self._in_body = False
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs_: list[tuple[str, str | None]]) -> None:
        found = dict(attrs_)
        if tag == "section" and found.get("id"):
            self.page.sections[str(found["id"])] = found.get("data-count")
        elif tag == "table" and found.get("id"):
            self._table = str(found["id"])
            self.page.tables[self._table] = int(found.get("data-rows") or 0)
            self.page.body_rows[self._table] = 0
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body and self._table is not None:
            self.page.body_rows[self._table] += 1
        elif tag == "dd" and found.get("data-key"):
            self._key = str(found["data-key"])
        elif tag == "script":
            self.page.scripts.append(found)
        elif tag == "link":
            self.page.links.append(found)

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None
        elif tag == "dd":
            self._key = None

    def handle_data(self, data: str) -> None:
        if self._key is not None:
            self.page.summary[self._key] = data
        self.page.text.append(data)


def read_page(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page
