"""Text columns as pandas holds them: Arrow-backed text, or categories of text.

Large loads keep repetitive text columns as categories (``asisdk.pipeline`` loads them so:
a code per row instead of the text and an 8-byte offset). Code that only compares or
factorises a column takes either form; code that edits, joins or fills text reads it
through :func:`plain_text`. Shared by ``asisdk.schema``, ``asisdk.pipeline`` and
``asisdk.sigma``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["category_mask", "is_arrow_text", "is_text_category", "plain_text"]


def is_arrow_text(values: pd.Series[Any]) -> bool:
    """Whether ``values`` is an Arrow-backed text column (pandas' ``str`` dtype)."""
    return isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"


def is_text_category(values: pd.Series[Any]) -> bool:
    """Whether ``values`` is a categorical column whose categories are text."""
    dtype = values.dtype
    return isinstance(dtype, pd.CategoricalDtype) and pd.api.types.is_string_dtype(
        dtype.categories.dtype
    )


def plain_text(values: pd.Series[Any]) -> pd.Series[Any]:
    """``values`` with a categorical text column spelt out as text; others as they are.

    Examples:
        >>> import pandas as pd
        >>> plain_text(pd.Series(["a", None, "a"], dtype="category")).tolist()
        ['a', nan, 'a']
    """
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype) and is_text_category(values):
        return values.astype(dtype.categories.dtype)
    return values


def category_mask(
    values: pd.Series[Any], test: Callable[[pd.Series[Any]], Any]
) -> npt.NDArray[np.bool_]:
    """``test`` of each category of a categorical column, spread to its rows by code.

    A missing cell is ``False``. The test runs once per distinct value, not per row, and the
    column's text is never spelt out.

    Examples:
        >>> import pandas as pd
        >>> values = pd.Series(["a", None, "bb", "a"], dtype="category")
        >>> category_mask(values, lambda text: text.str.len() > 1).tolist()
        [False, False, True, False]
    """
    categories = pd.Series(values.cat.categories)
    decided = np.append(np.asarray(test(categories), dtype=bool), False)
    return decided[values.cat.codes.to_numpy()]
