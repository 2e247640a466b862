"""Sigma rules as KQL for Microsoft Sentinel and Defender XDR (``pysigma-backend-kusto``).

A rule is converted by pySigma's Kusto backend with one of the pipelines it ships:

* ``microsoft_xdr``: Defender XDR advanced-hunting tables (``DeviceProcessEvents``, ...),
  also present in Sentinel workspaces with the Defender XDR connector;
* ``azure_monitor``: Sentinel's Log Analytics tables (``SecurityEvent``, ``Syslog``, ...);
* ``sentinel_asim``: the ASIM parsers (``imProcessCreate``, ...).

``target="auto"`` tries them in that order and keeps the first that renders. A rule that no
pipeline renders raises :class:`SigmaKqlError` with the reason (``no_table``: the log source
has no table; ``unmapped_field``: a field the table lacks; ``unsupported``: a construct the
backend cannot express; ``unsafe_literal``: a value asisdk will not put into a query).

Escaping: the backend's output is re-lexed, and every string literal in it is decoded and
written again by :func:`asisdk.queries.kql_string`, the function the query library renders
all its values with. So a rendered rule carries the library's guarantees: each value is one
double-quoted literal with ``\\``, ``"``, ``'`` and line breaks escaped, and no control
character, comment or unterminated literal can reach the service.

Examples:
    >>> from asisdk.sigma._pack import rule_by_id
    >>> kql = rule_to_kql(rule_by_id("proc_creation_win_powershell_encode"))
    >>> kql.target, kql.query.splitlines()[0]
    ('microsoft_xdr', 'DeviceProcessEvents')
"""

from __future__ import annotations

import copy
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from asisdk._kql_text import kql_string
from asisdk.errors import QueryError, QueryParameterError

if TYPE_CHECKING:
    from sigma.collection import SigmaCollection
    from sigma.processing.pipeline import ProcessingPipeline
    from sigma.rule import SigmaRule

__all__ = [
    "KQL_TARGETS",
    "KqlBatch",
    "KqlTarget",
    "SigmaKql",
    "SigmaKqlError",
    "SigmaKqlRenderer",
    "check_kql_literals",
    "collection_to_kql",
    "rule_to_kql",
]

#: The pipelines a rule can be rendered with, in the order ``target="auto"`` tries them.
KqlTarget = Literal["microsoft_xdr", "azure_monitor", "sentinel_asim"]
KQL_TARGETS: Final[tuple[KqlTarget, ...]] = ("microsoft_xdr", "azure_monitor", "sentinel_asim")
#: Why a rule does not render.
FailureReason = Literal["no_table", "unmapped_field", "unsupported", "unsafe_literal"]

_TABLE_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")
_ESCAPES: Final = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "r": "\r", "t": "\t"}


class SigmaKqlError(QueryError, ValueError):
    """A Sigma rule cannot be rendered as KQL; ``reason`` says why, ``detail`` how.

    Attributes:
        rule_id: the rule's id (``None`` for a rule without one).
        title: the rule's title.
        reason: ``no_table``, ``unmapped_field``, ``unsupported`` or ``unsafe_literal``.
        detail: the backend's message per pipeline tried.
    """

    def __init__(
        self,
        message: str,
        *,
        rule_id: str | None = None,
        title: str = "",
        reason: FailureReason = "unsupported",
        detail: str = "",
    ) -> None:
        super().__init__(message)
        self.rule_id = rule_id
        self.title = title
        self.reason: FailureReason = reason
        self.detail = detail


@attrs.frozen(kw_only=True)
class SigmaKql:
    """A rule rendered as KQL.

    Attributes:
        rule_id: the rule's id.
        title: the rule's title.
        author: the rule's author (the DRL requires it next to every match).
        level: the rule's level.
        target: the pipeline that rendered it.
        query: the KQL text (every literal written by :func:`asisdk.queries.kql_string`).
        table: the table the query reads (its first line).
    """

    rule_id: str | None
    title: str
    author: str | None
    level: str | None
    target: KqlTarget
    query: str
    table: str | None


