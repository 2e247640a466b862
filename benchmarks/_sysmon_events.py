"""Build a large JSON lines file of real Sysmon events from the OTRF data in ``../shared/data``.

The Sysmon events (``Channel`` ``Microsoft-Windows-Sysmon/Operational``) of the five OTRF
zips in ``events/otrf`` and the five OTRF files in ``evtx/data`` (about 8,700 real events,
as NXLog/Winlogbeat collected them) are written again and again until the file holds the
number of events asked for. Every copy gets its own record number, a shifted time, its own
process ids and GUIDs, and a third of its command lines get different numbers, so the work
is not one cache hit repeated; the text stays the real agents' output.

Shared by ``bench_load.py`` and ``bench_triage.py`` (a script's folder is on ``sys.path``).
"""

from __future__ import annotations

import gzip
import json
import random
import re
import uuid
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
SYSMON = "Microsoft-Windows-Sysmon/Operational"
# Numbers on their own (not inside names, versions or dotted addresses, which stay valid).
_NUMBER = re.compile(r"(?<![\w.:])\d{2,}(?![\w.:])")
_GUID_FIELDS = ("ProcessGuid", "ParentProcessGuid", "SourceProcessGUID", "TargetProcessGUID")
_ID_FIELDS = ("ProcessId", "ParentProcessId", "SourceProcessId", "TargetProcessId")


def data_folder() -> Path:
    """``../shared/data`` seen from the repository root (or from the worktree's parent)."""
    for candidate in (Path.cwd().parent / "shared" / "data", DATA):
        if (candidate / "events" / "otrf").is_dir():
            return candidate
    raise SystemExit("../shared/data/events/otrf not found: run from the repository root")


def _otrf_lines() -> Iterator[str]:
    data = data_folder()
    for archive in sorted((data / "events" / "otrf").glob("*.zip")):
        with zipfile.ZipFile(archive) as zipped:
            for name in zipped.namelist():
                with zipped.open(name) as member:
                    for raw in member:
                        yield raw.decode("utf-8")
    for gz in sorted((data / "evtx" / "data").glob("otrf-*.jsonl.gz")):
        with gzip.open(gz, "rt", encoding="utf-8") as stream:
            yield from stream


def sysmon_events() -> list[dict[str, Any]]:
    """The real Sysmon events of the OTRF data, in file order."""
    events = []
    for line in _otrf_lines():
        if not line.strip():
            continue
        event = json.loads(line)
        if event.get("Channel") == SYSMON:
            events.append(event)
    return events


def _shift(value: object, hours: int) -> object:
    if not isinstance(value, str) or len(value) < 19:
        return value
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    text = (when + timedelta(hours=hours)).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z") if value.endswith("Z") else text


def make_sysmon_jsonl(path: Path, n_events: int, seed: int = 7) -> int:
    """Write ``n_events`` real Sysmon events (varied copies) to ``path``; returns the bytes."""
    rng = random.Random(seed)
    base = sysmon_events()
    written = 0
    with path.open("w", encoding="utf-8") as out:
        copy = 0
        while written < n_events:
            guids: dict[str, str] = {}
            for event in base:
                if written >= n_events:
                    break
                varied = dict(event)
                for field in ("@timestamp", "TimeCreated", "UtcTime", "EventTime"):
                    if field in varied:
                        varied[field] = _shift(varied[field], copy)
                if "RecordNumber" in varied:
                    varied["RecordNumber"] = int(varied["RecordNumber"]) + copy * 10_000_000
                for field in _GUID_FIELDS:
                    if isinstance(varied.get(field), str):
                        old = varied[field]
                        guids.setdefault(old, "{" + str(uuid.UUID(int=rng.getrandbits(128))) + "}")
                        varied[field] = guids[old]
                for field in _ID_FIELDS:
                    if field in varied and copy:
                        varied[field] = str(rng.randint(100, 65000))
                if copy and isinstance(varied.get("CommandLine"), str) and rng.random() < 0.3:
                    varied["CommandLine"] = _NUMBER.sub(
                        lambda _m: str(rng.randint(10, 99999)), varied["CommandLine"]
                    )
                out.write(json.dumps(varied, ensure_ascii=False) + "\n")
                written += 1
            copy += 1
    return path.stat().st_size
