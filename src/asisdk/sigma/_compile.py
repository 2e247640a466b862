"""A rule's detection compiled to column operations over an :class:`EventView`.

pySigma parses the condition (``1 of selection_* and not filter``) and applies the value
modifiers; what it hands over is a tree of AND / OR / NOT over *detection items*: a field
compared with one typed value (a :class:`~sigma.types.SigmaString` with wildcards, a number,
a regular expression, a CIDR network, ``null``, a field reference ...). Each item becomes one
whole-column operation that returns a boolean mask; the tree combines masks with numpy.

Strings match case-insensitively (the specification's default) against the lower-cased
column; ``cased`` strings and regular expressions match the original text. A string without
wildcards is an equality, ``*x`` / ``x*`` / ``*x*`` are suffix / prefix / substring tests and
anything else is an anchored RE2 pattern; a value list on one field is one alternation.
Every evaluated item is kept in the view, so the next rule asking the same costs nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.rule import SigmaRule
from sigma.types import (
    CompareOperators,
    Placeholder,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SpecialChars,
)

from asisdk.sigma._events import BoolArray, EventView, lower_text, to_bool
from asisdk.sigma._regex import RegexPlan, UnsupportedRuleError, plan_regex

__all__ = ["Node", "compile_detection"]

#: Value lists at least this long on one field run as a single RE2 alternation.
_ALTERNATION_MIN: Final = 4

#: Characters RE2 treats specially, escaped when a literal goes into a pattern.
_RE_SPECIAL: Final = frozenset("\\.^$|?*+()[]{}")


def _escape(text: str) -> str:
    return "".join("\\" + c if c in _RE_SPECIAL else c for c in text)


class Node:
    """One compiled piece of a detection: ``evaluate`` gives a mask over the view's rows."""

    __slots__ = ()

    def evaluate(self, view: EventView) -> BoolArray:
        raise NotImplementedError  # pragma: no cover - every subclass overrides it

    def fields(self) -> set[str]:
        return set()


class Const(Node):
    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value

    def evaluate(self, view: EventView) -> BoolArray:
        return view.every() if self.value else view.none()


class And(Node):
    __slots__ = ("children",)

    def __init__(self, children: Sequence[Node]) -> None:
        # Leaves first: they are cheap and usually shared; sub-trees only run when needed.
        self.children = tuple(sorted(children, key=lambda c: not isinstance(c, _Leaf)))

    def evaluate(self, view: EventView) -> BoolArray:
        mask: BoolArray | None = None
        for child in self.children:
            result = child.evaluate(view)
            mask = result if mask is None else mask & result
            if not mask.any():
                return mask
        return view.every() if mask is None else mask

    def fields(self) -> set[str]:
        return set().union(*(c.fields() for c in self.children))


class Or(Node):
    __slots__ = ("children",)

    def __init__(self, children: Sequence[Node]) -> None:
        self.children = tuple(children)

    def evaluate(self, view: EventView) -> BoolArray:
        mask: BoolArray | None = None
        for child in self.children:
            result = child.evaluate(view)
            mask = result if mask is None else mask | result
            if mask.all():
                return mask
        return view.none() if mask is None else mask

    def fields(self) -> set[str]:
        return set().union(*(c.fields() for c in self.children))


class Not(Node):
    __slots__ = ("child",)

    def __init__(self, child: Node) -> None:
        self.child = child

    def evaluate(self, view: EventView) -> BoolArray:
        return ~self.child.evaluate(view)

    def fields(self) -> set[str]:
        return self.child.fields()


class _Leaf(Node):
    """A test on one field; its result is cached in the view under ``key``."""

    __slots__ = ("field", "key")

    def __init__(self, field: str | None, key: Hashable) -> None:
        self.field = field
        self.key = key

    def evaluate(self, view: EventView) -> BoolArray:
        column = view.resolve(self.field) if self.field is not None else None
        cache_key = (column, self.key)
        found = view.results.get(cache_key)
        if found is None:
            found = self.compute(view, column)
            view.results[cache_key] = found
        return found

    def compute(self, view: EventView, column: str | None) -> BoolArray:
        raise NotImplementedError  # pragma: no cover

    def fields(self) -> set[str]:
        return {self.field} if self.field is not None else set()


