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

import abc
import ipaddress
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
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

#: Characters RE2 treats specially, escaped when a literal goes into a pattern.
_RE_SPECIAL: Final = frozenset("\\.^$|?*+()[]{}")


def _escape(text: str) -> str:
    return "".join("\\" + c if c in _RE_SPECIAL else c for c in text)


#: Rows (positions in the view) a node is asked about; ``None`` means every row.
Rows = npt.NDArray[np.intp] | None

#: A leaf asked about fewer than this share of the view's rows computes only those rows
#: (and does not keep the answer); otherwise it computes the whole column once and keeps it.
_RESTRICT_SHARE: Final = 0.25


def _size(view: EventView, rows: Rows) -> int:
    return view.size if rows is None else len(rows)


def _none(view: EventView, rows: Rows) -> BoolArray:
    return np.zeros(_size(view, rows), dtype=np.bool_)


def _take(array: pa.Array, rows: Rows) -> pa.Array:
    return array if rows is None else array.take(pa.array(rows, pa.int64()))


def _pick(array: npt.NDArray[Any], rows: Rows) -> npt.NDArray[Any]:
    return array if rows is None else array[rows]


class Node(abc.ABC):
    """One compiled piece of a detection: ``evaluate`` gives a mask over the asked rows."""

    __slots__ = ()

    #: A rough relative cost, so an AND runs its cheap, selective parts first.
    cost: float = 1.0

    @abc.abstractmethod
    def evaluate(self, view: EventView, rows: Rows = None) -> BoolArray:
        """The mask of the asked rows (all of the view's when ``rows`` is ``None``)."""

    def fields(self) -> set[str]:
        return set()


class _Branch(Node):
    """Children run in order of cost, each only over the rows no earlier one settled."""

    __slots__ = ("children", "cost")

    #: The child answer that settles a row: ``False`` for AND, ``True`` for OR.
    settles: bool

    def __init__(self, children: Sequence[Node]) -> None:
        self.children = tuple(sorted(children, key=lambda c: c.cost))

    def evaluate(self, view: EventView, rows: Rows = None) -> BoolArray:
        mask = np.full(_size(view, rows), not self.settles, dtype=np.bool_)
        open_rows = rows
        for child in self.children:
            result = child.evaluate(view, open_rows)
            if open_rows is None:
                mask = result.copy()
                open_rows = np.flatnonzero(mask != self.settles).astype(np.intp)
            else:
                settled = result == self.settles
                mask[np.flatnonzero(mask != self.settles)[settled]] = self.settles
                open_rows = open_rows[~settled]
            if not len(open_rows):
                break
        return mask

    def fields(self) -> set[str]:
        return set().union(*(c.fields() for c in self.children))


class And(_Branch):
    """A row matches when every child matches it; a cheap, selective child runs first."""

    __slots__ = ()

    settles = False

    def __init__(self, children: Sequence[Node]) -> None:
        super().__init__(children)
        self.cost = self.children[0].cost if self.children else 1.0


class Or(_Branch):
    """A row matches when any child matches it."""

    __slots__ = ()

    settles = True

    def __init__(self, children: Sequence[Node]) -> None:
        super().__init__(children)
        self.cost = sum(c.cost for c in self.children)


class Not(Node):
    __slots__ = ("child", "cost")

    def __init__(self, child: Node) -> None:
        self.child = child
        self.cost = child.cost

    def evaluate(self, view: EventView, rows: Rows = None) -> BoolArray:
        return ~self.child.evaluate(view, rows)

    def fields(self) -> set[str]:
        return self.child.fields()


class _Leaf(Node):
    """A test on one field; its whole-column result is kept in the view under ``key``."""

    __slots__ = ("cost", "field", "key")

    def __init__(self, field: str | None, key: Hashable, cost: float = 1.0) -> None:
        self.field = field
        self.key = key
        self.cost = cost

    def evaluate(self, view: EventView, rows: Rows = None) -> BoolArray:
        column = view.resolve(self.field) if self.field is not None else None
        cache_key = (column, self.key)
        found = view.results.get(cache_key)
        if found is None:
            if rows is not None and len(rows) < _RESTRICT_SHARE * view.size:
                return self.compute(view, column, rows)
            found = self.compute(view, column, None)
            view.results[cache_key] = found
        return _pick(found, rows)

    @abc.abstractmethod
    def compute(self, view: EventView, column: str | None, rows: Rows) -> BoolArray:
        """The test over ``column`` (``None``: the events lack the field) for ``rows``."""

    def fields(self) -> set[str]:
        return {self.field} if self.field is not None else set()


