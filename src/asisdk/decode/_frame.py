"""Unpacking a DataFrame column: chunks through an executor, one output row per layer.

The operation is written once, as a planner (``_unpack_frame``: check the arguments, return
an :class:`asisdk.executors.MapPlan` of worker, distinct cells, options and assembly), and
:func:`asisdk.executors.plan_runners` makes ``unpack_frame`` and ``unpack_frame_async`` from
it: one signature, one docstring.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from concurrent.futures import Executor
from typing import Any, Final

import pandas as pd

from asisdk.decode._model import DecodeLimits, Layer
from asisdk.decode._unpack import unpack
from asisdk.errors import InvalidInputError
from asisdk.executors import ChunkOutcome, MapPlan, plan_runners

__all__ = ["FRAME_COLUMNS", "unpack_frame", "unpack_frame_async"]

#: The columns of :func:`unpack_frame`'s result, in order.
FRAME_COLUMNS: Final[tuple[str, ...]] = (
    "src_index",
    "index",
    "parent",
    "depth",
    "encoding",
    "source",
    "start",
    "end",
    "decoded_bytes",
    "decoded_text",
    "file_name",
    "file_type",
    "md5",
    "sha1",
    "sha256",
    "error",
    "full_decoded_string",
)
_INT_COLUMNS: Final = ("depth", "start", "end")
#: Longest cell unpacked once for all its repeats (longer cells are unpacked each time).
_SHARED_CELL: Final = 64 * 1024
_BLANK_LAYER: Final[tuple[None, ...]] = (None,) * (len(FRAME_COLUMNS) - 3)

_Row = tuple[Any, ...]


def _layer_row(label: Hashable, layer: Layer, full: str) -> _Row:
    return (
        label,
        layer.index,
        layer.parent,
        layer.depth,
        layer.encoding,
        layer.source,
        layer.start,
        layer.end,
        layer.data,
        layer.text,
        layer.file_name,
        layer.file_type,
        layer.md5,
        layer.sha1,
        layer.sha256,
        layer.error,
        full,
    )


def _error_row(label: Hashable, error: str, full: str | None) -> _Row:
    return (label, *_BLANK_LAYER, error, full)


def _as_input(value: object) -> str | bytes | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return str(value)


def _unpack_chunk(
    chunk: pd.DataFrame, *, column: str, max_depth: int | None, limits: DecodeLimits | None
) -> list[_Row]:
    """Worker: unpack every cell of ``chunk[column]`` (top level so that it pickles)."""
    rows: list[_Row] = []
    for label, value in zip(chunk.index, chunk[column].tolist(), strict=True):
        try:
            cell = _as_input(value)
            if cell is None:
                continue
            result = unpack(cell, max_depth=max_depth, limits=limits)
        except Exception as exc:  # one bad cell must not lose the chunk
            rows.append(_error_row(label, f"{type(exc).__name__}: {exc}", None))
            continue
        rows.extend(_layer_row(label, layer, result.text) for layer in result.layers)
        if result.error is not None:
            rows.append(_error_row(label, result.error, result.text))
    return rows


def _check(df: pd.DataFrame, column: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise InvalidInputError(f"unpack_frame() takes a pandas DataFrame, got {type(df).__name__}")
    if column not in df.columns:
        raise InvalidInputError(
            f"column {column!r} is not in the frame; its columns are {list(df.columns)!r}"
        )
    return df[[column]]


class _Distinct:
    """The distinct cells of a column and the labels of the rows that hold each.

    Logs repeat the same command line thousands of times: each distinct cell is unpacked
    once and its layers are given to every row that holds it (results are immutable).
    """

    def __init__(self, selected: pd.DataFrame, column: str) -> None:
        first: dict[object, int] = {}
        cells: list[object] = []
        self.labels: list[list[Hashable]] = []
        self.order: list[int] = []
        for label, value in zip(selected.index, selected[column].tolist(), strict=True):
            key: object = value
            if not isinstance(value, str | bytes) or len(value) > _SHARED_CELL:
                key = ("unshared", len(cells))  # NaN, objects, very long cells: each its own
            position = first.get(key)
            if position is None:
                position = first[key] = len(cells)
                cells.append(value)
                self.labels.append([])
            self.labels[position].append(label)
            self.order.append(position)
        self.frame = pd.DataFrame({column: pd.Series(cells, dtype=object)})

    def assemble(self, outcomes: Sequence[ChunkOutcome[list[_Row]]]) -> pd.DataFrame:
        """The result frame: the rows of every distinct cell under each label holding it."""
        return _assemble(self.rows(outcomes))

    def rows(self, outcomes: Sequence[ChunkOutcome[list[_Row]]]) -> list[_Row]:
        """The result rows in source order, each distinct cell's rows under every label."""
        by_cell: dict[int, list[_Row]] = {}
        for outcome in outcomes:
            if outcome.value is not None:
                for row in outcome.value:
                    by_cell.setdefault(int(row[0]), []).append(row)
            else:
                message = f"chunk failed: {outcome.error}"
                for position in outcome.index:
                    by_cell.setdefault(int(position), []).append(
                        _error_row(position, message, None)
                    )
        rows: list[_Row] = []
        seen = [0] * len(self.labels)
        for position in self.order:
            label = self.labels[position][seen[position]]
            seen[position] += 1
            rows.extend((label, *row[1:]) for row in by_cell.get(position, ()))
        return rows