# --- strings ---------------------------------------------------------------------------

#: (kind, pattern): kind is eq / prefix / suffix / contains / regex (anchored, from wildcards).
StringTest = tuple[str, str]


def _string_parts(value: SigmaString) -> list[str | SpecialChars]:
    parts: list[str | SpecialChars] = []
    for part in value.s:
        if isinstance(part, Placeholder):
            # An ``expand`` placeholder nobody filled in stands for any value (as pySigma's
            # WildcardPlaceholderTransformation makes it).
            parts.append(SpecialChars.WILDCARD_MULTI)
        elif isinstance(part, SpecialChars | str):
            parts.append(part)
    return parts


def string_test(value: SigmaString, *, cased: bool) -> StringTest:
    """Reduce a Sigma string to the cheapest column test that means the same."""
    fold: Callable[[str], str] = (lambda s: s) if cased else lower_text
    parts = _string_parts(value)
    inner = parts[1:-1] if len(parts) > 1 else []
    if all(isinstance(p, str) for p in parts):
        return ("eq", fold("".join(p for p in parts if isinstance(p, str))))
    if all(isinstance(p, str) for p in inner):
        first, last = parts[0], parts[-1]
        if len(parts) == 1:  # "*" or "?" alone
            return ("regex", "(?s)^.*$" if first == SpecialChars.WILDCARD_MULTI else "(?s)^.$")
        middle = "".join(p for p in inner if isinstance(p, str))
        if first == SpecialChars.WILDCARD_MULTI and last == SpecialChars.WILDCARD_MULTI:
            return ("contains", fold(middle))
        if first == SpecialChars.WILDCARD_MULTI and isinstance(last, str):
            return ("suffix", fold(middle + last))
        if last == SpecialChars.WILDCARD_MULTI and isinstance(first, str):
            return ("prefix", fold(first + middle))
    pieces: list[str] = []
    for part in parts:
        if part == SpecialChars.WILDCARD_MULTI:
            pieces.append(".*")
        elif part == SpecialChars.WILDCARD_SINGLE:
            pieces.append(".")
        elif isinstance(part, str):
            pieces.append(_escape(fold(part)))
    return ("regex", "(?s)^" + "".join(pieces) + "$")


def _regex_of(test: StringTest) -> str:
    kind, pattern = test
    if kind == "regex":
        return pattern.removeprefix("(?s)")
    literal = _escape(pattern)
    return {
        "eq": f"^{literal}$",
        "prefix": f"^{literal}",
        "suffix": f"{literal}$",
        "contains": literal,
    }[kind]


def run_string_test(array: pa.Array, test: StringTest) -> BoolArray:
    kind, pattern = test
    if kind == "eq":
        return to_bool(pc.equal(array, pa.scalar(pattern, array.type)))
    if kind == "prefix":
        return to_bool(pc.starts_with(array, pattern=pattern))
    if kind == "suffix":
        return to_bool(pc.ends_with(array, pattern=pattern))
    if kind == "contains":
        return to_bool(pc.match_substring(array, pattern=pattern))
    return to_bool(pc.match_substring_regex(array, pattern=pattern))