# --- strings ---------------------------------------------------------------------------

#: (kind, pattern): kind is eq / prefix / suffix / contains / regex (anchored, from wildcards).
StringTest = tuple[str, str]

_KIND_COST: Final = {"eq": 1.0, "prefix": 2.0, "suffix": 2.0, "contains": 4.0, "regex": 6.0}
_WILDCARD_RE: Final = {SpecialChars.WILDCARD_MULTI: ".*", SpecialChars.WILDCARD_SINGLE: "."}


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
    pieces = (_escape(fold(p)) if isinstance(p, str) else _WILDCARD_RE[p] for p in parts)
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
        # RE2 finds a literal faster than pyarrow's substring kernel does.
        return to_bool(pc.match_substring_regex(array, pattern=_escape(pattern)))
    return to_bool(pc.match_substring_regex(array, pattern=pattern))


class StringPlan:
    """Tests on one column, prepared once: equalities as a value set, the rest as one RE2
    alternation (or a single kernel call when there is one test)."""

    __slots__ = ("equal", "other")

    def __init__(self, tests: Sequence[StringTest]) -> None:
        self.equal = [p for k, p in tests if k == "eq"]
        other = [t for t in tests if t[0] != "eq"]
        self.other: StringTest | None = None
        if len(other) == 1:
            self.other = other[0]
        elif other:
            self.other = ("regex", "(?s)(?:" + "|".join(_regex_of(t) for t in other) + ")")

    def run(self, array: pa.Array) -> BoolArray:
        masks: list[BoolArray] = []
        if len(self.equal) == 1:
            masks.append(run_string_test(array, ("eq", self.equal[0])))
        elif self.equal:
            masks.append(to_bool(pc.is_in(array, value_set=pa.array(self.equal, array.type))))
        if self.other is not None:
            masks.append(run_string_test(array, self.other))
        if not masks:
            return np.zeros(len(array), dtype=np.bool_)
        return masks[0] if len(masks) == 1 else masks[0] | masks[1]


class StringAny(_Leaf):
    """The field matches any of these strings (one value, or a list joined by OR)."""

    __slots__ = ("cased", "plan", "tests")

    def __init__(self, field: str | None, tests: Sequence[StringTest], *, cased: bool) -> None:
        self.tests = tuple(dict.fromkeys(tests))
        self.cased = cased
        self.plan = StringPlan(self.tests)
        cost = max((_KIND_COST[k] for k, _ in self.tests), default=1.0)
        super().__init__(field, ("str", cased, self.tests), cost + 0.1 * len(self.tests))

    def compute(self, view: EventView, column: str | None, rows: Rows) -> BoolArray:
        if column is None:
            return _none(view, rows)
        array = view.text(column) if self.cased else view.lower(column)
        return self.plan.run(_take(array, rows))


class Keyword(_Leaf):
    """A field-less value: it matches when any column of the event contains it."""

    __slots__ = ("cased", "plan", "tests")

    def __init__(self, tests: Sequence[StringTest], *, cased: bool) -> None:
        self.tests = tuple(dict.fromkeys(tests))
        self.cased = cased
        self.plan = StringPlan(self.tests)
        super().__init__(None, ("keyword", cased, self.tests), 20.0)

    def compute(self, view: EventView, column: str | None, rows: Rows) -> BoolArray:
        return self.plan.run(view.keyword_text(lower=not self.cased, rows=rows))


def _keyword_test(value: SigmaString, *, cased: bool) -> StringTest:
    kind, pattern = string_test(value, cased=cased)
    if kind in ("eq", "prefix", "suffix"):
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

    def compute(self, view: EventView, column: str | None, rows: Rows) -> BoolArray:
        if column is None:
            return _none(view, rows)
        text = run_string_test(
            _take(view.lower(column), rows), ("eq", lower_text(str(self.number)))
        )
        return np.asarray((_pick(view.numeric(column), rows) == self.number) | text, np.bool_)


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

    def compute(self, view: EventView, column: str | None, rows: Rows) -> BoolArray:
        if column is None:
            return _none(view, rows)
        with np.errstate(invalid="ignore"):
            return np.asarray(
                _COMPARE[self.op](_pick(view.numeric(column), rows), self.number), np.bool_
            )


