"""Peak RSS and CPU seconds of every hostile-input case (issue 22), as a Markdown table.

Each case runs in a fresh interpreter under a memory cap (``RLIMIT_AS``) and a CPU-time cap
(``RLIMIT_CPU``); see ``tests/hostile/harness.py``. Needs ``../shared/data`` beside the repo.

    python benchmarks/hostile_report.py [CASE ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hostile.harness import CASES, run_case, table

if __name__ == "__main__":
    print(table([run_case(name) for name in sys.argv[1:] or CASES]))