class StringAny(_Leaf):
    """The field matches any of these strings (one value, or a list joined by OR)."""

    __slots__ = ("cased", "tests")

    def __init__(self, field: str | None, tests: Sequence[StringTest], *, cased: bool) -> None:
        self.tests = tuple(dict.fromkeys(tests))
        self.cased = cased
        super().__init__(field, ("str", cased, self.tests))

    def compute(self, view: EventView, column: str | None) -> BoolArray:
        if column is None:
            return view.none()
        array = view.text(column) if self.cased else view.lower(column)
        if len(self.tests) >= _ALTERNATION_MIN:
            pattern = "(?s)(?:" + "|".join(_regex_of(t) for t in self.tests) + ")"
            return to_bool(pc.match_substring_regex(array, pattern=pattern))
        mask = view.none()
        for test in self.tests:
            key = (column, ("str", self.cased, (test,)))
            found = view.results.get(key)
            if found is None:
                found = run_string_test(array, test)
                view.results[key] = found
            mask = mask | found
        return mask


class Keyword(Node):
    """A field-less value: it matches when any column of the event contains it."""

    __slots__ = ("cased", "tests")

    def __init__(self, tests: Sequence[StringTest], *, cased: bool) -> None:
        self.tests = tuple(tests)
        self.cased = cased

    def evaluate(self, view: EventView) -> BoolArray:
        mask = view.none()
        for column in view.keyword_columns():
            mask = mask | StringAny(column, self.tests, cased=self.cased).evaluate(view)
        return mask


def _keyword_test(value: SigmaString, *, cased: bool) -> StringTest:
    kind, pattern = string_test(value, cased=cased)
    if kind == "eq":
        return ("contains", pattern)
    if kind == "prefix":
        return ("contains", pattern)
    if kind == "suffix":
        return ("contains", pattern)
    if kind == "regex":
        return ("regex", pattern.replace("(?s)^", "(?s)", 1).removesuffix("$"))
    return (kind, pattern)


# --- other value types -------------------------------------------------------------------


class NumberEquals(_Leaf):
    __slots__ = ("number",)

    def __init__(self, field: str, number: float) -> None:
        self.number = number
        super().__init__(field, ("num", number))

    def compute(self, view: EventView, column: str | None) -> BoolArray:
        if column is None:
            return view.none()
        numeric = view.numeric(column) == self.number
        text = run_string_test(view.lower(column), ("eq", lower_text(str(self.number))))
        return np.asarray(numeric | text, dtype=np.bool_)


_COMPARE: Final[dict[CompareOperators, Callable[[Any, float], Any]]] = {
    CompareOperators.LT: np.less,
    CompareOperators.LTE: np.less_equal,
    CompareOperators.GT: np.greater,
    CompareOperators.GTE: np.greater_equal,
}


class Compare(_Leaf):
    __slots__ = ("number", "op")

    def __init__(self, field: str, op: CompareOperators, number: float) -> None:
        self.op = op
        self.number = number
        super().__init__(field, ("cmp", op.name, number))

    def compute(self, view: EventView, column: str | None) -> BoolArray:
        if column is None:
            return view.none()
        with np.errstate(invalid="ignore"):
            return np.asarray(_COMPARE[self.op](view.numeric(column), self.number), np.bool_)


class IsNull(_Leaf):
    """``field: null``: the field is absent, or holds nothing (null or the empty string)."""

    def __init__(self, field: str) -> None:
        super().__init__(field, ("null",))

    def compute(self, view: EventView, column: str | None) -> BoolArray:
        if column is None:
            return view.every()
        empty = run_string_test(view.text(column), ("eq", ""))
        return np.asarray(~view.present(column) | empty, dtype=np.bool_)


class Exists(_Leaf):
    __slots__ = ("exists",)

    def __init__(self, field: str, exists: bool) -> None:
        self.exists = exists
        super().__init__(field, ("exists", exists))

    def compute(self, view: EventView, column: str | None) -> BoolArray:
        present = view.none() if column is None else view.present(column)
        return present if self.exists else ~present


