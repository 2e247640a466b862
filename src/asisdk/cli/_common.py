"""Shared pieces of the sub-commands: exit codes, usage errors, stage progress, executors."""

from __future__ import annotations

import contextlib
import multiprocessing
import re
import sys
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any, Final, TextIO

from asisdk.errors import AsiError

# pandas and asisdk.executors are imported where they are used: every sub-command, and so
# `asisdk --help`, imports this module.
if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EXIT_FINDINGS_ERROR",
    "EXIT_OK",
    "EXIT_USAGE",
    "INLINE_BELOW_EVENTS",
    "StageProgress",
    "UsageError",
    "parse_since",
    "workers_executor",
]

EXIT_OK: Final = 0
EXIT_FINDINGS_ERROR: Final = 1
EXIT_USAGE: Final = 2

#: Without --workers, triage runs in-process below this many events.
INLINE_BELOW_EVENTS: Final = 200_000

_SINCE: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_SECONDS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class UsageError(AsiError):
    """A command line that cannot run as given (exit code 2); the message says why."""


def parse_since(text: str) -> pd.Timedelta:
    """``"24h"``, ``"7d"``, ``"30m"``, ``"90s"``, ``"2w"`` as a ``pd.Timedelta``.

    Raises:
        UsageError: not a number followed by s, m, h, d or w.
    """
    match = _SINCE.match(text)
    if match is None:
        raise UsageError(f"--since {text!r}: give a number and a unit: 90s, 30m, 24h, 7d or 2w")
    import pandas as pd

    return pd.Timedelta(seconds=float(match.group(1)) * _SECONDS[match.group(2).lower()])


@contextlib.contextmanager
def workers_executor(workers: int | None, *, events: int = 0) -> Iterator[Executor | None]:
    """The executor for ``--workers``: inline for 1, a pool of N for N > 1.

    Without ``--workers``: inline below :data:`INLINE_BELOW_EVENTS` events (starting worker
    processes costs more than it saves there; see benchmarks/bench_triage.py), else ``None``
    (the library's shared pool, one worker per CPU).

    Raises:
        UsageError: ``workers`` below 1.
    """
    from asisdk.executors import InlineExecutor

    if workers is None:
        yield InlineExecutor() if events < INLINE_BELOW_EVENTS else None
        return
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    if workers == 1:
        yield InlineExecutor()
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class StageProgress:
    """One progress bar on stderr over the triage stages (tqdm), or plain lines without it."""

    def __init__(self, stages: list[str], *, enabled: bool, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._enabled = enabled
        self._bar: Any = None
        self._stages = stages
        if not enabled:
            return
        try:
            from tqdm import tqdm
        except ImportError:  # tqdm is a dependency; stay useful if someone removed it
            return
        self._bar = tqdm(
            total=len(stages),
            file=self._stream,
            unit="stage",
            bar_format="{desc:<28}{bar:20} {n_fmt}/{total_fmt} [{elapsed}]",
            leave=True,
        )

    def __call__(self, stage: str) -> None:
        """Mark ``stage`` as started (the previous one as done)."""
        if not self._enabled:
            return
        if self._bar is None:
            print(f"asisdk: {stage} ...", file=self._stream, flush=True)
            return
        if self._bar.desc:
            self._bar.update(1)
        self._bar.set_description_str(f"triage: {stage}")

    def close(self) -> None:
        """Finish the bar."""
        if self._bar is not None:
            self._bar.update(self._bar.total - self._bar.n)
            self._bar.set_description_str("triage: done")
            self._bar.close()
            self._bar = None
