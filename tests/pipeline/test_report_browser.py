"""report.html rendered in headless Chromium: no JavaScript error, the timeline draws and zooms.

Needs Debian's ``chromium`` (``apt-get install -y chromium``); skipped, saying so, without it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from asisdk.data import ATTRIBUTION
from asisdk.pipeline import TriageResult, render_report

from .chromium import Browser, find_chromium

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install -y chromium)"
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    assert CHROMIUM is not None
    started = Browser(CHROMIUM, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield started
    finally:
        started.close()


def _poll(browser: Browser, session: str, expression: str, timeout: float = 15.0) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = browser.evaluate(session, expression)
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_svg_timeline_renders_and_zooms_without_errors(
    browser: Browser, sample_result: TriageResult, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    page.write_text(
        render_report(sample_result, data_attribution=[ATTRIBUTION], timeline="svg"),
        encoding="utf-8",
    )
    browser.events.clear()
    session = browser.open_page(page.as_uri())
    assert browser.evaluate(session, "document.getElementById('timeline-svg').dataset.ready")
    drawn = browser.evaluate(session, "document.querySelectorAll('#timeline-svg circle').length")
    assert drawn == 642
    box = browser.evaluate(
        session,
        "(() => { const s = document.getElementById('timeline-svg'); s.scrollIntoView();"
        " const r = s.getBoundingClientRect();"
        " return {x: r.x, y: r.y, w: r.width, h: r.height}; })()",
    )
    y = box["y"] + box["h"] / 2
    start, end = box["x"] + 160, box["x"] + 200
    for kind, x in (("mousePressed", start), ("mouseMoved", end), ("mouseReleased", end)):
        browser.call(
            "Input.dispatchMouseEvent",
            {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            session=session,
        )
    zoomed = browser.evaluate(session, "document.querySelectorAll('#timeline-svg circle').length")
    assert 0 <= zoomed < drawn
    browser.evaluate(session, "document.getElementById('timeline-reset').click()")
    assert (
        browser.evaluate(session, "document.querySelectorAll('#timeline-svg circle').length")
        == drawn
    )
    sections = browser.evaluate(
        session, "Array.from(document.querySelectorAll('main > section')).map(s => s.id)"
    )
    assert sections[0] == "summary"
    assert browser.errors() == []


def test_bokeh_timeline_renders_without_errors(
    browser: Browser, sample_result: TriageResult, tmp_path: Path
) -> None:
    pytest.importorskip("bokeh", reason="bokeh comes with the notebook extra")
    page = tmp_path / "report.html"
    page.write_text(render_report(sample_result, timeline="bokeh"), encoding="utf-8")
    browser.events.clear()
    session = browser.open_page(page.as_uri())
    rendered = _poll(
        browser,
        session,
        "typeof Bokeh !== 'undefined' && Object.keys(Bokeh.index).length > 0",
    )
    assert rendered
    assert browser.errors() == []
