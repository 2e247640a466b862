"""DBSCAN over collapsed feature vectors.

Identical feature vectors are collapsed into one point whose ``sample_weight`` is the number
of rows it stands for. DBSCAN over the weighted distinct points finds the same clusters as
over every row (a point is a core point when the weights in its neighbourhood reach
``min_samples``), at the cost of the distinct vectors only: a million events with tens of
thousands of distinct shapes cluster in seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from asisdk.errors import InvalidInputError

__all__ = ["Collapsed", "collapse", "feature_matrix", "fit_weighted"]


@attrs.frozen(eq=False)
class Collapsed:
    """Distinct feature vectors, their weights, and the row -> vector mapping."""

    vectors: npt.NDArray[np.float64]
    weights: npt.NDArray[np.int64]
    inverse: npt.NDArray[np.int64]


def feature_matrix(features: pd.DataFrame, names: Sequence[str]) -> npt.NDArray[np.float64]:
    """Return the named columns as a float matrix, refusing non-numeric or missing values.

    Raises:
        InvalidInputError: a column is not numeric/bool, or holds NaN or infinite values.
    """
    columns: list[npt.NDArray[np.float64]] = []
    for name in names:
        column = features[name]
        if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)):
            raise InvalidInputError(
                f"feature column {name!r} is not numeric (dtype {column.dtype}); cluster on "
                "numeric columns, or use method='patterns' with column= for text"
            )
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isfinite(values)
        if bad.any():
            raise InvalidInputError(
                f"feature column {name!r} has {int(bad.sum())} missing or infinite values; "
                f"fill or drop them first (e.g. df[{name!r}].fillna(0))"
            )
        columns.append(values)
    return np.column_stack(columns) if columns else np.zeros((len(features), 0))


def collapse(matrix: npt.NDArray[np.float64]) -> Collapsed:
    """Collapse identical rows of ``matrix`` into distinct vectors with weights."""
    if matrix.shape[1] == 0 or len(matrix) == 0:
        return Collapsed(
            vectors=matrix[:1] if len(matrix) else matrix,
            weights=np.array([len(matrix)] if len(matrix) else [], dtype=np.int64),
            inverse=np.zeros(len(matrix), dtype=np.int64),
        )
    # Hash-based grouping: much faster than np.unique(axis=0), which sorts the rows.
    columns = list(range(matrix.shape[1]))
    groups = pd.DataFrame(matrix).groupby(columns, sort=False).ngroup()
    inverse = np.asarray(groups.to_numpy(), dtype=np.int64)
    counts = np.bincount(inverse)
    first = np.full(len(counts), len(inverse), dtype=np.int64)
    np.minimum.at(first, inverse, np.arange(len(inverse)))
    return Collapsed(vectors=matrix[first], weights=counts.astype(np.int64), inverse=inverse)


def normalise_rows(vectors: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Scale each row to unit L2 length (all-zero rows stay zero), as msticpy does."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    out = np.zeros_like(vectors)
    np.divide(vectors, norms, out=out, where=norms > 0)
    return out


def fit_weighted(
    vectors: npt.NDArray[np.float64],
    weights: npt.NDArray[np.int64],
    *,
    max_distance: float,
    min_samples: int,
    normalize: bool,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], Any]:
    """DBSCAN over distinct vectors: (the matrix it saw, each vector's label, the model)."""
    from sklearn.cluster import DBSCAN  # heavy import, only when clustering

    seen = normalise_rows(vectors) if normalize else vectors
    model = DBSCAN(eps=max_distance, min_samples=min_samples)
    model.fit(seen, sample_weight=weights)
    return seen, np.asarray(model.labels_, dtype=np.int64), model
