"""Open a page in headless Chromium over the DevTools protocol and collect JavaScript errors.

A small client on purpose: Debian's ``chromium`` plus the ``websockets`` package, no browser
download. Chromium is started with the flags that keep it off the network (this machine has
none but loopback) and with a throw-away profile.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
    "--remote-allow-origins=*",
)
START_TIMEOUT = 30.0


def find_chromium() -> str | None:
    """The Chromium executable, or ``None``."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageReport:
    """What a page did: uncaught exceptions, console errors and an evaluated value."""

    errors: list[str] = field(default_factory=list)
    value: Any = None


class _Session:
    def __init__(self, connection: Any) -> None:
        self._ws = connection
        self._next = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, timeout: float, **params: Any) -> dict[str, Any]:
        self._next += 1
        ident = self._next
        self._ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self._ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)

    def wait_for(self, event: str, timeout: float) -> None:
        if any(e.get("method") == event for e in self.events):
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(self._ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            self.events.append(message)
            if message.get("method") == event:
                return
        raise TimeoutError(f"no {event} within {timeout} s")


def _errors(events: list[dict[str, Any]]) -> list[str]:
    found = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            found.append(str(details.get("exception", {}).get("description") or details))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            found.append(
                " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
            )
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            found.append(str(params["entry"].get("text")))
    return found


def open_page(path: Path, *, expression: str, timeout: float = 60.0) -> PageReport:
    """Load ``path`` in headless Chromium, evaluate ``expression`` (awaiting a promise), and
    report JavaScript errors seen meanwhile."""
    executable = find_chromium()
    if executable is None:
        raise FileNotFoundError("chromium is not installed")
    profile = tempfile.mkdtemp(prefix="asisdk-chromium-")
    process = subprocess.Popen(
        [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = _devtools_port(process, profile)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as reply:
            targets = json.load(reply)
        page = next(t for t in targets if t.get("type") == "page")
        from websockets.sync.client import connect

        with connect(
            page["webSocketDebuggerUrl"], max_size=None, open_timeout=START_TIMEOUT
        ) as connection:
            session = _Session(connection)
            for domain in ("Runtime.enable", "Log.enable", "Page.enable"):
                session.call(domain, timeout)
            session.call("Page.navigate", timeout, url=path.resolve().as_uri())
            session.wait_for("Page.loadEventFired", timeout)
            result = session.call(
                "Runtime.evaluate",
                timeout,
                expression=expression,
                awaitPromise=True,
                returnByValue=True,
            )
            report = PageReport(value=result.get("result", {}).get("value"))
            if "exceptionDetails" in result:
                report.errors.append(f"evaluating the check: {result['exceptionDetails']}")
            report.errors.extend(_errors(session.events))
            return report
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)


def _devtools_port(process: subprocess.Popen[str], profile: str) -> int:
    """Chromium writes its port to ``DevToolsActivePort`` in the profile once it listens."""
    marker = Path(profile) / "DevToolsActivePort"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"chromium exited early: {process.stderr.read() if process.stderr else ''}"
            )
        if marker.exists():
            text = marker.read_text().split()
            if text:
                return int(text[0])
        time.sleep(0.05)
    raise TimeoutError("chromium did not open its DevTools port")
