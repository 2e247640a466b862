"""Sigma rules parsed with pySigma, compiled once, filtered and iterated as values.

:class:`SigmaRules` is a frozen collection: :meth:`SigmaRules.from_paths` reads ``.yml``
files (directories recursively), :meth:`SigmaRules.filter` returns a new collection, and
:meth:`SigmaRules.match` runs every rule over a DataFrame of events. A file that does not
parse, or a rule that uses something the engine cannot evaluate, is listed in
:attr:`SigmaRules.errors` as ``(file, reason)`` and left out; it never stops the others.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple

import attrs
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.rule import SigmaLogSource, SigmaRule

from asisdk.errors import MissingFileError
from asisdk.sigma._compile import Node, compile_detection
from asisdk.sigma._logsource import LogsourceVariant, logsource_variants
from asisdk.sigma._regex import UnsupportedRuleError

if TYPE_CHECKING:
    import pandas as pd

    from asisdk.sigma._kql import KqlBatch, KqlTarget
    from asisdk.sigma._matches import SigmaMatches

__all__ = ["LEVELS", "DetectionRule", "RuleProblem", "SigmaRules"]

#: Sigma levels, least to most severe.
LEVELS: Final = ("informational", "low", "medium", "high", "critical")

_RULE_SUFFIXES: Final = (".yml", ".yaml")


class _NoSource(NamedTuple):
    product: str | None = None
    service: str | None = None
    category: str | None = None


_NO_SOURCE: Final = _NoSource()


class RuleProblem(NamedTuple):
    """A rule file, or one rule in it, that was left out, and why."""

    file: str
    reason: str


def _split_tags(tags: Iterable[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    techniques: list[str] = []
    tactics: list[str] = []
    for tag in tags:
        namespace, name = str(tag.namespace).lower(), str(tag.name)
        if namespace != "attack":
            continue
        if name[:1].lower() == "t" and name[1:2].isdigit():
            techniques.append(name.upper())
        elif not (name[:1].lower() in "gs" and name[1:2].isdigit()):  # groups, software
            tactics.append(name.lower())
    return tuple(techniques), tuple(tactics)


def _text(value: object) -> str | None:
    if value is None:
        return None
    name = getattr(value, "name", None)
    return str(name).lower() if name is not None else str(value)


@attrs.frozen(eq=False)
class DetectionRule:
    """One parsed Sigma rule, with the metadata a match reports (DRL 1.1: its author).

    Attributes:
        id: the rule's ``id`` (a UUID), or its title when it has none.
        title: the rule's title.
        level: ``informational`` ... ``critical``, or ``None``.
        status: ``stable``, ``test``, ``experimental`` ..., or ``None``.
        author: the rule's author, shown next to every match (the rule licence asks it).
        references: the rule's references.
        tags: every tag, as written (``attack.t1059.001``).
        techniques: ATT&CK technique ids from the tags (``T1059.001``).
        tactics: ATT&CK tactics from the tags (``execution``).
        logsource: the rule's log source (``None`` for a correlation rule).
        description: the rule's description.
        path: the file the rule was read from (``None`` when built in memory).
        sigma_rule: the pySigma rule (a ``SigmaRule`` or ``SigmaCorrelationRule``).
    """

    id: str
    title: str
    level: str | None
    status: str | None
    author: str | None
    references: tuple[str, ...]
    tags: tuple[str, ...]
    techniques: tuple[str, ...]
    tactics: tuple[str, ...]
    logsource: SigmaLogSource | None
    description: str | None
    path: str | None
    sigma_rule: SigmaRule | SigmaCorrelationRule = attrs.field(repr=False)
    detection: Node | None = attrs.field(repr=False, default=None)
    variants: tuple[LogsourceVariant, ...] = attrs.field(repr=False, default=())

    @property
    def is_correlation(self) -> bool:
        """The rule correlates the matches of other rules (``event_count``, ``value_count``)."""
        return isinstance(self.sigma_rule, SigmaCorrelationRule)

    @classmethod
    def from_sigma(
        cls, rule: SigmaRule | SigmaCorrelationRule, *, path: str | None = None
    ) -> DetectionRule:
        """Compile a pySigma rule.

        Raises:
            UnsupportedRuleError: the rule uses something this engine does not evaluate.
        """
        techniques, tactics = _split_tags(rule.tags or ())
        detection: Node | None = None
        variants: tuple[LogsourceVariant, ...] = ()
        logsource: SigmaLogSource | None
        if isinstance(rule, SigmaRule):
            detection = compile_detection(rule)
            variants = logsource_variants(rule.logsource)
            logsource = rule.logsource
        else:
            from asisdk.sigma._correlation import check_supported

            check_supported(rule)
            logsource = None
        return cls(
            id=str(rule.id) if rule.id is not None else str(rule.title),
            title=str(rule.title),
            level=_text(rule.level),
            status=_text(rule.status),
            author=rule.author,
            references=tuple(str(r) for r in rule.references or ()),
            tags=tuple(str(t) for t in rule.tags or ()),
            techniques=techniques,
            tactics=tactics,
            logsource=logsource,
            description=rule.description,
            path=path,
            sigma_rule=rule,
            detection=detection,
            variants=variants,
        )


def _rule_files(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in _RULE_SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            raise MissingFileError(f"no Sigma rule file or directory at {str(path)!r}")
    return files


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:297] + "..."


def _compile_all(
    parsed: Iterable[tuple[SigmaRule | SigmaCorrelationRule, str | None]],
    problems: list[RuleProblem],
) -> list[DetectionRule]:
    pairs = list(parsed)
    by_ref: dict[str, SigmaRule | SigmaCorrelationRule] = {}
    for rule, _ in pairs:
        if rule.id is not None:
            by_ref[str(rule.id)] = rule
        if rule.name is not None:
            by_ref[str(rule.name)] = rule
    out: list[DetectionRule] = []
    for rule, path in pairs:
        where = path or str(rule.title)
        if rule.errors:
            problems.append(RuleProblem(where, _reason(rule.errors[0])))
            continue
        if isinstance(rule, SigmaCorrelationRule):
            missing = [r.reference for r in rule.rules or () if r.reference not in by_ref]
            if missing:
                problems.append(
                    RuleProblem(where, f"correlation refers to unknown rules: {missing}")
                )
                continue
            for reference in rule.rules or ():
                reference.rule = by_ref[reference.reference]
        try:
            out.append(DetectionRule.from_sigma(rule, path=path))
        except (UnsupportedRuleError, SigmaError) as exc:
            problems.append(RuleProblem(where, _reason(exc)))
    return out


def _rules_of(collection: SigmaCollection) -> list[SigmaRule | SigmaCorrelationRule]:
    """The collection's rules and correlation rules (not its filters)."""
    return [r for r in collection.rules if isinstance(r, SigmaRule | SigmaCorrelationRule)]


