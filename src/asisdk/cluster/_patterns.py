"""Template mining: group log lines / command lines by the message template behind them.

How it works (an approach in the spirit of Brain, written for asisdk):

1. **Mask** the parts that obviously vary (URLs, GUIDs, IPs, MACs, host names, user names,
   hex, numbers; see :data:`DEFAULT_MASKS`) with ``<*>`` and split at whitespace.
2. **Collapse** identical masked token sequences (with counts): repetitive input costs as
   much as its distinct shapes.
3. **Group by length**, then inside each length count how often each token occurs at each
   position. The constant words of one template occur as often as the template does, so in
   each line the frequency shared by the most positions marks its template *skeleton*.
   Lines with the same skeleton (and the same more frequent words) form a group.
4. **Refine** each group column by column: a column with at most ``max_constants``
   distinct words is a constant that separates sub-templates, so it splits the group (the
   column with the fewest words first); a column with more words, or with a masked part
   in any of them, is a variable and becomes ``<*>`` in the template.
5. Optionally (``similarity``) merge templates of one length that mostly agree.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from asisdk.cluster import _defaults
from asisdk.cluster._masks import DEFAULT_MASKS, compile_masks
from asisdk.cluster._options import check_mining
from asisdk.cluster._text import factorize_texts
from asisdk.errors import AsiError
from asisdk.executors import cpu_count, map_chunks

__all__ = ["PatternGroups", "group_patterns", "merge_templates"]

_WILD = _defaults.WILDCARD
Tokens = tuple[str, ...]


@attrs.frozen(eq=False)
class PatternGroups:
    """Lines grouped by template.

    Attributes:
        labels: one group id per input line (0, 1, ... in order of first appearance), with
            the input's index when the input was a Series.
        templates: the template of each group id, variable parts shown as ``<*>``.
        sizes: the number of lines in each group.

    Examples:
        >>> groups = group_patterns(["disk 1 full", "disk 2 full", "fan speed low"])
        >>> groups.labels.tolist(), groups.templates
        ([0, 0, 1], ('disk <*> full', 'fan speed low'))
    """

    labels: pd.Series[Any]
    templates: tuple[str, ...]
    sizes: tuple[int, ...]

    @property
    def n_groups(self) -> int:
        """Number of groups."""
        return len(self.templates)

    def to_frame(self) -> pd.DataFrame:
        """Return one row per group: ``GroupId``, ``Template``, ``Size`` (largest first)."""
        frame = pd.DataFrame(
            {
                "GroupId": range(len(self.templates)),
                "Template": list(self.templates),
                "Size": list(self.sizes),
            }
        )
        return frame.sort_values(["Size", "GroupId"], ascending=[False, True], kind="stable")

    def __repr__(self) -> str:
        return f"PatternGroups(lines={len(self.labels)}, groups={self.n_groups})"


def tokenise(line: str, masks: re.Pattern[str], *, max_chars: int, max_tokens: int) -> Tokens:
    """Mask the variable parts of ``line`` and split it into tokens."""
    tokens = masks.sub(_WILD, line[:max_chars]).split()
    if len(tokens) > max_tokens:
        tokens = [*tokens[: max_tokens - 1], _WILD]
    return tuple(tokens)


def tokenise_lines(
    lines: list[str], *, masks: re.Pattern[str], max_chars: int, max_tokens: int
) -> list[Tokens]:
    """Tokenise a chunk of lines (the executor's worker function)."""
    return [tokenise(line, masks, max_chars=max_chars, max_tokens=max_tokens) for line in lines]


def _tokenise_all(
    texts: list[str],
    masks: re.Pattern[str],
    *,
    max_chars: int,
    max_tokens: int,
    executor: Executor | None,
) -> list[Tokens]:
    # Masking costs tens of microseconds per line: worth other processes only in bulk.
    chunk_size = max(_defaults.MIN_PATTERN_CHUNK_LINES, math.ceil(len(texts) / (2 * cpu_count())))
    if executor is None and len(texts) <= chunk_size:
        return tokenise_lines(texts, masks=masks, max_chars=max_chars, max_tokens=max_tokens)
    outcomes = map_chunks(
        tokenise_lines,
        texts,
        executor=executor,
        chunk_size=chunk_size,
        masks=masks,
        max_chars=max_chars,
        max_tokens=max_tokens,
    )
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise AsiError(
            f"masking failed in {len(failed)} of {len(outcomes)} chunks (first: "
            f"{failed[0].error}); retry, or pass executor=InlineExecutor() to debug"
        )
    return [tokens for o in outcomes for tokens in (o.value or [])]


class _Miner:
    """Template mining over distinct token sequences with weights (one call, no state kept)."""

    def __init__(self, max_constants: int) -> None:
        self.max_constants = max_constants
        self.templates: list[Tokens] = []

    def mine(self, seqs: Sequence[Tokens], weights: Sequence[int]) -> list[int]:
        by_length: dict[int, list[int]] = defaultdict(list)
        for pos, seq in enumerate(seqs):
            by_length[len(seq)].append(pos)
        out = [0] * len(seqs)
        for members in by_length.values():
            for group in self._skeleton_groups(members, seqs, weights):
                self._refine(group, seqs, out)
        return out

    def _skeleton_groups(
        self, members: list[int], seqs: Sequence[Tokens], weights: Sequence[int]
    ) -> list[list[int]]:
        if not members:
            return []
        length = len(seqs[members[0]])
        freq: list[Counter[str]] = [Counter() for _ in range(length)]
        for m in members:
            w = weights[m]
            for j, tok in enumerate(seqs[m]):
                freq[j][tok] += w
        groups: dict[Tokens, list[int]] = defaultdict(list)
        for m in members:
            seq = seqs[m]
            f = [freq[j][tok] for j, tok in enumerate(seq)]
            counted = Counter(fj for fj, tok in zip(f, seq, strict=True) if tok != _WILD)
            # The skeleton frequency: shared by the most positions; ties go to the higher.
            best = max(counted.items(), key=lambda kv: (kv[1], kv[0]))[0] if counted else 0
            key = tuple(
                tok if (fj >= best and tok != _WILD) else _WILD
                for fj, tok in zip(f, seq, strict=True)
            )
            groups[key].append(m)
        return list(groups.values())

    def _refine(self, group: list[int], seqs: Sequence[Tokens], out: list[int]) -> None:
        stack = [group]
        while stack:
            current = stack.pop()
            length = len(seqs[current[0]])
            split_col = -1
            best_n = 0
            for j in range(length):
                values = {seqs[m][j] for m in current}
                n = len(values)
                if n == 1 or any(_WILD in v for v in values):
                    continue
                if n <= self.max_constants and (split_col < 0 or n < best_n):
                    split_col, best_n = j, n
            if split_col >= 0 and len(current) > 1:
                parts: dict[str, list[int]] = defaultdict(list)
                for m in current:
                    parts[seqs[m][split_col]].append(m)
                if len(parts) > 1:
                    stack.extend(parts.values())
                    continue
            template = tuple(
                seqs[current[0]][j] if len({seqs[m][j] for m in current}) == 1 else _WILD
                for j in range(length)
            )
            tid = len(self.templates)
            self.templates.append(template)
            for m in current:
                out[m] = tid


def _mine(
    shapes: Sequence[Tokens], weights: Sequence[int], max_constants: int, similarity: float | None
) -> tuple[npt.NDArray[np.int64], list[Tokens]]:
    """Each shape's template id, and the templates (merged by ``similarity`` when given)."""
    miner = _Miner(max_constants)
    shape_template = np.asarray(miner.mine(shapes, weights), dtype=np.int64)
    found = miner.templates
    if similarity is not None and found:
        mapping, found = merge_similar(found, similarity)
        shape_template = np.asarray(mapping, dtype=np.int64)[shape_template]
    return shape_template, found


def merge_similar(templates: list[Tokens], similarity: float) -> tuple[list[int], list[Tokens]]:
    """Merge templates of one length that agree on at least ``similarity`` of positions.

    Greedy, in template order: each template joins the first earlier merged template it
    agrees with enough, which then shows ``<*>`` where they differ.

    Returns:
        (the merged id of each template, the merged templates).
    """
    merged: list[list[str]] = []
    by_length: dict[int, list[int]] = defaultdict(list)
    mapping: list[int] = []
    for template in templates:
        length = len(template)
        target = -1
        for candidate in by_length[length]:
            rep = merged[candidate]
            same = sum(a == b for a, b in zip(rep, template, strict=True))
            if length == 0 or same / length >= similarity:
                target = candidate
                break
        if target < 0:
            target = len(merged)
            merged.append(list(template))
            by_length[length].append(target)
        else:
            rep = merged[target]
            for j, token in enumerate(template):
                if rep[j] != token:
                    rep[j] = _WILD
        mapping.append(target)
    return mapping, [tuple(t) for t in merged]


def group_patterns(
    lines: Iterable[object] | pd.Series[Any],
    *,
    masks: Mapping[str, str | re.Pattern[str]] | None = None,
    similarity: float | None = None,
    max_constants: int = _defaults.MAX_CONSTANTS,
    max_line_chars: int = _defaults.MAX_LINE_CHARS,
    max_tokens: int = _defaults.MAX_TOKENS,
    executor: Executor | None = None,
) -> PatternGroups:
    """Group lines (log messages, command lines) by the template behind them.

    Args:
        lines: the lines; a Series keeps its index in ``labels``. Missing cells are "".
        masks: name -> regex of variable parts replaced by ``<*>`` before mining; default
            :data:`DEFAULT_MASKS`. Pass ``{}`` to mask nothing.
        similarity: ``None`` (default) keeps every template mining finds. A share between 0
            and 1 coarsens the result: templates with the same number of tokens that agree
            on at least this share of positions merge into one (``0.8``: 8 of 10 tokens).
            Costs a comparison with every earlier merged template of the same length.
        max_constants: inside a group of lines of one skeleton, a column with at most this
            many distinct words is read as constants that tell sub-templates apart (the
            group splits); a column with more is a variable (``<*>``). Higher splits more.
        max_line_chars: longer lines are cut to this many characters (hostile-input bound).
        max_tokens: tokens past this many merge into one variable token.
        executor: where masking runs, in chunks of distinct lines (see
            :mod:`asisdk.executors`); by default inline, or the shared process pool when
            there are more than 500,000 distinct lines. Mining itself runs in this process.

    Returns:
        A :class:`PatternGroups` with ``labels``, ``templates`` and ``sizes``.

    Raises:
        InvalidInputError: ``similarity`` outside 0-1, ``max_constants`` or a limit below 1,
            or a bad mask regex.

    Examples:
        >>> lines = [f"install-update -hostname web{i}.corp.com -tmp:/tmp/{i:08x}-aaaa-bbbb-"
        ...          f"cccc-{i:012x}/rollback" for i in range(3)]
        >>> group_patterns(lines).templates
        ('install-update -hostname <*> -tmp:/tmp/<*>/rollback',)
    """
    check_mining(
        similarity=similarity,
        max_constants=max_constants,
        max_line_chars=max_line_chars,
        max_tokens=max_tokens,
    )
    compiled = compile_masks(DEFAULT_MASKS if masks is None else masks)
    series = lines if isinstance(lines, pd.Series) else pd.Series(list(lines), dtype=object)
    texts, codes = factorize_texts(series)
    tokenised = _tokenise_all(
        texts, compiled, max_chars=max_line_chars, max_tokens=max_tokens, executor=executor
    )
    shape_of: dict[Tokens, int] = {}
    shapes: list[Tokens] = []
    line_shape = np.empty(len(texts), dtype=np.int64)
    for pos, toks in enumerate(tokenised):
        sid = shape_of.get(toks)
        if sid is None:
            sid = shape_of[toks] = len(shapes)
            shapes.append(toks)
        line_shape[pos] = sid
    row_shape = line_shape[codes] if len(codes) else line_shape[:0]
    weights = np.bincount(row_shape, minlength=len(shapes)).tolist()
    shape_template, found = _mine(shapes, weights, max_constants, similarity)
    row_template = shape_template[row_shape] if len(shapes) else row_shape
    labels, order = _first_appearance(row_template)
    templates = tuple(" ".join(found[t]) for t in order)
    sizes = tuple(np.bincount(labels, minlength=len(order)).tolist())
    return PatternGroups(
        labels=pd.Series(labels, index=series.index, name="GroupId"),
        templates=templates,
        sizes=sizes,
    )


def _first_appearance(
    values: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], list[int]]:
    codes, uniques = pd.factorize(values)
    return np.asarray(codes, dtype=np.int64), [int(u) for u in uniques]


