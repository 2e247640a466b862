"""Row-wise transforms over Dask DataFrames: one pandas call per partition, exact results.

Each partition is an ordinary pandas DataFrame, so the Dask versions call the pandas frame
functions on it (inline: the Dask worker *is* the unit of parallelism, a process pool inside
it would only fight for the same cores). The ``meta`` (columns and dtypes Dask promises
before computing) is derived the way the pandas function infers its dtypes, and every
partition's result is conformed to it, so an empty partition (no indicator found) never
changes a dtype.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from asisdk import cluster as _cluster
from asisdk import decode as _decode
from asisdk import ioc as _ioc
from asisdk.errors import InvalidInputError
from asisdk.executors import InlineExecutor

if TYPE_CHECKING:
    import dask.dataframe as dd

__all__ = ["add_process_features", "extract_frame", "unpack_frame"]

#: The pandas path's default process columns (one definition: ``cluster.ProcessColumns``).
_PROCESS_COLUMNS = _cluster.ProcessColumns()


def _check_dask(df: object, function: str) -> None:
    from asisdk.dask._imports import import_dask_dataframe

    dd = import_dask_dataframe()
    if not isinstance(df, dd.DataFrame):
        raise InvalidInputError(
            f"asisdk.dask.{function}() takes a dask.dataframe.DataFrame, got "
            f"{type(df).__name__}; for pandas use asisdk's own {function}()"
        )


def dtypes_of(meta: pd.DataFrame) -> dict[Hashable, Any]:
    """Return the dtypes of ``meta`` as a plain dict (pandas arguments would become Dask ones)."""
    return dict(meta.dtypes.items())


def _on_partition(
    part: pd.DataFrame, func: Any, args: tuple[Any, ...], options: Any, dtypes: Any
) -> pd.DataFrame:
    """The pandas ``func`` on one partition, inline (the worker is the unit of parallelism)."""
    return conform(func(part, *args, executor=InlineExecutor(), **options), dtypes)


def _per_partition(
    df: dd.DataFrame, func: Any, args: tuple[Any, ...], options: Any, meta: pd.DataFrame
) -> dd.DataFrame:
    """Lazy ``func(part, *args, **options)`` over every partition, cast to ``meta``'s dtypes."""
    return df.map_partitions(_on_partition, func, args, options, dtypes_of(meta), meta=meta)


def conform(frame: pd.DataFrame, dtypes: Mapping[Hashable, Any]) -> pd.DataFrame:
    """Cast the columns of ``frame`` whose dtype differs from ``dtypes`` (empty results)."""
    wrong = {
        name: dtype
        for name, dtype in dtypes.items()
        if name in frame.columns and frame[name].dtype != dtype
    }
    return frame.astype(wrong) if wrong else frame


def unpack_frame(
    df: dd.DataFrame,
    column: str,
    *,
    max_depth: int | None = None,
    limits: _decode.DecodeLimits | None = None,
) -> dd.DataFrame:
    """Lazy :func:`asisdk.decode.unpack_frame` over a Dask DataFrame, one call per partition.

    The rows are exactly those of the pandas function (one per layer found, ``src_index``
    holding the source row's index label); each partition's rows keep their order. The
    result's own index restarts at 0 in each partition: use ``src_index`` to join.

    Args:
        df: a ``dask.dataframe.DataFrame``.
        column: the column holding the text.
        max_depth: as in :func:`asisdk.decode.unpack`.
        limits: as in :func:`asisdk.decode.unpack`, applied to each cell.

    Returns:
        A lazy Dask DataFrame with :data:`asisdk.decode` frame columns and dtypes.

    Raises:
        InvalidInputError: ``df`` is not a Dask DataFrame or has no column ``column``.

    Examples:
        >>> import dask.dataframe as dd, pandas as pd
        >>> frame = dd.from_pandas(pd.DataFrame({"cmd": ["powershell -e ZABpAHIAIABDADoAXAA="]}),
        ...                        npartitions=1)
        >>> unpack_frame(frame, "cmd")["decoded_text"].compute().tolist()
        ['dir C:\\\\']
    """
    _check_dask(df, "unpack_frame")
    meta = _decode.unpack_frame(df._meta, column, executor=InlineExecutor())
    selected = df[[column]]
    options = {"max_depth": max_depth, "limits": limits}
    return _per_partition(selected, _decode.unpack_frame, (column,), options, meta)


