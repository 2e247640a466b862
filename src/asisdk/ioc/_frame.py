"""DataFrame extraction: ``extract_frame`` / ``extract_frame_async`` over executor chunks.

The operation is written once, as a planner (``_extract_frame``: check the arguments,
return an :class:`asisdk.executors.MapPlan` of worker, input, options and assembly), and
:func:`asisdk.executors.plan_runners` makes the blocking and the awaitable function from it:
one signature, one docstring (as in ``decode/_frame.py``).

Each chunk joins its distinct cell texts into one text (separated by a newline, which no
indicator can span), refangs each one, scans the whole chunk once and maps every hit back to
its cells by offset. One regex pass per chunk instead of one per cell, and one scan per
distinct text, keep the per-row cost low.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Hashable, Iterable, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, Final

from asisdk.errors import InvalidInputError
from asisdk.executors import ChunkOutcome, MapPlan, plan_runners
from asisdk.ioc._extractor import IocExtractor
from asisdk.ioc._refang import RefangMap, refang_with_map

# pandas (~0.5 s) is imported by the functions that need it, so `import asisdk.ioc` for text
# extraction does not pay for it; a DataFrame caller has loaded it already.
if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FRAME_COLUMNS", "extract_frame", "extract_frame_async"]

#: Output columns, in order. ``error`` is ``None`` unless the chunk holding the row failed.
FRAME_COLUMNS: Final = ("ioc_type", "observable", "src_index", "column", "error")
#: Longest cell text scanned (longer cells are scanned up to this many characters).
MAX_CELL_CHARS: Final = 1_000_000


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = value
    elif isinstance(value, bytes | bytearray | memoryview):
        text = bytes(value).decode("utf-8", errors="replace")
    else:
        import pandas as pd

        if (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
            return None
        text = str(value)
    return text[:MAX_CELL_CHARS] if text else None


_Rows = list[tuple[str, str, Hashable, Hashable]]


def _extract_chunk(
    chunk: pd.DataFrame, *, columns: Sequence[Hashable], extractor: IocExtractor, types: list[str]
) -> _Rows:
    """Worker: ``(type, value, index label, column)`` rows of one chunk (de-duplicated).

    Security logs repeat themselves (the same command line thousands of times), so each
    distinct cell text is scanned once and its indicators are copied to every cell holding it.
    """
    distinct: dict[str, int] = {}
    cells: list[tuple[int, Hashable, Hashable]] = []
    for column in columns:
        for label, value in zip(chunk.index, chunk[column].tolist(), strict=True):
            text = _cell_text(value)
            if text is not None:
                cells.append((distinct.setdefault(text, len(distinct)), label, column))
    if not cells:
        return []
    texts: list[str] = []
    starts: list[int] = []
    maps: list[tuple[int, RefangMap]] = []
    pos = 0
    for cell_text in distinct:
        text = cell_text
        if extractor.defanged:
            text, fanged = refang_with_map(cell_text)
            if fanged is not None:
                maps.append((pos, fanged))
        starts.append(pos)
        texts.append(text)
        pos += len(text) + 1
    found: list[dict[tuple[str, str], None]] = [{} for _ in texts]
    joined = "\n".join(texts)
    for kind, value, start, _end in extractor._hits(joined, _merge_maps(maps), set(types)):
        found[bisect.bisect_right(starts, start) - 1][(kind, value)] = None
    return [
        (kind, value, label, column)
        for text_id, label, column in cells
        for kind, value in found[text_id]
    ]


def _merge_maps(maps: list[tuple[int, RefangMap]]) -> RefangMap | None:
    if not maps:
        return None
    merged = RefangMap.empty()
    for offset, fanged in maps:
        merged.new_start.extend(p + offset for p in fanged.new_start)
        merged.new_end.extend(p + offset for p in fanged.new_end)
        merged.orig_start.extend(p + offset for p in fanged.orig_start)
        merged.orig_end.extend(p + offset for p in fanged.orig_end)
    return merged


def _check(
    df: pd.DataFrame,
    columns: Hashable | Iterable[Hashable],
    extractor: IocExtractor | None,
    types: Iterable[str] | None,
) -> tuple[list[Hashable], IocExtractor, list[str]]:
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise InvalidInputError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    cols: list[Hashable] = (
        [columns]
        if isinstance(columns, str) or not isinstance(columns, Iterable)
        else list(columns)
    )
    if not cols:
        raise InvalidInputError("columns is empty: name at least one column to scan")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InvalidInputError(
            f"column(s) {missing!r} not in the DataFrame; available: {list(df.columns)!r}"
        )
    chosen = extractor if extractor is not None else IocExtractor()
    wanted = sorted(chosen._wanted(types))
    return cols, chosen, wanted


def _assemble(outcomes: list[ChunkOutcome[_Rows]]) -> pd.DataFrame:
    import pandas as pd

    records: list[tuple[Any, ...]] = []
    for outcome in outcomes:
        if outcome.ok and outcome.value is not None:
            records.extend((*row, None) for row in outcome.value)
        else:
            records.extend((None, None, label, None, outcome.error) for label in outcome.index)
    frame = pd.DataFrame.from_records(records, columns=list(FRAME_COLUMNS))
    return frame.astype({"ioc_type": "object", "observable": "object", "error": "object"})


def _extract_frame(
    df: pd.DataFrame,
    columns: Hashable | Iterable[Hashable],
    *,
    types: Iterable[str] | None = None,
    executor: Executor | None = None,
    extractor: IocExtractor | None = None,
    chunk_size: int | None = None,
) -> MapPlan[_Rows, pd.DataFrame]:
    """Extract indicators from one or more columns of a DataFrame.

    One output row per distinct (source row, column, type, value). Cells that are ``None``,
    NaN or empty are skipped; ``bytes`` are decoded as UTF-8 (bad bytes replaced); numbers
    and other objects are scanned as ``str(value)``. A chunk that fails yields one row per
    source row with ``error`` set instead of losing the batch. ``extract_frame_async`` takes
    the same arguments and awaits the chunks without blocking the event loop.

    Args:
        df: the input frame.
        columns: a column name or several.
        types: the types to report (default: the extractor's enabled types).
        executor: where chunks run (see :mod:`asisdk.executors`); default inline for one
            chunk, the shared process pool for more.
        extractor: a configured :class:`IocExtractor` (custom types, ``defanged``); it must
            be picklable to travel to a process pool.
        chunk_size: rows per chunk (default: a few chunks per worker).

    Returns:
        A DataFrame with columns ``ioc_type, observable, src_index, column, error``.

    Raises:
        InvalidInputError: ``df`` is not a DataFrame, a column is missing, a type is unknown.

    Examples:
        >>> import asyncio, pandas as pd
        >>> from asisdk.executors import InlineExecutor
        >>> df = pd.DataFrame({"cmd": ["curl hxxp://evil[.]com/x", None]})
        >>> extract_frame(df, "cmd", types=["url"], executor=InlineExecutor())
          ioc_type         observable  src_index column error
        0      url  http://evil.com/x          0    cmd  None
        >>> df = pd.DataFrame({"c": ["ping 10.0.0.1"]})
        >>> asyncio.run(extract_frame_async(df, "c"))["observable"].tolist()
        ['10.0.0.1']
    """
    cols, chosen, wanted = _check(df, columns, extractor, types)
    options = {"columns": cols, "extractor": chosen, "types": wanted}
    return MapPlan(_extract_chunk, df[cols], options, _assemble, executor, chunk_size)


extract_frame, extract_frame_async = plan_runners(_extract_frame)