@attrs.frozen(kw_only=True)
class KqlBatch:
    """The outcome of rendering many rules: what rendered and why the rest did not."""

    rendered: tuple[SigmaKql, ...]
    failed: tuple[SigmaKqlError, ...]

    @property
    def total(self) -> int:
        """Rules tried."""
        return len(self.rendered) + len(self.failed)

    def reasons(self) -> dict[str, int]:
        """Failed rules per reason, most common first."""
        counts = Counter(error.reason for error in self.failed)
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _pipeline(target: KqlTarget) -> ProcessingPipeline:
    if target == "microsoft_xdr":
        from sigma.pipelines.microsoftxdr.microsoftxdr import microsoft_xdr_pipeline

        return microsoft_xdr_pipeline()
    if target == "azure_monitor":
        from sigma.pipelines.azuremonitor.azuremonitor import azure_monitor_pipeline

        return azure_monitor_pipeline()
    from sigma.pipelines.sentinelasim.sentinelasim import sentinel_asim_pipeline

    return sentinel_asim_pipeline()


_FIELD_ERROR: Final = "Invalid SigmaDetectionItem field name encountered: "
#: Longest backend message kept per pipeline in ``SigmaKqlError.detail``.
_MAX_DETAIL: Final = 400


def _message(exc: Exception) -> str:
    """The backend's message for this rule.

    The Kusto pipelines' invalid-field transformation prepends each rule's field to one
    shared message (pysigma-backend-kusto 1.0), so a reused pipeline's text grows by one
    sentence per refused rule; the first sentence is the one about this rule.
    """
    text = str(exc)
    second = text.find(_FIELD_ERROR, len(_FIELD_ERROR))
    if text.startswith(_FIELD_ERROR) and second > 0:
        text = text[:second].rstrip()
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 3] + "..."


def _classify(exc: Exception) -> FailureReason:
    text = str(exc)
    if "Unable to determine table name" in text:
        return "no_table"
    if "Invalid SigmaDetectionItem field name" in text or "Hashes field" in text:
        return "unmapped_field"
    return "unsupported"