def _parse(
    source: Path | str, problems: list[RuleProblem]
) -> list[tuple[SigmaRule | SigmaCorrelationRule, str | None]]:
    """The rules of a file (its path kept) or of YAML text; what does not parse is a problem."""
    path = str(source) if isinstance(source, Path) else None
    try:
        text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
        collection = SigmaCollection.from_yaml(text, collect_errors=True, resolve_references=False)
    except Exception as exc:  # OSError, SigmaError, YAML pySigma cannot even read ...
        problems.append(RuleProblem(path or "<text>", _reason(exc)))
        return []
    return [(rule, path) for rule in _rules_of(collection)]


def _lowered(wanted: str | Iterable[str]) -> set[str]:
    return {wanted.lower()} if isinstance(wanted, str) else {w.lower() for w in wanted}


def _matches_any(value: str | None, wanted: str | Sequence[str] | None) -> bool:
    return wanted is None or (value is not None and value.lower() in _lowered(wanted))


def _rule_tuple(rules: Iterable[DetectionRule]) -> tuple[DetectionRule, ...]:
    return tuple(rules)


def _problem_tuple(problems: Iterable[RuleProblem]) -> tuple[RuleProblem, ...]:
    return tuple(problems)


@attrs.frozen
class SigmaRules:
    """A frozen collection of compiled Sigma rules.

    Examples:
        >>> rules = SigmaRules.from_yaml('''
        ... title: Whoami
        ... id: 1b5e2a5e-0000-4000-8000-000000000002
        ... level: medium
        ... tags: [attack.discovery, attack.t1033]
        ... logsource: {product: windows, category: process_creation}
        ... detection: {selection: {CommandLine|contains: whoami}, condition: selection}
        ... ''')
        >>> [(r.title, r.techniques, r.tactics) for r in rules.filter(tag="T1033")]
        [('Whoami', ('T1033',), ('discovery',))]
        >>> len(rules.filter(min_level="high"))
        0
    """

    rules: tuple[DetectionRule, ...] = attrs.field(converter=_rule_tuple)
    errors: tuple[RuleProblem, ...] = attrs.field(converter=_problem_tuple, default=())

    @classmethod
    def from_paths(cls, *paths: str | os.PathLike[str]) -> SigmaRules:
        """Read Sigma rules from files and directories (``.yml``/``.yaml``, recursively).

        Correlation rules may refer to rules in any of the files read.

        Raises:
            MissingFileError: a path does not exist.
        """
        problems: list[RuleProblem] = []
        parsed = [pair for file in _rule_files(paths) for pair in _parse(file, problems)]
        return cls(_compile_all(parsed, problems), problems)

    @classmethod
    def bundled(cls) -> SigmaRules:
        """The rule pack shipped with asisdk, or the one ``asisdk sigma update`` installed.

        A snapshot of SigmaHQ's core rules (stable and test; Windows, Linux, macOS) under the
        Detection Rule License 1.1: every match carries its rule's author.

        Raises:
            SigmaPackError: neither the installed nor the bundled pack can be read.
        """
        from asisdk.sigma._pack import load_pack_collection

        return cls.from_collection(load_pack_collection())

    @classmethod
    def from_yaml(cls, *texts: str) -> SigmaRules:
        """Rules from YAML text (one or more documents per text)."""
        problems: list[RuleProblem] = []
        parsed = [pair for text in texts for pair in _parse(text, problems)]
        return cls(_compile_all(parsed, problems), problems)

    @classmethod
    def from_collection(cls, collection: SigmaCollection) -> SigmaRules:
        """Rules from a pySigma collection (unparsable rules become problems)."""
        problems: list[RuleProblem] = []
        return cls(_compile_all([(r, None) for r in _rules_of(collection)], problems), problems)

    def to_kql(self, *, target: KqlTarget | Literal["auto"] = "auto") -> KqlBatch:
        """KQL for Microsoft Sentinel / Defender XDR of every rule (``pysigma-backend-kusto``).

        Rules that cannot render (no table for their log source, an unmapped field) are
        listed in the batch's failures with the reason; correlation rules are left out.
        """
        from asisdk.sigma._kql import collection_to_kql

        return collection_to_kql(
            [r.sigma_rule for r in self.rules if isinstance(r.sigma_rule, SigmaRule)],
            target=target,
        )

    def __iter__(self) -> Iterator[DetectionRule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def __contains__(self, rule_id: object) -> bool:
        return any(r.id == rule_id for r in self.rules)

    def get(self, rule_id: str) -> DetectionRule | None:
        """The rule with this id (or title), or ``None``."""
        return next((r for r in self.rules if rule_id in (r.id, r.title)), None)

    def filter(
        self,
        *,
        level: str | Sequence[str] | None = None,
        min_level: str | None = None,
        status: str | Sequence[str] | None = None,
        product: str | Sequence[str] | None = None,
        service: str | Sequence[str] | None = None,
        category: str | Sequence[str] | None = None,
        tag: str | Sequence[str] | None = None,
        ids: Iterable[str] | None = None,
    ) -> SigmaRules:
        """The rules that meet every given criterion (case-insensitive), as a new collection.

        Args:
            level: one level or several (``"high"``, ``("high", "critical")``).
            min_level: this level or a more severe one.
            status: ``stable``, ``test`` ... (one or several).
            product: log source product (``windows``).
            service: log source service (``security``, ``sysmon``).
            category: log source category (``process_creation``).
            tag: a tag (``attack.t1059.001``, ``attack.execution``) or a technique id
                (``T1059``, which also selects its sub-techniques), one or several.
            ids: rule ids to keep.
        """
        wanted_tags = None if tag is None else _lowered(tag)
        wanted_ids = None if ids is None else set(ids)
        floor = LEVELS.index(min_level.lower()) if min_level is not None else None

        def keep(rule: DetectionRule) -> bool:
            source = rule.logsource or _NO_SOURCE
            criteria = (
                (rule.level, level),
                (rule.status, status),
                (source.product, product),
                (source.service, service),
                (source.category, category),
            )
            if not all(_matches_any(value, wanted) for value, wanted in criteria):
                return False
            if floor is not None and (rule.level not in LEVELS or LEVELS.index(rule.level) < floor):
                return False
            if wanted_ids is not None and rule.id not in wanted_ids:
                return False
            if wanted_tags is None:
                return True
            have = {t.lower() for t in (*rule.tags, *rule.techniques, *rule.tactics)}
            parents = {t.split(".")[0].lower() for t in rule.techniques}  # T1059 selects T1059.001
            return not wanted_tags.isdisjoint(have | parents)

        return SigmaRules(tuple(r for r in self.rules if keep(r)), self.errors)

    def match(
        self, frame: pd.DataFrame, *, time_column: str | None = "TimeCreated"
    ) -> SigmaMatches:
        """Run every rule over the events; one match row per (event, rule).

        Args:
            frame: events, as :func:`asisdk.pipeline.load_events` reads them (``Channel``,
                ``EventID``, ``Image`` ...), or any frame with Sigma's field names. Rows of
                other schemas (Defender tables, ECS/Winlogbeat) are matched through the
                normalised event schema as the Sysmon events they are
                (:func:`asisdk.sigma._normalised.sysmon_view`).
            time_column: the event time, used by correlation rules (their time windows).

        Returns:
            The :class:`~asisdk.sigma.SigmaMatches`.
        """
        from asisdk.sigma._engine import match_events
        from asisdk.sigma._matches import SigmaMatches
        from asisdk.sigma._normalised import sysmon_view

        found = match_events(self, frame, time_column=time_column)
        # Defender, ECS and other non-event-log rows, seen as the Sysmon events they are
        view = sysmon_view(frame)
        if view is None:
            return found
        more = match_events(self, view, time_column="TimeCreated")
        if more.frame.empty:
            return found
        import pandas as pd

        both = pd.concat([found.frame, more.frame], ignore_index=True)
        return SigmaMatches(frame=both, rule_count=found.rule_count)

    def match_frame(
        self,
        frame: Any,
        *,
        executor: Executor | None = None,
        chunk_size: int | None = None,
        time_column: str | None = "TimeCreated",
    ) -> Any:
        """Match in parallel: pandas row chunks in ``executor``, or a Dask DataFrame lazily.

        See :func:`asisdk.sigma.match_frame` (returns :class:`SigmaMatches` for pandas, a
        lazy Dask DataFrame of match rows for Dask).
        """
        from asisdk.sigma._parallel import match_frame

        return match_frame(
            self, frame, executor=executor, chunk_size=chunk_size, time_column=time_column
        )
