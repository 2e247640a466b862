"""IoC extraction on hostile text: CPU seconds per MB and traced bytes per input character.

Issue 22's bounds: every adversarial input <= 0.5 s of CPU per MB and <= 50 bytes of memory
per input character. The inputs are the 1 MB runs of ``tests/ioc/test_robustness.py`` plus
dense runs of URLs followed by closing brackets (``http://a.com/x]``, ``)`` and ``]`` tails),
runs that pass the scanner's first guard and defang markers back to back. Each is timed through
``IocExtractor().extract``; the memory is its traced peak (the distinct values it returns plus
its working memory: ``finditer`` yields one object per occurrence, which the caller keeps or not).

Run: ``PYTHONPATH=src python benchmarks/bench_ioc_hostile.py`` (``--memory`` adds a traced
peak per input, slower; ``--only NAME`` runs one input; ``--repeat N`` keeps the least CPU time of
N runs, default 3: one run on a shared machine swings by a third).
"""

from __future__ import annotations

import argparse
import importlib.util
import time
import tracemalloc
from pathlib import Path

from asisdk.ioc import IocExtractor

HERE = Path(__file__).parent
MB = 1_000_000
CPU_PER_MB = 0.5
BYTES_PER_CHAR = 50

EXTRA = {
    "url_bracket_dense": "http://a.com/x]" * (MB // 15),
    "url_bracket_runs": ("http://a.com" + "]" * 50) * (MB // 62),
    "url_paren_runs": ("http://a.com/(" + ")" * 50) * (MB // 64),
    "url_then_brackets": "http://a.com/" + "]" * MB,
    "url_then_parens": "http://a.com/" + ")" * MB,
    "url_then_mixed": "http://a.com/" + ")]" * (MB // 2),
    "long_host": "http://" + "a." * (MB // 2) + "com/",
    # Runs that pass the scanner's first guard, and defang markers back to back.
    "underscores": "_" * MB,
    "plus_signs": "+" * MB,
    "colon_brackets": "[::" * (MB // 3),
    "loopbacks": "::1 " * (MB // 4),
    "at_words": "_at_" * (MB // 4),
    "spelled_ats": "a at b dot " * (MB // 11),
    "hyphen_dots": "a-dot-" * (MB // 6),
    "caret_dots": "^." * (MB // 2),
    "paren_dots": "(.)" * (MB // 3),
    "quoted_drives": "'C:\\a " * (MB // 6),
}


def inputs() -> dict[str, str]:
    spec = importlib.util.spec_from_file_location(
        "ioc_robustness", HERE.parent / "tests" / "ioc" / "test_robustness.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {**module.ADVERSARIAL, **EXTRA}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--only", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ex = IocExtractor()
    worst = 0.0
    print(f"{'input':<22} {'MB':>5} {'cpu s/MB':>9} {'B/char':>7}")
    for name, text in inputs().items():
        if args.only and name != args.only:
            continue
        cpu = float("inf")
        for _ in range(max(1, args.repeat)):
            start = time.process_time()
            ex.extract(text)
            cpu = min(cpu, time.process_time() - start)
        per_mb = cpu / (len(text) / MB)
        worst = max(worst, per_mb)
        mem = ""
        if args.memory:
            tracemalloc.start()
            ex.extract(text)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            mem = f"{peak / len(text):7.1f}"
        flag = "  OVER" if per_mb > CPU_PER_MB else ""
        print(f"{name:<22} {len(text) / MB:5.2f} {per_mb:9.3f} {mem:>7}{flag}")
    print(f"worst {worst:.3f} s/MB (bound {CPU_PER_MB}; {BYTES_PER_CHAR} B/char)")


if __name__ == "__main__":
    main()