def _rule_of(rule: SigmaRule | str | os.PathLike[str]) -> SigmaRule:
    from sigma.rule import SigmaRule

    if isinstance(rule, SigmaRule):
        return rule
    if isinstance(rule, os.PathLike) or (isinstance(rule, str) and "\n" not in rule):
        path = Path(rule)
        if not path.is_file():
            raise SigmaKqlError(f"no Sigma rule file at {path}", reason="unsupported")
        text = path.read_text(encoding="utf-8")
    else:
        text = rule
    from sigma.exceptions import SigmaError

    try:
        return SigmaRule.from_yaml(text)
    except (SigmaError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SigmaKqlError(f"not a Sigma rule: {exc}", reason="unsupported") from exc


class SigmaKqlRenderer:
    """Renders rules with pipelines built once (building one costs 10x a conversion).

    Args:
        target: a pipeline of :data:`KQL_TARGETS`, or ``"auto"`` to try them in order.

    Raises:
        SigmaKqlError: an unknown target.

    Examples:
        >>> from asisdk.sigma._pack import rule_by_id
        >>> renderer = SigmaKqlRenderer(target="azure_monitor")
        >>> print(renderer.render(rule_by_id("proc_creation_win_powershell_encode")).table)
        SecurityEvent
    """

    def __init__(self, *, target: KqlTarget | Literal["auto"] = "auto") -> None:
        if target != "auto" and target not in KQL_TARGETS:
            raise SigmaKqlError(
                f"unknown KQL target {target!r}; use one of {list(KQL_TARGETS)} or 'auto'"
            )
        self.target = target
        self.targets: tuple[KqlTarget, ...] = KQL_TARGETS if target == "auto" else (target,)
        self._backends: dict[KqlTarget, Any] = {}

    def __repr__(self) -> str:
        return f"SigmaKqlRenderer(target={self.target!r})"

    def _convert(self, rule: SigmaRule, target: KqlTarget) -> str:
        backend = self._backends.get(target)
        if backend is None:
            from sigma.backends.kusto.kusto import KustoBackend

            pipeline: Any = _pipeline(target)  # typed as a dict in the backend's signature
            backend = self._backends[target] = KustoBackend(processing_pipeline=pipeline)
        # The pipeline rewrites the rule in place: convert a copy, keep the caller's intact.
        queries = backend.convert_rule(copy.deepcopy(rule))
        if len(queries) != 1 or not isinstance(queries[0], str):
            raise QueryError(f"the backend gave {len(queries)} queries instead of one")
        return queries[0]

    def render(self, rule: SigmaRule | str | os.PathLike[str]) -> SigmaKql:
        """Render one rule (see :func:`rule_to_kql`)."""
        parsed = _rule_of(rule)
        rule_id = str(parsed.id) if parsed.id is not None else None
        title = str(parsed.title)
        problems: list[tuple[KqlTarget, Exception]] = []
        for candidate in self.targets:
            try:
                raw = self._convert(parsed, candidate)
            except Exception as exc:  # a backend error of any class is a reason, not a crash
                problems.append((candidate, exc))
                continue
            try:
                query = check_kql_literals(raw)
            except QueryParameterError as exc:
                raise SigmaKqlError(
                    f"{title} ({rule_id}): the {candidate} rendering holds a value asisdk will "
                    f"not send: {exc}",
                    rule_id=rule_id,
                    title=title,
                    reason="unsafe_literal",
                    detail=str(exc),
                ) from exc
            first = query.split("\n", 1)[0]
            table = match.group(1) if (match := _TABLE_LINE.match(first)) else None
            return SigmaKql(
                rule_id=rule_id,
                title=title,
                author=parsed.author,
                level=parsed.level.name.lower() if parsed.level is not None else None,
                target=candidate,
                query=query,
                table=table,
            )
        reasons = [_classify(exc) for _, exc in problems]
        # The most telling reason: a table exists but a field is missing beats "no table".
        reason: FailureReason = next(
            (r for r in ("unmapped_field", "unsupported", "no_table") if r in reasons),
            "unsupported",
        )
        detail = "; ".join(f"{name}: {_message(exc)}" for name, exc in problems)
        raise SigmaKqlError(
            f"{title} ({rule_id}) cannot be rendered as KQL ({reason}): {detail}",
            rule_id=rule_id,
            title=title,
            reason=reason,
            detail=detail,
        )

    def render_all(
        self,
        rules: SigmaCollection | Iterable[SigmaRule],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> KqlBatch:
        """Render many rules (see :func:`collection_to_kql`)."""
        from sigma.rule import SigmaRule

        rendered: list[SigmaKql] = []
        failed: list[SigmaKqlError] = []
        items: Sequence[Any] = list(getattr(rules, "rules", rules))
        for index, rule in enumerate(items, start=1):
            if not isinstance(rule, SigmaRule):
                continue
            try:
                rendered.append(self.render(rule))
            except SigmaKqlError as exc:
                failed.append(exc)
            if progress is not None:
                progress(index)
        return KqlBatch(rendered=tuple(rendered), failed=tuple(failed))


def rule_to_kql(
    rule: SigmaRule | str | os.PathLike[str],
    *,
    target: KqlTarget | Literal["auto"] = "auto",
) -> SigmaKql:
    """Render one Sigma rule as KQL.

    Args:
        rule: a pySigma ``SigmaRule``, a rule's YAML text, or the path of a rule file.
        target: a pipeline of :data:`KQL_TARGETS`, or ``"auto"`` to try them in order.

    Returns:
        The KQL and the rule's identity, author and level.

    Raises:
        SigmaKqlError: no pipeline renders the rule (``reason`` says why), the rendering
            holds a value asisdk will not send (``unsafe_literal``), or an unknown target.

    Examples:
        >>> from asisdk.sigma._pack import rule_by_id
        >>> kql = rule_to_kql(rule_by_id("proc_creation_win_powershell_encode"))
        >>> kql.target, kql.table, kql.author
        ('microsoft_xdr', 'DeviceProcessEvents', 'frack113')
    """
    return SigmaKqlRenderer(target=target).render(rule)


def collection_to_kql(
    rules: SigmaCollection | Iterable[SigmaRule],
    *,
    target: KqlTarget | Literal["auto"] = "auto",
    progress: Callable[[int], None] | None = None,
) -> KqlBatch:
    """Render many rules; a rule that does not render is a value in ``failed``, not an error.

    Correlation rules and filters in a collection are left out (they are not single rules).

    Args:
        rules: a pySigma ``SigmaCollection`` or ``SigmaRule`` objects.
        target: as for :func:`rule_to_kql`.
        progress: called with the count of rules done after each rule.
    """
    return SigmaKqlRenderer(target=target).render_all(rules, progress=progress)


# -- escaping ------------------------------------------------------------------------------


def _read_literal(text: str, start: int) -> tuple[str, int]:
    """Decode the string literal at ``text[start]``; return its value and the end index."""
    verbatim = text[start] == "@"
    position = start + 1 if verbatim else start
    quote = text[position]
    position += 1
    value: list[str] = []
    while position < len(text):
        char = text[position]
        if char == quote:
            if verbatim and text[position + 1 : position + 2] == quote:
                value.append(quote)  # @"a""b": a doubled quote is one quote
                position += 2
                continue
            return "".join(value), position + 1
        if char == "\\" and not verbatim:
            escaped = _ESCAPES.get(text[position + 1 : position + 2])
            if escaped is None:
                raise QueryParameterError(
                    f"the escape {text[position : position + 2]!r} at offset {position} is not "
                    "one asisdk writes"
                )
            value.append(escaped)
            position += 2
            continue
        if char in "\r\n":
            raise QueryParameterError(f"a string literal at offset {start} spans a line break")
        value.append(char)
        position += 1
    raise QueryParameterError(f"the string literal at offset {start} is not terminated")


def check_kql_literals(kql: str) -> str:
    """Re-write every string literal of a query with :func:`asisdk.queries.kql_string`.

    The query outside literals may hold no comment, no control character other than line
    breaks and tabs, and only balanced brackets; each literal is decoded (``"..."``,
    ``'...'``, ``@"..."``) and written again as asisdk writes every value.

    Examples:
        >>> print(check_kql_literals("T | where A =~ 'it\\\\'s' and B == @\\"C:\\\\x\\""))
        T | where A =~ "it\\'s" and B == "C:\\\\x"

    Raises:
        QueryParameterError: an unterminated literal, a comment, a control character,
            unbalanced brackets, or a value :func:`kql_string` refuses.
    """
    out: list[str] = []
    depth: list[str] = []
    pairs = {")": "(", "]": "[", "}": "{"}
    position = 0
    while position < len(kql):
        char = kql[position]
        starts_verbatim = char == "@" and kql[position + 1 : position + 2] in ('"', "'")
        if char in "\"'" or starts_verbatim:
            value, position = _read_literal(kql, position)
            out.append(kql_string(value))
            continue
        if char == "/" and kql[position + 1 : position + 2] == "/":
            raise QueryParameterError(f"the query holds a comment at offset {position}")
        if (char < " " and char not in "\n\t") or char == "\x7f":
            raise QueryParameterError(f"the query holds the control character {char!r}")
        if char in "([{":
            depth.append(char)
        elif char in pairs and (not depth or depth.pop() != pairs[char]):
            raise QueryParameterError(f"unbalanced {char!r} at offset {position}")
        out.append(char)
        position += 1
    if depth:
        raise QueryParameterError(f"unclosed {depth[-1]!r} in the query")
    return "".join(out)