def _assemble(rows: list[_Row]) -> pd.DataFrame:
    # object columns keep None as None (and bytes as bytes) under pandas 2 and 3 alike.
    frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS), dtype=object)
    return frame.astype(dict.fromkeys(_INT_COLUMNS, "Int64"))


def _unpack_frame(
    df: pd.DataFrame,
    column: str,
    *,
    executor: Executor | None = None,
    max_depth: int | None = None,
    limits: DecodeLimits | None = None,
    chunk_size: int | None = None,
) -> MapPlan[list[_Row], pd.DataFrame]:
    """Unpack every cell of ``df[column]``; one output row per layer found.

    Cells that are not strings are handled, never fatal: ``None``/NaN are skipped, bytes are
    unpacked as bytes, anything else as its ``str()``. A cell whose input hit a whole-input
    limit, or a chunk whose worker failed, gives a row with only ``src_index`` and ``error``.
    ``unpack_frame_async`` takes the same arguments and awaits the chunks without blocking
    the event loop (with ``executor=None``, small frames run in the loop's thread pool).

    Args:
        df: the frame.
        column: the column holding the text (command lines, script blocks ...).
        executor: where chunks run: ``None`` runs small frames inline and large ones in the
            shared process pool; pass :class:`asisdk.executors.InlineExecutor` for one worker
            or any ``concurrent.futures.Executor`` (a Dask client's executor too).
        max_depth: as in :func:`unpack`.
        limits: as in :func:`unpack`, applied to each cell.
        chunk_size: rows per chunk (default: a few chunks per worker).

    Returns:
        A DataFrame with the columns ``src_index`` (the source row's index label), ``index``,
        ``parent``, ``depth``, ``encoding``, ``source``, ``start``, ``end``,
        ``decoded_bytes``, ``decoded_text``, ``file_name``, ``file_type``, ``md5``, ``sha1``,
        ``sha256``, ``error`` and ``full_decoded_string`` (the :attr:`Unpacked.text` of the
        row). Rows without anything encoded produce no rows.

    Raises:
        InvalidInputError: ``df`` is not a DataFrame or has no column ``column``.

    Examples:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"cmd": ["whoami", "powershell -e ZABpAHIAIABDADoAXAA="]})
        >>> out = unpack_frame(frame, "cmd")
        >>> out[["src_index", "encoding", "decoded_text"]].to_dict("records")
        [{'src_index': 1, 'encoding': 'base64', 'decoded_text': 'dir C:\\\\'}]
        >>> import asyncio
        >>> asyncio.run(unpack_frame_async(frame, "cmd")).loc[0, "decoded_text"]
        'dir C:\\\\'
    """
    distinct = _Distinct(_check(df, column), column)
    options = {"column": column, "max_depth": max_depth, "limits": limits}
    return MapPlan(_unpack_chunk, distinct.frame, options, distinct.assemble, executor, chunk_size)


unpack_frame, unpack_frame_async = plan_runners(_unpack_frame)