class FieldRef(_Leaf):
    """``field|fieldref: other``: the two fields hold the same value (case-insensitively)."""

    __slots__ = ("ends_with", "other", "starts_with")

    def __init__(self, field: str, other: str, *, starts_with: bool, ends_with: bool) -> None:
        self.other = other
        self.starts_with = starts_with
        self.ends_with = ends_with
        super().__init__(field, ("ref", other, starts_with, ends_with))

    def compute(self, view: EventView, column: str | None) -> BoolArray:
        other = view.resolve(self.other)
        if column is None or other is None:
            return view.none()
        left, right = view.lower(column), view.lower(other)
        if not self.starts_with and not self.ends_with:
            return to_bool(pc.equal(left, right))
        out = view.none()
        for i, (a, b) in enumerate(zip(left.to_pylist(), right.to_pylist(), strict=True)):
            if a is None or b is None:
                continue
            if self.starts_with and self.ends_with:
                out[i] = b in a
            elif self.starts_with:
                out[i] = a.startswith(b)
            else:
                out[i] = a.endswith(b)
        return out


def _per_distinct(
    view: EventView, column: str, test: Callable[[str], bool], *, lower: bool = False
) -> BoolArray:
    """Run a Python test once per distinct value of a column and spread the answers."""
    array = view.lower(column) if lower else view.text(column)
    encoded = pc.dictionary_encode(array)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    values = encoded.dictionary.to_pylist()
    answers = np.array([test(v) for v in values] + [False], np.bool_)
    indices = pc.fill_null(encoded.indices, len(values)).to_numpy(zero_copy_only=False)
    spread: BoolArray = answers[np.asarray(indices, dtype=np.intp)]
    return spread


class Cidr(_Leaf):
    __slots__ = ("networks",)

    def __init__(self, field: str, networks: Sequence[str]) -> None:
        self.networks = tuple(ipaddress.ip_network(n, strict=False) for n in networks)
        super().__init__(field, ("cidr", tuple(networks)))

    def _inside(self, text: str) -> bool:
        try:
            address = ipaddress.ip_address(text.strip().strip("[]").split("%")[0])
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            mapped = address.ipv4_mapped
            if any(mapped in n for n in self.networks if n.version == 4):
                return True
        return any(address in n for n in self.networks if n.version == address.version)

    def compute(self, view: EventView, column: str | None) -> BoolArray:
        if column is None:
            return view.none()
        return _per_distinct(view, column, self._inside)


class Regex(_Leaf):
    __slots__ = ("plan",)

    def __init__(self, field: str | None, plan: RegexPlan) -> None:
        self.plan = plan
        super().__init__(field, ("re", plan.pattern))

    def compute(self, view: EventView, column: str | None) -> BoolArray:
        if column is None:
            return view.none()
        if self.plan.engine == "re2":
            return to_bool(pc.match_substring_regex(view.text(column), pattern=self.plan.pattern))
        compiled = self.plan.compiled
        assert compiled is not None
        return _per_distinct(view, column, lambda v: compiled.search(v) is not None)


class KeywordRegex(Node):
    __slots__ = ("plan",)

    def __init__(self, plan: RegexPlan) -> None:
        self.plan = plan

    def evaluate(self, view: EventView) -> BoolArray:
        mask = view.none()
        for column in view.keyword_columns():
            mask = mask | Regex(column, self.plan).evaluate(view)
        return mask


# --- the condition tree ------------------------------------------------------------------


def _regex_plan(value: SigmaRegularExpression) -> RegexPlan:
    flags = value.flags
    return plan_regex(
        value.regexp.to_plain(),
        ignore_case=SigmaRegularExpressionFlag.IGNORECASE in flags,
        multiline=SigmaRegularExpressionFlag.MULTILINE in flags,
        dotall=SigmaRegularExpressionFlag.DOTALL in flags,
    )


def _values(value: Any) -> list[Any]:
    if isinstance(value, SigmaExpansion):
        out: list[Any] = []
        for item in value.values:
            out.extend(_values(item))
        return out
    return [value]


