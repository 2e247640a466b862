"""Numeric features of strings and of process-creation events, scalar and vectorised.

Every helper takes either one string or a :class:`pandas.Series` of them. The Series form is
vectorised: each distinct value is computed once (a million rows of repetitive command lines
cost as much as their distinct values) and the character arithmetic runs in numpy over
bounded blocks of text. Missing cells (``None``, ``NaN``) count as the empty string; other
non-string cells are converted with ``str``.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from typing import Any, overload

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from asisdk.cluster import _defaults
from asisdk.cluster._options import ProcessColumns, refuse_beside
from asisdk.cluster._text import cell_text, combine_codes, factorize_texts
from asisdk.errors import AsiError, InvalidInputError
from asisdk.executors import cpu_count, map_frame

__all__ = [
    "PROCESS_FEATURE_COLUMNS",
    "add_process_features",
    "char_ord_score",
    "crc32_hash",
    "delim_count",
    "delim_hash",
    "token_count",
]

_ASCII = 128
_IS_DELIM = np.zeros(_ASCII, dtype=bool)
_IS_DELIM[[ord(c) for c in _defaults.DELIMITERS]] = True
_IS_DELIM.flags.writeable = False

#: The columns :func:`add_process_features` adds, in order.
PROCESS_FEATURE_COLUMNS: tuple[str, ...] = (
    "processName",
    "processNameLen",
    "processNameTokens",
    "pathScore",
    "pathLogScore",
    "pathHash",
    "commandlineLen",
    "commandlineLogLen",
    "commandlineTokens",
    "commandlineTokensFull",
    "commandlineScore",
    "commandlineLogScore",
    "commandlineTokensHash",
    "isSystemSession",
)

IntArray = npt.NDArray[np.int64]


def _blocks(texts: list[str]) -> Iterator[tuple[int, int]]:
    """Yield (start, stop) ranges of ``texts`` holding at most about BLOCK_CHARS characters."""
    start, size = 0, 0
    for pos, text in enumerate(texts):
        size += len(text)
        if size >= _defaults.BLOCK_CHARS:
            yield start, pos + 1
            start, size = pos + 1, 0
    if start < len(texts):
        yield start, len(texts)


def _codepoints(texts: list[str]) -> tuple[npt.NDArray[np.uint32], IntArray]:
    """Return the code points of the concatenated texts and the boundaries of each text."""
    joined = "".join(texts).encode("utf-32-le", "surrogatepass")
    points = np.frombuffer(joined, dtype=np.uint32)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    bounds = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=bounds[1:])
    return points, bounds


def _segment_sums(values: npt.NDArray[Any], bounds: IntArray) -> IntArray:
    total = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(values, out=total[1:])
    return total[bounds[1:]] - total[bounds[:-1]]


def _delimiter_mask(points: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    # All delimiters are ASCII: a 128-entry lookup table beats np.isin's sort.
    return (points < _ASCII) & _IS_DELIM[np.minimum(points, _ASCII - 1)]


@attrs.frozen
class _TextStats:
    ord_sums: IntArray
    delim_counts: IntArray
    delim_hashes: IntArray


def _text_stats(texts: list[str], *, hashes: bool = True) -> _TextStats:
    """Code-point sums, delimiter counts and delimiter-shape CRC32s in one pass over blocks."""
    sums = np.empty(len(texts), dtype=np.int64)
    counts = np.empty(len(texts), dtype=np.int64)
    crcs = np.zeros(len(texts), dtype=np.int64)
    for start, stop in _blocks(texts):
        points, bounds = _codepoints(texts[start:stop])
        sums[start:stop] = _segment_sums(points.astype(np.int64), bounds)
        mask = _delimiter_mask(points)
        kept = np.zeros(len(mask) + 1, dtype=np.int64)
        np.cumsum(mask, out=kept[1:])
        ends = kept[bounds]
        counts[start:stop] = ends[1:] - ends[:-1]
        if hashes:
            view = memoryview(points[mask].astype(np.uint8).tobytes())
            edges = ends.tolist()
            crcs[start:stop] = [
                zlib.crc32(view[edges[i] : edges[i + 1]]) for i in range(stop - start)
            ]
    return _TextStats(ord_sums=sums, delim_counts=counts, delim_hashes=crcs)


def _ord_sums(texts: list[str]) -> IntArray:
    return _text_stats(texts, hashes=False).ord_sums


def _delim_counts(texts: list[str]) -> IntArray:
    return _text_stats(texts, hashes=False).delim_counts


def _delim_hashes(texts: list[str]) -> IntArray:
    return _text_stats(texts).delim_hashes


def _crc32s(texts: list[str]) -> IntArray:
    return np.fromiter(
        (zlib.crc32(t.encode("utf-8", "surrogatepass")) for t in texts),
        dtype=np.int64,
        count=len(texts),
    )


def _apply(
    value: str | pd.Series[Any], per_distinct: Callable[[list[str]], IntArray], name: str
) -> int | pd.Series[Any]:
    if isinstance(value, pd.Series):
        texts, codes = factorize_texts(value)
        return pd.Series(per_distinct(texts)[codes], index=value.index, name=name)
    return int(per_distinct([cell_text(value)])[0])


@overload
def char_ord_score(value: str, *, scale: int = 1) -> int: ...
@overload
def char_ord_score(value: pd.Series[Any], *, scale: int = 1) -> pd.Series[Any]: ...
def char_ord_score(value: str | pd.Series[Any], *, scale: int = 1) -> int | pd.Series[Any]:
    """Sum of the Unicode code points of the text, integer-divided by ``scale``.

    A cheap fingerprint of a string's content: equal strings score equal, strings that differ
    by one character score close.

    Args:
        value: a string, or a Series of them (vectorised; missing cells count as "").
        scale: divide the sum by this (floor division); must be at least 1.

    Returns:
        An int, or an int64 Series aligned to the input.

    Raises:
        InvalidInputError: ``scale`` is below 1.

    Examples:
        >>> char_ord_score("abc")
        294
    """
    if scale < 1:
        raise InvalidInputError(f"scale must be at least 1, got {scale}")
    result = _apply(value, _ord_sums, "char_ord_score")
    return result // scale


@overload
def token_count(value: str, *, delimiter: str = " ") -> int: ...
@overload
def token_count(value: pd.Series[Any], *, delimiter: str = " ") -> pd.Series[Any]: ...
def token_count(value: str | pd.Series[Any], *, delimiter: str = " ") -> int | pd.Series[Any]:
    """Number of pieces the text splits into at ``delimiter`` (``len(text.split(delimiter))``).

    Args:
        value: a string, or a Series of them (vectorised; missing cells count as "").
        delimiter: the separator; a non-empty string.

    Returns:
        An int (at least 1), or an int64 Series aligned to the input.

    Raises:
        InvalidInputError: ``delimiter`` is empty.

    Examples:
        >>> token_count("net user /domain")
        3
    """
    if not delimiter:
        raise InvalidInputError("delimiter must be a non-empty string")

    def count(texts: list[str]) -> IntArray:
        return np.fromiter(
            (t.count(delimiter) + 1 for t in texts), dtype=np.int64, count=len(texts)
        )

    return _apply(value, count, "token_count")


@overload
def delim_count(value: str) -> int: ...
@overload
def delim_count(value: pd.Series[Any]) -> pd.Series[Any]: ...
def delim_count(value: str | pd.Series[Any]) -> int | pd.Series[Any]:
    """Number of delimiter characters (whitespace and ``- \\ / . , " ' | & : ; % $ ( )``).

    Args:
        value: a string, or a Series of them (vectorised; missing cells count as "").

    Returns:
        An int, or an int64 Series aligned to the input.

    Examples:
        >>> delim_count('cmd.exe /c "dir C:\\\\"')
        9
    """
    return _apply(value, _delim_counts, "delim_count")


@overload
def delim_hash(value: str) -> int: ...
@overload
def delim_hash(value: pd.Series[Any]) -> pd.Series[Any]: ...
def delim_hash(value: str | pd.Series[Any]) -> int | pd.Series[Any]:
    """CRC32 of the text's delimiter characters in order: the "shape" of a command line.

    Command lines that differ only in the words between their delimiters (host names, user
    names, numbers) share a shape hash.

    Args:
        value: a string, or a Series of them (vectorised; missing cells count as "").

    Returns:
        An unsigned 32-bit value as int, or an int64 Series aligned to the input.

    Examples:
        >>> delim_hash("ping -n 1 host-a") == delim_hash("ping -n 9 host-b")
        True
    """
    return _apply(value, _delim_hashes, "delim_hash")


@overload
def crc32_hash(value: str) -> int: ...
@overload
def crc32_hash(value: pd.Series[Any]) -> pd.Series[Any]: ...
def crc32_hash(value: str | pd.Series[Any]) -> int | pd.Series[Any]:
    """CRC32 of the UTF-8 encoded text.

    Args:
        value: a string, or a Series of them (vectorised; missing cells count as "").

    Returns:
        An unsigned 32-bit value as int, or an int64 Series aligned to the input.

    Examples:
        >>> crc32_hash("hello")
        907060870
    """
    return _apply(value, _crc32s, "crc32_hash")


def _log10(values: IntArray) -> npt.NDArray[np.float64]:
    out = np.zeros(len(values), dtype=np.float64)
    positive = values > 0
    out[positive] = np.log10(values[positive])
    return out


def _process_name_parts(texts: list[str], path_separator: str | None) -> tuple[list[str], IntArray]:
    names: list[str] = []
    parts = np.zeros(len(texts), dtype=np.int64)
    for i, path in enumerate(texts):
        if path_separator is None:
            cut = max(path.rfind("\\"), path.rfind("/"))
            count = path.count("\\") + path.count("/")
        else:
            cut = path.rfind(path_separator)
            count = path.count(path_separator)
        names.append(path[cut + 1 :] if cut >= 0 else path)
        parts[i] = count + 1 if path else 0
    return names, parts


def process_features_chunk(frame: pd.DataFrame, *, columns: ProcessColumns) -> pd.DataFrame:
    """Compute the process features of one frame (the executor's worker function)."""
    paths, path_codes = factorize_texts(frame[columns.process])
    names, name_parts = _process_name_parts(paths, columns.path_separator)
    name_arr = np.asarray(names, dtype=object)
    path_score = _ord_sums(paths)
    cmds, cmd_codes = factorize_texts(frame[columns.commandline])
    cmd_len = np.fromiter((len(c) for c in cmds), dtype=np.int64, count=len(cmds))
    cmd_stats = _text_stats(cmds)
    cmd_score = cmd_stats.ord_sums
    cmd_tokens = np.fromiter((c.count(" ") + 1 for c in cmds), dtype=np.int64, count=len(cmds))
    if columns.logon_id is not None:
        logons, logon_codes = factorize_texts(frame[columns.logon_id])
        system = np.fromiter(
            (v.strip().lower() in _defaults.SYSTEM_LOGON_IDS for v in logons), bool, len(logons)
        )
        is_system = system[logon_codes]
    else:
        is_system = np.zeros(len(frame), dtype=bool)
    features: dict[str, Any] = {
        "processName": name_arr[path_codes],
        "processNameLen": np.fromiter((len(n) for n in names), np.int64, len(names))[path_codes],
        "processNameTokens": name_parts[path_codes],
        "pathScore": path_score[path_codes],
        "pathLogScore": _log10(path_score)[path_codes],
        "pathHash": _crc32s(paths)[path_codes],
        "commandlineLen": cmd_len[cmd_codes],
        "commandlineLogLen": _log10(cmd_len)[cmd_codes],
        "commandlineTokens": cmd_tokens[cmd_codes],
        "commandlineTokensFull": cmd_stats.delim_counts[cmd_codes],
        "commandlineScore": cmd_score[cmd_codes],
        "commandlineLogScore": _log10(cmd_score)[cmd_codes],
        "commandlineTokensHash": cmd_stats.delim_hashes[cmd_codes],
        "isSystemSession": is_system,
    }
    return pd.DataFrame(features, index=frame.index)


def check_columns(frame: pd.DataFrame, columns: list[str], *, role: str) -> None:
    """Raise :class:`InvalidInputError` naming the columns of ``columns`` absent in ``frame``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidInputError(
            f"{role}: column(s) {missing} not in the frame; it has {list(frame.columns)[:20]}. "
            "Pass the right column names (keyword arguments) or rename the columns."
        )


def compute_process_features(
    frame: pd.DataFrame, columns: ProcessColumns, *, executor: Executor | None = None
) -> pd.DataFrame:
    """Return only the feature columns of ``frame`` (same index), computed in ``executor``."""
    check_columns(frame, [columns.process, columns.commandline], role="process features")
    logon = columns.logon_id if columns.logon_id in frame.columns else None
    columns = attrs.evolve(columns, logon_id=logon)
    wanted = [columns.process, columns.commandline] + ([logon] if logon else [])
    # Work on distinct rows only: repetitive events cost nothing extra.
    source = frame[wanted]
    keys = combine_codes(*(factorize_texts(source[column])[1] for column in wanted))
    first = pd.Series(keys).drop_duplicates().index.to_numpy()
    distinct = source.iloc[first].reset_index(drop=True)
    # Features cost microseconds per row: chunks big enough to be worth a process hop.
    chunk_size = max(_defaults.MIN_FEATURE_CHUNK_ROWS, math.ceil(len(distinct) / (2 * cpu_count())))
    outcomes = map_frame(
        process_features_chunk, distinct, executor=executor, chunk_size=chunk_size, columns=columns
    )
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise AsiError(
            f"feature extraction failed in {len(failed)} of {len(outcomes)} chunks "
            f"(first: {failed[0].error}); retry, or pass executor=InlineExecutor() to debug"
        )
    parts = [o.value for o in outcomes if o.value is not None]
    features = pd.concat(parts) if parts else process_features_chunk(distinct, columns=columns)
    # Keys number the distinct rows 0..k-1 in order of first appearance: a row's key is the
    # position of its distinct row.
    result = features.iloc[keys]
    result.index = frame.index
    return result


def add_process_features(
    df: pd.DataFrame,
    *,
    path_separator: str | None = None,
    process_column: str = _defaults.PROCESS_COLUMN,
    commandline_column: str = _defaults.COMMANDLINE_COLUMN,
    logon_id_column: str | None = _defaults.LOGON_ID_COLUMN,
    executor: Executor | None = None,
    process_columns: ProcessColumns | None = None,
) -> pd.DataFrame:
    """Return a copy of ``df`` with numeric features of each process-creation event.

    Features added (all of them, always):

    * ``processName``: last element of the process path; ``processNameLen``: its length;
      ``processNameTokens``: number of elements in the path.
    * ``pathScore``: sum of the code points of the path; ``pathLogScore``: its log10 (0 for 0);
      ``pathHash``: CRC32 of the path.
    * ``commandlineLen`` and ``commandlineLogLen``: length of the command line and its log10.
    * ``commandlineTokens``: space-separated tokens; ``commandlineTokensFull``: delimiter
      characters (see :func:`delim_count`).
    * ``commandlineScore`` and ``commandlineLogScore``: code-point sum and its log10.
    * ``commandlineTokensHash``: CRC32 of the delimiter sequence (see :func:`delim_hash`).
    * ``isSystemSession``: the logon id is ``0x3e7`` (SYSTEM) or ``-1``; ``False`` for every
      row when the frame has no logon id column.

    Missing cells count as empty strings. Each distinct (path, command line, logon id) row
    is computed once; chunks run in ``executor``.

    Args:
        df: process events (Windows 4688 column names by default).
        path_separator: ``"\\\\"`` or ``"/"``; by default each path is cut at its last
            backslash or slash, whichever comes later, so mixed Windows/Linux data works.
        process_column: column holding the process image path.
        commandline_column: column holding the command line.
        logon_id_column: column holding the logon id (``None`` to skip).
        executor: where the feature chunks run (see :mod:`asisdk.executors`).
        process_columns: the four options above as one :class:`ProcessColumns` (then
            leave those keywords out).

    Returns:
        A new DataFrame: ``df``'s columns followed by the feature columns, same index.

    Raises:
        InvalidInputError: a named column is missing or ``path_separator`` is not one
            character.

    Examples:
        >>> import pandas as pd
        >>> events = pd.DataFrame({"NewProcessName": [r"C:\\Windows\\cmd.exe"],
        ...                        "CommandLine": ["cmd /c whoami"],
        ...                        "SubjectLogonId": ["0x3e7"]})
        >>> row = add_process_features(events).iloc[0]
        >>> row["processName"], int(row["commandlineTokens"]), bool(row["isSystemSession"])
        ('cmd.exe', 3, True)
    """
    keywords = {
        "process_column": process_column,
        "commandline_column": commandline_column,
        "logon_id_column": logon_id_column,
        "path_separator": path_separator,
    }
    defaults = attrs.asdict(ProcessColumns())
    refuse_beside(process_columns, keywords, dict(zip(keywords, defaults.values(), strict=True)))
    columns = process_columns or ProcessColumns(
        process_column, commandline_column, logon_id_column, path_separator
    )
    features = compute_process_features(df, columns, executor=executor)
    kept = df.drop(columns=[c for c in PROCESS_FEATURE_COLUMNS if c in df.columns])
    return pd.concat([kept, features], axis=1)