class IsNull(_Leaf):
    """``field: null``: the field is absent, or holds nothing (null or the empty string)."""

    def __init__(self, field: str) -> None:
        super().__init__(field, ("null",))

    def compute(self, view: EventView, column: str | None, rows: Rows) -> BoolArray:
        if column is None:
            return np.ones(_size(view, rows), dtype=np.bool_)
        empty = run_string_test(_take(view.text(column), rows), ("eq", ""))
        return np.asarray(~_pick(view.present(column), rows) | empty, dtype=np.bool_)


class Exists(_Leaf):
    __slots__ = ("exists",)

    def __init__(self, field: str, exists: bool) -> None:
        self.exists = exists
        super().__init__(field, ("exists", exists))

    def compute(self, view: EventView, column: str | None, rows: Rows) -> BoolArray:
        present = _none(view, rows) if column is None else _pick(view.present(column), rows)
        return present if self.exists else ~present


#: ``fieldref`` with ``startswith`` / ``endswith`` (both: contains): does ``a`` hold ``b``?
_REF_TESTS: Final[dict[tuple[bool, bool], Callable[[str, str], bool]]] = {
    (True, True): str.__contains__,
    (True, False): str.startswith,
    (False, True): str.endswith,
}


class FieldRef(_Leaf):
    """``field|fieldref: other``: the two fields hold the same value (case-insensitively)."""

    __slots__ = ("ends_with", "other", "starts_with")

    def __init__(self, field: str, other: str, *, starts_with: bool, ends_with: bool) -> None:
        self.other = other
        self.starts_with = starts_with
        self.ends_with = ends_with
        super().__init__(field, ("ref", other, starts_with, ends_with), 3.0)

    def compute(self, view: EventView, column: str | None, rows: Rows) -> BoolArray:
        other = view.resolve(self.other)
        if column is None or other is None:
            return _none(view, rows)
        left, right = _take(view.lower(column), rows), _take(view.lower(other), rows)
        if not self.starts_with and not self.ends_with:
            return to_bool(pc.equal(left, right))
        test = _REF_TESTS[(self.starts_with, self.ends_with)]
        pairs = zip(left.to_pylist(), right.to_pylist(), strict=True)
        return np.array(
            [a is not None and b is not None and test(a, b) for a, b in pairs], np.bool_
        )


def _per_distinct(array: pa.Array, test: Callable[[str], bool]) -> BoolArray:
    """Run a Python test once per distinct value of an array and spread the answers."""
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
        super().__init__(field, ("cidr", tuple(networks)), 5.0)

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

    def compute(self, view: EventView, column: str | None, rows: Rows) -> BoolArray:
        if column is None:
            return _none(view, rows)
        return _per_distinct(_take(view.text(column), rows), self._inside)


class Regex(_Leaf):
    __slots__ = ("plan",)

    def __init__(self, field: str | None, plan: RegexPlan) -> None:
        self.plan = plan
        super().__init__(field, ("re", plan.pattern), 6.0 if plan.engine == "re2" else 10.0)

    def compute(self, view: EventView, column: str | None, rows: Rows) -> BoolArray:
        if column is None:
            return _none(view, rows)
        return self.run(_take(view.text(column), rows))

    def run(self, array: pa.Array) -> BoolArray:
        if self.plan.engine == "re2":
            return to_bool(pc.match_substring_regex(array, pattern=self.plan.pattern))
        compiled = self.plan.compiled
        assert compiled is not None
        return _per_distinct(array, lambda v: compiled.search(v) is not None)


class KeywordRegex(Node):
    __slots__ = ("plan",)

    cost = 25.0

    def __init__(self, plan: RegexPlan) -> None:
        self.plan = plan

    def evaluate(self, view: EventView, rows: Rows = None) -> BoolArray:
        mask = _none(view, rows)
        for column in view.keyword_columns():
            mask = mask | Regex(column, self.plan).evaluate(view, rows)
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
        return [v for item in value.values for v in _values(item)]
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
    merged = [c for c in flat if not isinstance(c, StringAny | Keyword)]
    strings: dict[tuple[str | None, bool], list[StringTest]] = {}
    keywords: dict[bool, list[StringTest]] = {}
    for child in flat:
        if isinstance(child, StringAny):
            strings.setdefault((child.field, child.cased), []).extend(child.tests)
        elif isinstance(child, Keyword):
            keywords.setdefault(child.cased, []).extend(child.tests)
    merged += [StringAny(field, tests, cased=cased) for (field, cased), tests in strings.items()]
    merged += [Keyword(tests, cased=cased) for cased, tests in keywords.items()]
    return merged[0] if len(merged) == 1 else Or(merged)


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
