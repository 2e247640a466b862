"""Many small EVTX files: pooled into one frame, with every row, file name and order kept."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from asisdk.pipeline import load_events


def _files(shared_data: Path) -> list[Path]:
    files = sorted((shared_data / "evtx" / "raw").glob("*.evtx"))
    files += sorted((shared_data / "sigma" / "regression_data").rglob("*.evtx"))
    assert len(files) >= 200
    return files


def _text(values: pd.Series) -> list[str]:
    """Cells as text; a whole float is an int (a column the CSV lacks is float around it)."""
    cells = values.astype(object).where(values.notna(), None)
    return [str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in cells]


def test_many_small_files_read_together_equal_each_read_alone(
    shared_data: Path, tmp_path: Path
) -> None:
    files = _files(shared_data)
    csv = tmp_path / "between.csv"
    csv.write_text("TimeGenerated,CommandLine\n2024-05-01T10:00:00Z,whoami /all\n")
    middle = len(files) // 2
    inputs = [*files[:middle], csv, *files[middle:]]

    together = load_events(inputs)
    alone = [load_events([f]) for f in inputs]

    assert together.problem_count == sum(a.problem_count for a in alone)
    frame = together.frame
    assert len(frame) == sum(len(a.frame) for a in alone)
    expected_files = [name for a in alone for name in a.frame["asi_file"]]
    expected_rows = [row for a in alone for row in a.frame["asi_row"]]
    assert frame["asi_file"].tolist() == expected_files
    assert frame["asi_row"].tolist() == expected_rows
    assert list(frame.columns[:1]) == ["asi_file"]
    start = 0
    for one in alone:
        rows = frame.iloc[start : start + len(one.frame)]
        start += len(one.frame)
        for column in one.frame.columns:
            assert _text(rows[column]) == _text(one.frame[column]), (one.sources, column)
        # Columns only other files have are empty on these rows.
        others = [c for c in frame.columns if c not in one.frame.columns]
        assert not rows[others].notna().any().any(), one.sources
    times = frame["TimeCreated"].dropna()
    assert all(isinstance(t, pd.Timestamp) and t.tzinfo is not None for t in times)