def merge_templates(
    partitions: Sequence[tuple[tuple[str, ...], tuple[int, ...]]],
    *,
    max_constants: int,
    similarity: float | None,
) -> tuple[list[npt.NDArray[np.int64]], tuple[str, ...], tuple[int, ...]]:
    """Merge the templates mined from several parts of the input into one id space.

    The templates, weighted by their sizes, are mined again, so templates found in different
    detail join under the more general one; global ids follow first appearance (part order,
    then local id order). The Dask :func:`asisdk.dask.group_patterns` merges with this.

    Args:
        partitions: per part, its templates and their sizes, in order.
        max_constants: as in :func:`group_patterns`.
        similarity: as in :func:`group_patterns` (applied to the merged set).

    Returns:
        (per part, the global id of each local id; the global templates; their sizes).
    """
    used = [p for p in partitions if p[0]]
    if len(used) <= 1:
        # One partition with lines: its templates are already the answer (exactly the
        # pandas function's); mining them again could only coarsen them.
        identity = [np.arange(len(t), dtype=np.int64) for t, _ in partitions]
        only_templates, only_sizes = used[0] if used else ((), ())
        return identity, only_templates, only_sizes
    shape_of: dict[Tokens, int] = {}
    shapes: list[Tokens] = []
    weights: list[int] = []
    local_shape: list[list[int]] = []
    for templates, sizes in partitions:
        ids: list[int] = []
        for template, size in zip(templates, sizes, strict=True):
            tokens = tuple(template.split())
            sid = shape_of.get(tokens)
            if sid is None:
                sid = shape_of[tokens] = len(shapes)
                shapes.append(tokens)
                weights.append(0)
            weights[sid] += size
            ids.append(sid)
        local_shape.append(ids)
    shape_template, found = _mine(shapes, weights, max_constants, similarity)
    # Number global groups by first appearance: partition order, then local id order (which
    # is row order inside the partition).
    order: dict[int, int] = {}
    mappings: list[npt.NDArray[np.int64]] = []
    for ids in local_shape:
        local = [order.setdefault(int(shape_template[s]), len(order)) for s in ids]
        mappings.append(np.asarray(local, dtype=np.int64))
    totals = [0] * len(order)
    for global_ids, (_, sizes) in zip(mappings, partitions, strict=True):
        for gid, size in zip(global_ids.tolist(), sizes, strict=True):
            totals[gid] += size
    by_gid = sorted(order.items(), key=lambda kv: kv[1])
    merged = tuple(" ".join(found[t]) for t, _ in by_gid)
    return mappings, merged, tuple(totals)