def _field_item(field: str, value: Any) -> Node:
    if isinstance(value, SigmaExpansion):
        return _or([_field_item(field, v) for v in _values(value)])
    if isinstance(value, SigmaString):
        cased = isinstance(value, SigmaCasedString)
        return StringAny(field, [string_test(value, cased=cased)], cased=cased)
    if isinstance(value, SigmaNumber):
        return NumberEquals(field, value.number)
    if isinstance(value, SigmaBool):
        return StringAny(field, [("eq", "true" if value.boolean else "false")], cased=False)
    if isinstance(value, SigmaNull):
        return IsNull(field)
    if isinstance(value, SigmaExists):
        return Exists(field, value.exists)
    if isinstance(value, SigmaRegularExpression):
        return Regex(field, _regex_plan(value))
    if isinstance(value, SigmaCIDRExpression):
        return Cidr(field, [value.cidr])
    if isinstance(value, SigmaCompareExpression):
        return Compare(field, value.op, value.number.number)
    if isinstance(value, SigmaFieldReference):
        return FieldRef(
            field, value.field, starts_with=value.starts_with, ends_with=value.ends_with
        )
    raise UnsupportedRuleError(f"value type {type(value).__name__} of field {field!r}")


def _keyword_item(value: Any) -> Node:
    if isinstance(value, SigmaExpansion):
        return _or([_keyword_item(v) for v in _values(value)])
    if isinstance(value, SigmaString):
        cased = isinstance(value, SigmaCasedString)
        return Keyword([_keyword_test(value, cased=cased)], cased=cased)
    if isinstance(value, SigmaNumber | SigmaBool):
        return Keyword([("contains", lower_text(str(value)))], cased=False)
    if isinstance(value, SigmaRegularExpression):
        return KeywordRegex(_regex_plan(value))
    raise UnsupportedRuleError(f"keyword of type {type(value).__name__}")


def _or(children: Sequence[Node]) -> Node:
    flat: list[Node] = []
    for child in children:
        flat.extend(child.children if isinstance(child, Or) else (child,))
    # Strings tested on one field with the same case rule become one leaf (one alternation).
    merged: list[Node] = []
    strings: dict[tuple[str | None, bool], list[StringTest]] = {}
    keywords: dict[bool, list[StringTest]] = {}
    for child in flat:
        if isinstance(child, StringAny):
            strings.setdefault((child.field, child.cased), []).extend(child.tests)
        elif isinstance(child, Keyword):
            keywords.setdefault(child.cased, []).extend(child.tests)
        else:
            merged.append(child)
    for (field, cased), tests in strings.items():
        merged.append(StringAny(field, tests, cased=cased))
    for cased, tests in keywords.items():
        merged.append(Keyword(tests, cased=cased))
    if len(merged) == 1:
        return merged[0]
    return Or(merged)


def _and(children: Sequence[Node]) -> Node:
    flat: list[Node] = []
    for child in children:
        flat.extend(child.children if isinstance(child, And) else (child,))
    return flat[0] if len(flat) == 1 else And(flat)


def compile_condition(node: Any) -> Node:
    """Compile one pySigma condition tree (after its detections were folded in)."""
    if isinstance(node, ConditionAND):
        return _and([compile_condition(a) for a in node.args])
    if isinstance(node, ConditionOR):
        return _or([compile_condition(a) for a in node.args])
    if isinstance(node, ConditionNOT):
        return Not(compile_condition(node.args[0]))
    if isinstance(node, ConditionFieldEqualsValueExpression):
        return _field_item(node.field, node.value)
    if isinstance(node, ConditionValueExpression):
        return _keyword_item(node.value)
    raise UnsupportedRuleError(f"condition element {type(node).__name__}")


def compile_detection(rule: SigmaRule) -> Node:
    """Compile a rule's conditions (several are joined by OR) to one node.

    Raises:
        UnsupportedRuleError: the rule uses a construct this engine does not evaluate.
    """
    trees = [condition.parse() for condition in rule.detection.parsed_condition]
    return _or([compile_condition(t) for t in trees])
