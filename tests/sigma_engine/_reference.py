"""A deliberately simple Sigma evaluator: one event (a dict) at a time, in plain Python.

It walks pySigma's condition tree and compares values with ``fnmatch``-style translation to
Python ``re``, so it shares no code with the compiled engine; the property tests check that
both give the same answer on generated events.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

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


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return None
        return str(int(value)) if value.is_integer() else str(value)
    return str(value)


def _pattern(value: SigmaString) -> str:
    out = []
    for part in value.s:
        if part == SpecialChars.WILDCARD_MULTI or isinstance(part, Placeholder):
            out.append(".*")
        elif part == SpecialChars.WILDCARD_SINGLE:
            out.append(".")
        else:
            out.append(re.escape(str(part)))
    return "".join(out)


def _string_matches(value: SigmaString, text: str | None, *, anchored: bool = True) -> bool:
    if text is None:
        return False
    flags = re.DOTALL if isinstance(value, SigmaCasedString) else re.DOTALL | re.IGNORECASE
    pattern = _pattern(value)
    if anchored:
        return re.fullmatch(pattern, text, flags) is not None
    return re.search(pattern, text, flags) is not None


def _number(text: Any) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _field(event: dict[str, Any], name: str) -> tuple[bool, Any]:
    if name in event:
        return True, event[name]
    for key, value in event.items():
        if key.lower() == name.lower():
            return True, value
    return False, None


def _value_matches(event: dict[str, Any], field: str, value: Any) -> bool:
    present, raw = _field(event, field)
    text = _text(raw) if present else None
    if isinstance(value, SigmaExpansion):
        return any(_value_matches(event, field, v) for v in value.values)
    if isinstance(value, SigmaString):
        return _string_matches(value, text)
    if isinstance(value, SigmaNumber):
        number = _number(text)
        return (number is not None and number == value.number) or text == str(value.number)
    if isinstance(value, SigmaBool):
        return text is not None and text.lower() == ("true" if value.boolean else "false")
    if isinstance(value, SigmaNull):
        return text is None or text == ""
    if isinstance(value, SigmaExists):
        return (text is not None) == value.exists
    if isinstance(value, SigmaRegularExpression):
        flags = 0
        if SigmaRegularExpressionFlag.IGNORECASE in value.flags:
            flags |= re.IGNORECASE
        if SigmaRegularExpressionFlag.MULTILINE in value.flags:
            flags |= re.MULTILINE
        if SigmaRegularExpressionFlag.DOTALL in value.flags:
            flags |= re.DOTALL
        return text is not None and re.search(value.regexp.to_plain(), text, flags) is not None
    if isinstance(value, SigmaCIDRExpression):
        try:
            return text is not None and ipaddress.ip_address(text) in value.network
        except ValueError:
            return False
    if isinstance(value, SigmaCompareExpression):
        number = _number(text)
        if number is None:
            return False
        op = value.op
        limit = value.number.number
        return {
            CompareOperators.LT: number < limit,
            CompareOperators.LTE: number <= limit,
            CompareOperators.GT: number > limit,
            CompareOperators.GTE: number >= limit,
        }[op]
    if isinstance(value, SigmaFieldReference):
        other_present, other = _field(event, value.field)
        other_text = _text(other) if other_present else None
        if text is None or other_text is None:
            return False
        a, b = text.lower(), other_text.lower()
        if value.starts_with and value.ends_with:
            return b in a
        if value.starts_with:
            return a.startswith(b)
        if value.ends_with:
            return a.endswith(b)
        return a == b
    raise NotImplementedError(type(value).__name__)


def _keyword_matches(event: dict[str, Any], value: Any) -> bool:
    if isinstance(value, SigmaExpansion):
        return any(_keyword_matches(event, v) for v in value.values)
    texts = [_text(v) for k, v in event.items() if not k.startswith("asi_")]
    if isinstance(value, SigmaString):
        return any(_string_matches(value, t, anchored=False) for t in texts)
    return any(t is not None and str(value).lower() in t.lower() for t in texts)


def _evaluate(event: dict[str, Any], node: Any) -> bool:
    if isinstance(node, ConditionAND):
        return all(_evaluate(event, a) for a in node.args)
    if isinstance(node, ConditionOR):
        return any(_evaluate(event, a) for a in node.args)
    if isinstance(node, ConditionNOT):
        return not _evaluate(event, node.args[0])
    if isinstance(node, ConditionFieldEqualsValueExpression):
        return _value_matches(event, node.field, node.value)
    if isinstance(node, ConditionValueExpression):
        return _keyword_matches(event, node.value)
    raise NotImplementedError(type(node).__name__)


def reference_match(rule: SigmaRule, event: dict[str, Any]) -> bool:
    """Whether the rule's detection matches one event (log source not considered)."""
    return any(_evaluate(event, c.parse()) for c in rule.detection.parsed_condition)
