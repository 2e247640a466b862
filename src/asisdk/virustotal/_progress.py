"""Progress reporting for long batches: a callback, a tqdm bar, or nothing."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from asisdk.errors import ConfigurationError

__all__ = ["Progress", "ProgressCallback"]

#: Called with ``(done, total)`` distinct observables after each one is resolved.
ProgressCallback = Callable[[int, int], object]


class Progress:
    """Counts resolved observables and tells a callback and/or a tqdm bar."""

    def __init__(self, total: int, progress: ProgressCallback | bool | None) -> None:
        self.total = total
        self.done = 0
        self._callback: ProgressCallback | None = None
        self._bar: Any = None
        if progress is True:
            try:
                # Optional dependency, imported by name so type checking does not need it.
                tqdm_auto = importlib.import_module("tqdm.auto")
            except ImportError as exc:
                raise ConfigurationError(
                    "progress=True needs tqdm: pip install tqdm (or pass a callback)"
                ) from exc
            self._bar = tqdm_auto.tqdm(total=total, desc="VirusTotal", unit="lookup")
        elif callable(progress):
            self._callback = progress

    def advance(self, count: int = 1) -> None:
        if count <= 0:
            return
        self.done += count
        if self._bar is not None:
            self._bar.update(count)
        if self._callback is not None:
            self._callback(self.done, self.total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
