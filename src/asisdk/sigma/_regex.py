"""Regular expressions of the ``re`` modifier: linear time where possible, guarded otherwise.

pyarrow's ``match_substring_regex`` runs RE2 (a linear-time automaton), so every pattern RE2
accepts runs there, over a whole column at once. The few patterns RE2 refuses (look-around,
back-references) run with Python's ``re`` over the column's distinct values, but only if
their structure cannot backtrack catastrophically: a repeated group that itself holds an
unbounded repetition (``(a+)+``, ``(\\w*\\s?)*``) is refused, and the rule is reported as not
supported rather than left to hang a scan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

import re2

from asisdk.errors import AsiError

__all__ = ["RegexPlan", "UnsupportedRuleError", "plan_regex"]

_MAX_REPEAT: Final = 4294967295  # sre's MAXREPEAT
_REPEATS: Final = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")


class UnsupportedRuleError(AsiError, ValueError):
    """A rule uses something this engine does not evaluate (the reason is the message).

    The engine records it as the rule's problem (file, reason) and skips the rule.
    """


class RegexPlan:
    """How one pattern runs: ``engine`` is ``"re2"`` (pyarrow, whole column) or ``"re"``."""

    __slots__ = ("compiled", "engine", "pattern")

    def __init__(self, pattern: str, engine: str, compiled: re.Pattern[str] | None) -> None:
        self.pattern = pattern
        self.engine = engine
        self.compiled = compiled

    def __getstate__(self) -> tuple[str, str]:
        return (self.pattern, self.engine)

    def __setstate__(self, state: tuple[str, str]) -> None:
        self.pattern, self.engine = state
        self.compiled = re.compile(self.pattern) if self.engine == "re" else None


def _parse(pattern: str) -> Any:
    import re._parser as sre_parse  # type: ignore[import-not-found]  # private, stable since 3.11

    return sre_parse.parse(pattern)


def _children(name: str, av: Any) -> list[Any]:
    """The item lists nested in one parsed element (a group, the branches, a repeat ...)."""
    if name == "SUBPATTERN":
        return [av[-1]]
    if name == "BRANCH":
        return list(av[1])
    if name in _REPEATS:
        return [av[2]]
    if name in ("ASSERT", "ASSERT_NOT"):
        return [av[1]]
    return []


def _unbounded_inside(items: Iterable[Any]) -> bool:
    return any(
        (str(op) in _REPEATS and av[1] == _MAX_REPEAT)
        or any(_unbounded_inside(child) for child in _children(str(op), av))
        for op, av in items
    )


def _nested_repeat(items: Iterable[Any]) -> bool:
    """A repetition (more than once) of something that itself repeats without bound."""
    for op, av in items:
        name = str(op)
        if name in _REPEATS and av[1] > 1 and _unbounded_inside(av[2]):
            return True
        if any(_nested_repeat(child) for child in _children(name, av)):
            return True
    return False


def plan_regex(pattern: str, *, ignore_case: bool, multiline: bool, dotall: bool) -> RegexPlan:
    """Choose how a Sigma ``re`` pattern runs, with its flags written inline.

    Args:
        pattern: the pattern as the rule writes it.
        ignore_case: the ``i`` flag.
        multiline: the ``m`` flag.
        dotall: the ``s`` flag.

    Returns:
        The plan; ``engine`` is ``"re2"`` whenever RE2 accepts the pattern.

    Raises:
        UnsupportedRuleError: RE2 refuses the pattern and it could backtrack catastrophically,
            or it is not a valid pattern at all.

    Examples:
        >>> plan_regex("ab+c", ignore_case=True, multiline=False, dotall=False).engine
        're2'
        >>> plan_regex("(?<!x)ab", ignore_case=False, multiline=False, dotall=False).engine
        're'
    """
    flags = ("i" if ignore_case else "") + ("m" if multiline else "") + ("s" if dotall else "")
    full = f"(?{flags}){pattern}" if flags else pattern
    options = re2.Options()
    options.log_errors = False  # a refused pattern is an answer here, not an error to log
    try:
        re2.compile(full, options=options)
    except re2.error:
        pass
    else:
        return RegexPlan(full, "re2", None)
    try:
        compiled = re.compile(full)
    except re.error as exc:
        raise UnsupportedRuleError(f"invalid regular expression {pattern!r}: {exc}") from exc
    if _nested_repeat(_parse(full)):
        raise UnsupportedRuleError(
            f"regular expression {pattern!r} needs backtracking (RE2 refuses it) and nests "
            "unbounded repetitions, which can take exponential time"
        )
    return RegexPlan(full, "re", compiled)
