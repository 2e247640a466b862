"""report.html rendered in headless Chromium: no JavaScript error, the timeline draws and zooms.

Needs Debian's ``chromium`` (``apt-get install -y chromium``); skipped, saying so, without it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from _support.chromium import Browser, find_chromium, requires_chromium
from asisdk.data import ATTRIBUTION, sample_events_frame
from asisdk.executors import InlineExecutor
from asisdk.pipeline import TriageResult, load_frame, render_report, run_triage
from asisdk.pipeline._report import REPORT_FINDINGS

CHROMIUM = find_chromium()
pytestmark = requires_chromium


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
    bins = browser.evaluate(
        session, "document.querySelectorAll('#timeline-svg rect.tl-bin').length"
    )
    assert bins > 0
    counted = browser.evaluate(
        session,
        "Array.from(document.querySelectorAll('#timeline-svg rect.tl-bin'))"
        ".reduce((n, r) => n + Number(r.dataset.count), 0)",
    )
    assert counted == 642  # every event is counted: nothing is sampled
    marks = "document.querySelectorAll('#timeline-svg circle.tl-finding').length"
    drawn = browser.evaluate(session, marks)
    timed = sample_result.findings["time"].head(REPORT_FINDINGS).notna().sum()
    assert drawn == timed  # every finding shown in the report is marked
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
    view = browser.evaluate(
        session, "JSON.parse(document.getElementById('timeline-svg').dataset.view)"
    )
    assert len(view) == 1  # zoomed into one stretch
    zoomed = browser.evaluate(session, marks)
    assert 0 <= zoomed < drawn
    browser.evaluate(session, "document.getElementById('timeline-reset').click()")
    assert browser.evaluate(session, marks) == drawn
    sections = browser.evaluate(
        session, "Array.from(document.querySelectorAll('main > section')).map(s => s.id)"
    )
    assert sections[0] == "findings"
    # A finding links to its event's row in the event table.
    target = browser.evaluate(
        session,
        "(() => { const a = document.querySelector('#findings-table a[href^=\"#event-\"]');"
        " return document.getElementById(a.getAttribute('href').slice(1)) !== null; })()",
    )
    assert target
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


def _big_events(rows: int) -> pd.DataFrame:
    """The sample repeated with shifted times and hosts: 300,000 real-looking events."""
    base = sample_events_frame()
    times = pd.to_datetime(base["TimeCreated"], utc=True, format="mixed")
    parts = []
    for i in range(rows // len(base) + 1):
        part = base.copy()
        part["TimeCreated"] = times + pd.Timedelta(hours=6 * i)
        part["Hostname"] = part["Hostname"].astype(str) + f"-{i % 40}"
        parts.append(part)
    return pd.concat(parts, ignore_index=True).head(rows)


def test_300k_event_report_is_small_and_opens_fast(browser: Browser, tmp_path: Path) -> None:
    result = run_triage(load_frame(_big_events(300_000)), executor=InlineExecutor())
    page = tmp_path / "report.html"
    page.write_text(render_report(result, timeline="svg"), encoding="utf-8")
    assert page.stat().st_size < 10_000_000
    browser.events.clear()
    start = time.perf_counter()
    session = browser.open_page(page.as_uri())
    ready = _poll(browser, session, "document.getElementById('timeline-svg').dataset.ready")
    seconds = time.perf_counter() - start
    assert ready
    assert seconds < 3.0
    counted = browser.evaluate(
        session,
        "Array.from(document.querySelectorAll('#timeline-svg rect.tl-bin'))"
        ".reduce((n, r) => n + Number(r.dataset.count), 0)",
    )
    assert counted == 300_000
    assert browser.errors() == []
