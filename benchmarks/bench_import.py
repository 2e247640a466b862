"""Import time of asisdk's entry points, side by side with msticpy's comparable imports.

Each figure is the median wall time of ``--runs`` fresh interpreters running ``import X`` (or
``-m asisdk --help``), minus the median of an empty interpreter (``-c pass``): what the import
itself costs a script or a notebook kernel. msticpy rows are skipped with a message when
msticpy is not importable.

Run: ``python benchmarks/bench_import.py`` (``--runs 20`` for steadier figures; about ten
seconds at the default; ``--src ../main/src`` measures another checkout).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

#: (label, interpreter arguments, the msticpy import it compares with or None)
CASES: list[tuple[str, list[str], str | None]] = [
    ("import asisdk", ["-c", "import asisdk"], "import msticpy"),
    (
        "import asisdk.entities",
        ["-c", "import asisdk.entities"],
        "import msticpy.datamodel.entities",
    ),
    ("import asisdk.ioc", ["-c", "import asisdk.ioc"], "import msticpy.transform.iocextract"),
    ("asisdk --help", ["-m", "asisdk", "--help"], None),
]


def _median_seconds(arguments: list[str], runs: int, src: Path = SRC) -> float:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]),
    }
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, *arguments], env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="fresh interpreters per figure")
    parser.add_argument(
        "--src", type=Path, default=SRC, help="asisdk source folder (e.g. another checkout's src)"
    )
    args = parser.parse_args()

    baseline = _median_seconds(["-c", "pass"], args.runs)
    have_msticpy = importlib.util.find_spec("msticpy") is not None
    print(f"empty interpreter: {baseline * 1000:.0f} ms (subtracted below); runs: {args.runs}")
    if not have_msticpy:
        print("msticpy is not importable: its rows are skipped")
    print(f"{'import':<26} {'asisdk ms':>10} {'msticpy ms':>11} {'msticpy/asisdk':>15}")
    for label, arguments, msticpy_code in CASES:
        ours = _median_seconds(arguments, args.runs, args.src) - baseline
        theirs_text, ratio_text = "-", "-"
        if msticpy_code is not None and have_msticpy:
            theirs = _median_seconds(["-c", msticpy_code], args.runs) - baseline
            theirs_text = f"{theirs * 1000:.0f}"
            ratio_text = f"{theirs / ours:.1f}x" if ours > 0 else "-"
        print(f"{label:<26} {ours * 1000:>10.0f} {theirs_text:>11} {ratio_text:>15}")


if __name__ == "__main__":
    main()
