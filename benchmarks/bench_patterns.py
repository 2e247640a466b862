"""Grouping accuracy (GA) of ``asisdk.cluster.group_patterns`` on Loghub-2k.

One default configuration for all 16 systems (no per-dataset masks or settings), side by
side with the published GA of Drain and Brain (``published_results.csv``; both were tuned
per dataset in their papers). Run: ``python benchmarks/bench_patterns.py``.

GA: a line counts as correct when the set of lines in its predicted group equals the set of
lines in its ground-truth group (grouped by ``EventId``); lines with an empty ground-truth
template are dropped first (see ``../shared/data/loghub2k/README.md``).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from asisdk.cluster import group_patterns

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "loghub2k"
PEERS = ("Drain", "Brain")


def grouping_accuracy(predicted: np.ndarray, truth: pd.Series) -> float:
    frame = pd.DataFrame({"p": predicted, "t": truth.to_numpy()})
    truth_size = frame.groupby("t")["p"].transform("size")
    grouped = frame.groupby("p")["t"]
    correct = (grouped.transform("nunique") == 1) & (grouped.transform("size") == truth_size)
    return float(correct.mean())


def published() -> pd.DataFrame:
    table = pd.read_csv(DATA / "published_results.csv")
    wanted = table[
        (table["setting"] == "loghub2k-original")
        & (table["metric"] == "GA")
        & table["parser"].isin(PEERS)
    ]
    return wanted.pivot_table(index="dataset", columns="parser", values="value", aggfunc="first")


def main() -> None:
    peers = published()
    rows = []
    for folder in sorted(p for p in DATA.iterdir() if p.is_dir()):
        name = folder.name
        data = pd.read_csv(folder / f"{name}_2k.log_structured.csv")
        data = data[data["EventTemplate"].fillna("").astype(str).str.len() > 0]
        start = time.perf_counter()
        groups = group_patterns(data["Content"])
        seconds = time.perf_counter() - start
        rows.append(
            {
                "dataset": name,
                "asisdk": grouping_accuracy(groups.labels.to_numpy(), data["EventId"]),
                **{peer: peers.loc[name, peer] for peer in PEERS},
                "groups": groups.n_groups,
                "truth": data["EventId"].nunique(),
                "ms": 1000 * seconds,
            }
        )
    table = pd.DataFrame(rows).set_index("dataset")
    means = table[["asisdk", *PEERS]].mean()
    print("Loghub-2k grouping accuracy, group_patterns() with its defaults for every dataset")
    print(table.to_string(float_format=lambda v: f"{v:.4f}"))
    print()
    print(f"average GA  asisdk {means['asisdk']:.4f}   ", end="")
    print("   ".join(f"{peer} {means[peer]:.4f} (published)" for peer in PEERS))
    for peer in PEERS:
        print(f"asisdk - {peer}: {means['asisdk'] - means[peer]:+.4f}")
    print(f"total mining time for 16 x 2,000 lines: {table['ms'].sum():.0f} ms")


if __name__ == "__main__":
    main()