def _extract_meta(df: dd.DataFrame, columns: list[Hashable]) -> pd.DataFrame:
    # The pandas function builds its frame with from_records, which infers the dtype of
    # src_index from the index labels and of column from the column labels, then forces the
    # other three to object. One representative record reproduces that inference.
    label = df._meta_nonempty.index[0]
    record = (None, None, label, columns[0], None)
    sample = pd.DataFrame.from_records([record], columns=list(_ioc.FRAME_COLUMNS))
    sample = sample.astype({"ioc_type": "object", "observable": "object", "error": "object"})
    return sample.iloc[:0]


def extract_frame(
    df: dd.DataFrame,
    columns: Hashable | Iterable[Hashable],
    *,
    types: Iterable[str] | None = None,
    extractor: _ioc.IocExtractor | None = None,
) -> dd.DataFrame:
    """Lazy :func:`asisdk.ioc.extract_frame` over a Dask DataFrame, one call per partition.

    The set of rows is exactly the pandas function's (one per distinct source row, column,
    type and value). With several columns the order inside a partition may differ from the
    pandas call's (both group rows by chunk); compare sorted. The result's index restarts
    at 0 in each partition: use ``src_index`` to join.

    Args:
        df: a ``dask.dataframe.DataFrame``.
        columns: a column name or several.
        types: the types to report (default: the extractor's enabled types).
        extractor: a configured :class:`asisdk.ioc.IocExtractor`; it travels to the workers,
            so custom validators must be picklable.

    Returns:
        A lazy Dask DataFrame with columns ``ioc_type, observable, src_index, column, error``.

    Raises:
        InvalidInputError: ``df`` is not a Dask DataFrame, a column is missing or a type is
            unknown (checked before anything runs).

    Examples:
        >>> import dask.dataframe as dd, pandas as pd
        >>> frame = dd.from_pandas(pd.DataFrame({"c": ["ping 10.0.0.1"]}), npartitions=1)
        >>> extract_frame(frame, "c")["observable"].compute().tolist()
        ['10.0.0.1']
    """
    _check_dask(df, "extract_frame")
    cols: list[Hashable] = (
        [columns]
        if isinstance(columns, str) or not isinstance(columns, Iterable)
        else list(columns)
    )
    wanted = None if types is None else list(types)
    # Validate columns and types now, on the empty meta, not on a worker later.
    _ioc.extract_frame(df._meta, cols, types=wanted, extractor=extractor)
    meta = _extract_meta(df, cols)
    options = {"types": wanted, "extractor": extractor}
    return _per_partition(df[cols], _ioc.extract_frame, (cols,), options, meta)


def add_process_features(
    df: dd.DataFrame,
    *,
    path_separator: str | None = None,
    process_column: str = _PROCESS_COLUMNS.process,
    commandline_column: str = _PROCESS_COLUMNS.commandline,
    logon_id_column: str | None = _PROCESS_COLUMNS.logon_id,
    process_columns: _cluster.ProcessColumns | None = None,
) -> dd.DataFrame:
    """Lazy :func:`asisdk.cluster.add_process_features` over a Dask DataFrame.

    Every feature is a function of its own row, so the result is exactly the pandas one:
    ``df``'s columns followed by the feature columns, same index and divisions.

    Args:
        df: a ``dask.dataframe.DataFrame`` of process events.
        path_separator: see :func:`asisdk.cluster.add_process_features`.
        process_column: column holding the process image path.
        commandline_column: column holding the command line.
        logon_id_column: column holding the logon id (``None`` to skip).
        process_columns: the four options above as one
            :class:`~asisdk.cluster.ProcessColumns` (then leave those keywords out).

    Returns:
        A lazy Dask DataFrame with the feature columns added.

    Raises:
        InvalidInputError: ``df`` is not a Dask DataFrame, a named column is missing or
            ``path_separator`` is not one character.

    Examples:
        >>> import dask.dataframe as dd, pandas as pd
        >>> events = dd.from_pandas(pd.DataFrame({"NewProcessName": [r"C:\\Windows\\cmd.exe"],
        ...                                       "CommandLine": ["cmd /c whoami"]}),
        ...                         npartitions=1)
        >>> add_process_features(events)["commandlineTokens"].compute().tolist()
        [3]
    """
    _check_dask(df, "add_process_features")
    options: dict[str, Any] = {
        "path_separator": path_separator,
        "process_column": process_column,
        "commandline_column": commandline_column,
        "logon_id_column": logon_id_column,
        "process_columns": process_columns,
    }
    # Fake non-empty rows give the dtypes of real ones (an empty frame gives object
    # for processName where real rows give strings).
    meta = _cluster.add_process_features(
        df._meta_nonempty, executor=InlineExecutor(), **options
    ).iloc[:0]
    return _per_partition(df, _cluster.add_process_features, (), options, meta)
