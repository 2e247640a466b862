"""Would Hyperscan speed up the IoC candidate scan? Measured on the dense IoC text.

Hyperscan has no lookbehinds and no possessive runs, and the scanner of ``asisdk.ioc`` leans
on both (``asisdk/ioc/_patterns.py``). So the comparison uses six simplified candidate shapes
(URL, dotted name, hash, e-mail, Linux path, Windows path), each compiled three ways on the
same text (``bench_ioc.dense_text``, the accuracy corpus repeated to 0.52 MB):

* Hyperscan with ``HS_FLAG_SOM_LEFTMOST``: it reports every match end (one Python callback
  each), since Hyperscan has no leftmost-longest, non-overlapping mode;
* Python ``re``: the same shapes as one alternation, ``finditer``;
* asisdk's real scanner (``SCANNER``): every shape with its guards.

Run: ``python benchmarks/bench_ioc_hyperscan.py`` (``nox -s bench -- ioc_hyperscan``
installs Hyperscan from ``bench_ioc_hyperscan.requirements.txt``).
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from asisdk.ioc._patterns import SCANNER
from bench_ioc import dense_text

SHAPES = (
    rb"[A-Za-z][A-Za-z0-9+]*://[^\s<>\"'`|{}\\^]+",
    rb"[\w-]+(?:\.[\w-]+)+",
    rb"[0-9A-Fa-f]{32}[0-9A-Fa-f]*",
    rb"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    rb"(?:/[\w.+@%=,~-]+){2,}",
    rb"[A-Za-z]:(?:\\[^\s\\/:*?\"'<>|,;`]+)+",
)


def best(func: Callable[[], int], repeat: int = 5) -> tuple[float, int]:
    """Best wall time of ``repeat`` runs and what the last run counted."""
    seconds, count = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        count = func()
        seconds = min(seconds, time.perf_counter() - started)
    return seconds, count


def main() -> None:
    text = dense_text()
    data = text.encode()
    print(f"dense IoC text: {len(data) / 1e6:.2f} MB")
    try:
        import hyperscan
    except ImportError as exc:
        print(f"hyperscan: skipped ({exc}); pip install -r {Path(__file__).stem}.requirements.txt")
    else:
        database = hyperscan.Database()
        database.compile(
            expressions=list(SHAPES),
            ids=list(range(len(SHAPES))),
            elements=len(SHAPES),
            flags=[hyperscan.HS_FLAG_SOM_LEFTMOST] * len(SHAPES),
        )

        def scan() -> int:
            found = [0]

            def on_match(*_: Any) -> None:
                found[0] += 1

            database.scan(data, match_event_handler=on_match)
            return found[0]

        seconds, count = best(scan)
        print(f"  hyperscan, SOM_LEFTMOST       {seconds * 1000:7.1f} ms  {count:>8,} callbacks")
    simplified = re.compile(b"|".join(SHAPES))
    seconds, count = best(lambda: sum(1 for _ in simplified.finditer(data)))
    print(f"  python re, same shapes        {seconds * 1000:7.1f} ms  {count:>8,} matches")
    seconds, count = best(lambda: sum(1 for _ in SCANNER.finditer(text)))
    print(f"  asisdk SCANNER (real guards)  {seconds * 1000:7.1f} ms  {count:>8,} candidates")


if __name__ == "__main__":
    main()
