"""The one headless Chromium driver of the tests: the DevTools protocol over
``--remote-debugging-pipe``.

No websocket library and no test-only dependency: Chromium reads JSON commands on fd 3 and
writes answers and events on fd 4, each message ending with a NUL byte. Debian's ``chromium``
is enough (``.ci/run`` installs it); without it, tests marked :data:`requires_chromium` skip
and say why.

* :class:`Browser`: one browser for many pages (a module-scoped fixture), errors collected
  across them;
* :func:`open_page`: start a browser, load one file, evaluate one check, report errors.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# From the machine notes: without the background-networking flags Chromium keeps trying to
# reach Google's hosts, which this closed network refuses.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--remote-debugging-pipe",
)


def find_chromium() -> str | None:
    """The Chromium executable, or ``None``."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


#: Marks a test that needs a real browser: it skips, saying so, where there is none.
requires_chromium = pytest.mark.skipif(
    find_chromium() is None, reason="Chromium is not installed (apt-get install -y chromium)"
)


@dataclass
class PageReport:
    """What a page did: uncaught exceptions, console errors and an evaluated value."""

    errors: list[str] = field(default_factory=list)
    value: Any = None


class Browser:
    """Headless Chromium driven through the DevTools protocol on a pipe."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire_fds() -> None:  # runs in the child before exec
            # The pipes may already sit on fd 3 or 4: dup2 onto itself keeps close-on-exec,
            # so mark both inheritable explicitly. Creation order keeps from_child_w >= 6
            # whenever to_child_r is 3, so the first dup2 never overwrites it.
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire_fds,
            close_fds=False,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_child], [], [], remaining)
            if ready:
                chunk = os.read(self._from_child, 1 << 16)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: str | None = None,
        timeout: float = 30.0,
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read_message(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            self.events.append(answer)

    def wait_for_event(
        self, method: str, *, session: str | None = None, since: int = 0, timeout: float = 30.0
    ) -> dict[str, Any]:
        """The first ``method`` event of ``session`` from ``self.events[since:]`` on, waiting
        for it when it has not come yet."""

        def wanted(event: dict[str, Any]) -> bool:
            return event.get("method") == method and (
                session is None or event.get("sessionId") == session
            )

        for event in self.events[since:]:
            if wanted(event):
                return event
        deadline = time.monotonic() + timeout
        while True:
            event = self._read_message(deadline)
            self.events.append(event)
            if wanted(event):
                return event

    def evaluate(self, session: str, expression: str) -> Any:
        answer = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=session,
        )
        if "exceptionDetails" in answer:
            raise RuntimeError(f"{expression}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def open_page(self, url: str) -> str:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session: str = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Runtime.enable", "Log.enable", "Page.enable"):
            self.call(domain, session=session)
        since = len(self.events)
        self.call("Page.navigate", {"url": url}, session=session)
        self.wait_for_event("Page.loadEventFired", session=session, since=since)
        return session

    def errors(self) -> list[str]:
        found: list[str] = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                found.append(str(details.get("exception", {}).get("description") or details))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in (
                "error",
                "assert",
            ):
                found.append(
                    " ".join(
                        str(a.get("value", a.get("description", a))) for a in params.get("args", [])
                    )
                )
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                found.append(str(params["entry"].get("text")))
        return found

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.call("Browser.close", timeout=5)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_child)
        os.close(self._from_child)


def open_page(path: Path, *, expression: str, timeout: float = 60.0) -> PageReport:
    """Load ``path`` in a fresh headless Chromium, evaluate ``expression`` (awaiting a promise),
    and report the value and the JavaScript errors seen meanwhile."""
    executable = find_chromium()
    if executable is None:
        raise FileNotFoundError("chromium is not installed")
    with tempfile.TemporaryDirectory(prefix="asisdk-chromium-") as profile:
        browser = Browser(executable, Path(profile))
        try:
            session = browser.open_page(path.resolve().as_uri())
            answer = browser.call(
                "Runtime.evaluate",
                {"expression": expression, "returnByValue": True, "awaitPromise": True},
                session=session,
                timeout=timeout,
            )
            report = PageReport(value=answer.get("result", {}).get("value"))
            if "exceptionDetails" in answer:
                report.errors.append(f"evaluating the check: {answer['exceptionDetails']}")
            report.errors.extend(browser.errors())
            return report
        finally:
            browser.close()
