"""Distinct texts of a column: one place that decides what a cell's text is."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["cell_text", "combine_codes", "factorize_texts"]


def cell_text(value: object) -> str:
    """The text of one cell: strings as they are, missing values as "", others via ``str``."""
    if isinstance(value, str):
        return value
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value)


def factorize_texts(series: pd.Series[Any]) -> tuple[list[str], npt.NDArray[np.int64]]:
    """Return the distinct texts of ``series`` and, per row, the position of its text.

    Cells with the same text may appear more than once in the list (a missing cell and
    ``""``; ``1`` and ``"1"``): harmless, they are computed twice.
    """
    if getattr(series.dtype, "storage", None) != "pyarrow":
        # pandas' object hash table (pandas 2) cuts strings at NUL: "" and "\x00" would
        # merge. Arrow-backed strings are hashed whole and need no check.
        values = series.to_numpy(dtype=object)
        if any("\x00" in v for v in values if isinstance(v, str)):
            return _factorize_with_dict(values)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    texts = [cell_text(u) for u in uniques]
    codes = np.asarray(codes, dtype=np.int64)
    if (codes < 0).any():  # missing cells: one extra "" entry at the end
        texts.append("")
        codes = np.where(codes < 0, len(texts) - 1, codes)
    return texts, codes


def _factorize_with_dict(values: Iterable[Any]) -> tuple[list[str], npt.NDArray[np.int64]]:
    position: dict[str, int] = {}
    texts: list[str] = []

    def code(value: object) -> int:
        text = cell_text(value)
        found = position.get(text)
        if found is None:
            found = position[text] = len(texts)
            texts.append(text)
        return found

    return texts, np.fromiter((code(v) for v in values), dtype=np.int64)


def combine_codes(*codes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Number the distinct combinations of several code columns 0, 1, ... by first appearance."""
    combined = np.zeros(len(codes[0]), dtype=np.int64) if codes else np.zeros(0, dtype=np.int64)
    for column in codes:
        width = int(column.max(initial=-1)) + 1
        pairs = combined * max(width, 1) + column  # both < rows, so no overflow below 3e9 rows
        combined = np.asarray(pd.factorize(pairs)[0], dtype=np.int64)
    return combined
