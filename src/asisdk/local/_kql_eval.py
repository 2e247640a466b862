"""Answer a rendered library query from local frames: the KQL subset the templates use.

The library's queries are Log Analytics KQL. A local source holds the same tables as files;
to answer a query it reads the query's table and applies the stages it can evaluate exactly
(``where`` filters, ``project``, ``sort``, ``take``, ``top``, ``distinct``, ``union`` of
tables). Whatever it cannot evaluate is reported, never silently dropped:

* a ``where`` conjunct it cannot evaluate (an unknown function, a column the file lacks) is
  skipped: the answer then holds *more* rows than Log Analytics would return, and the
  conjunct is listed as not applied;
* the first other stage it cannot evaluate (``summarize``, ``extend``, ``join`` ...) ends
  local evaluation: the rows so far are the answer and the rest of the query is listed.

Semantics follow KQL: ``==``/``in``/``has_cs``... are case-sensitive; ``=~``, ``in~``,
``has``, ``contains``, ``startswith`` and ``endswith`` are not; ``has`` matches whole terms.

Example:
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"Computer": ["dc1.corp", "ws2"], "EventID": ["4624", "4625"]})
    >>> answer = evaluate('SecurityEvent | where EventID == 4624 | project Computer',
    ...                   {"SecurityEvent": lambda: frame})
    >>> answer.frame["Computer"].tolist(), answer.unapplied
    (['dc1.corp'], ())
"""

from __future__ import annotations

import base64
import functools
import json
import operator
import re
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final, Literal
from urllib.parse import parse_qs, urlsplit

import attrs
import numpy as np
import pandas as pd

__all__ = ["Evaluation", "UnsupportedQuery", "evaluate", "query_tables", "utc_times"]


class UnsupportedQuery(Exception):  # noqa: N818 - an internal signal, never surfaces
    """Raised inside the evaluator for what it cannot evaluate; caught and reported."""


@attrs.frozen(kw_only=True)
class Evaluation:
    """The local answer to one query.

    Attributes:
        frame: the rows (and columns) the evaluated stages produce.
        tables: the tables read.
        applied: the filters and stages applied, as KQL text.
        unapplied: what was not applied, each ``"<KQL text>: <reason>"``.
    """

    frame: pd.DataFrame
    tables: tuple[str, ...]
    applied: tuple[str, ...]
    unapplied: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """Whether every stage of the query was evaluated (the answer is exact)."""
        return not self.unapplied


# -- lexing ---------------------------------------------------------------------------------


@attrs.frozen
class _Token:
    kind: str  # ident, string, number, timespan, datetime, real, op, punct, end
    value: Any
    start: int
    end: int


_TIMESPAN_UNITS: Final = {
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "s": timedelta(seconds=1),
    "ms": timedelta(milliseconds=1),
}
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[+-]?\d+)?(ms|d|h|m|s)?(?![A-Za-z0-9_])")
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_\-]*(?<!-)")
_RAW_LITERAL = re.compile(r"(datetime|timespan|real)\(([^()]*)\)")
_OPERATORS: Final = ("==", "!=", "=~", "!~", ">=", "<=", "..", ">", "<", "=", "+", "-", "*", "/")
#: has, has_cs, contains, contains_cs ...: the string operators (each also negated, !has).
_STRING_OPERATORS: Final = frozenset(
    f"{name}{case}"
    for name in ("has", "contains", "startswith", "endswith")
    for case in ("", "_cs")
)
_NEGATABLE: Final = _STRING_OPERATORS | {"in", "between"}
_ESCAPE: Final = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "'": "'", "0": "\0"}
_TIMESPAN_TEXT = re.compile(r"(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?")


def _read_string(text: str, i: int) -> tuple[str, int]:
    verbatim = text[i] == "@"
    if verbatim or text[i] in "hH":
        i += 1
    quote = text[i]
    i += 1
    out: list[str] = []
    while i < len(text):
        char = text[i]
        if char == quote:
            if verbatim and text[i + 1 : i + 2] == quote:
                out.append(quote)
                i += 2
                continue
            return "".join(out), i + 1
        if char == "\\" and not verbatim:
            nxt = text[i + 1 : i + 2]
            out.append(_ESCAPE.get(nxt, nxt))
            i += 2
            continue
        out.append(char)
        i += 1
    raise UnsupportedQuery("unterminated string literal")


def _parse_timespan(text: str) -> timedelta:
    match = _TIMESPAN_TEXT.fullmatch(text.strip())
    if match is None:
        number = _NUMBER.fullmatch(text.strip())
        if number is None:
            raise UnsupportedQuery(f"timespan({text}) is not a timespan")
        return _timespan_token(number.group(0))
    sign, days, hours, minutes, seconds, fraction = match.groups()
    ticks = int((fraction or "0").ljust(7, "0"))
    value = timedelta(
        days=int(days or 0),
        hours=int(hours),
        minutes=int(minutes),
        seconds=int(seconds),
        microseconds=ticks // 10,
    )
    return -value if sign else value


def _timespan_token(text: str) -> timedelta:
    unit = next((u for u in ("ms", "d", "h", "m", "s") if text.endswith(u)), "d")
    number = float(text[: -len(unit)] if text.endswith(unit) else text)
    return number * _TIMESPAN_UNITS[unit]


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
            continue
        if text.startswith("//", i):
            newline = text.find("\n", i)
            i = len(text) if newline < 0 else newline
            continue
        if char in "\"'" or (char in "@hH" and text[i + 1 : i + 2] in ("'", '"')):
            string, end = _read_string(text, i)
            tokens.append(_Token("string", string, i, end))
            i = end
            continue
        raw = _RAW_LITERAL.match(text, i)
        if raw is not None:
            kind, body = raw.group(1), raw.group(2).strip()
            value: Any
            if kind == "datetime":
                value = _datetime(body) if body and body != "null" else pd.NaT
            elif kind == "timespan":
                value = _parse_timespan(body)
            else:
                value = float(body.replace("+inf", "inf"))
            tokens.append(_Token(kind, value, i, raw.end()))
            i = raw.end()
            continue
        number = _NUMBER.match(text, i)
        if number is not None and char.isdigit():
            token = number.group(0)
            if number.group(1):
                tokens.append(_Token("timespan", _timespan_token(token), i, number.end()))
            else:
                value = float(token) if "." in token or "e" in token else int(token)
                tokens.append(_Token("number", value, i, number.end()))
            i = number.end()
            continue
        ident = _IDENT.match(text, i)
        if ident is not None:
            word, end = ident.group(0), ident.end()
            if word in ("in", "has_any", "has_all") and text[end : end + 1] == "~":
                word, end = word + "~", end + 1
            tokens.append(_Token("ident", word, i, end))
            i = end
            continue
        if char == "!":
            follower = _IDENT.match(text, i + 1)
            if follower is not None and follower.group(0) in _NEGATABLE:
                word, end = "!" + follower.group(0), follower.end()
                if text[end : end + 1] == "~":
                    word, end = word + "~", end + 1
                tokens.append(_Token("ident", word, i, end))
                i = end
                continue
        symbol = next((op for op in _OPERATORS if text.startswith(op, i)), None)
        if symbol is not None:
            tokens.append(_Token("op", symbol, i, i + len(symbol)))
            i += len(symbol)
            continue
        if char in "()[],|;~.":
            tokens.append(_Token("punct", char, i, i + 1))
            i += 1
            continue
        raise UnsupportedQuery(f"unexpected character {char!r}")
    tokens.append(_Token("end", None, len(text), len(text)))
    return tokens


# -- parsing ---------------------------------------------------------------------------------

_COMPARISONS: Final = frozenset({"==", "!=", "=~", "!~", ">", "<", ">=", "<="})
#: The string operators, negated or not, and matches (regex).
_WORD_OPERATORS: Final = _STRING_OPERATORS | {f"!{op}" for op in _STRING_OPERATORS} | {"matches"}
_LIST_OPERATORS: Final = frozenset(
    {"in", "in~", "!in", "!in~", "has_any", "has_any~", "has_all", "has_all~"}
)

# Nodes are tuples: ("col", name), ("lit", value), ("list", [nodes]), ("call", name, [args]),
# ("and", [nodes]), ("or", [nodes]), ("not", node), ("cmp", op, left, right),
# ("between", negated, node, low, high), ("inlist", op, node, [nodes]),
# ("arith", op, left, right), ("member", [column, key, ...]).
_Node = tuple[Any, ...]


class _Parser:
    def __init__(self, tokens: Sequence[_Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, kind: str, value: object = None) -> _Token:
        token = self.take()
        if token.kind != kind or (value is not None and token.value != value):
            raise UnsupportedQuery(f"expected {value or kind}, found {token.value!r}")
        return token

    def at(self, kind: str, value: object = None) -> bool:
        token = self.peek()
        return token.kind == kind and (value is None or token.value == value)

    def expression(self) -> _Node:
        return self._joined("or", self.conjunction)

    def conjunction(self) -> _Node:
        return self._joined("and", self.comparison)

    def _joined(self, word: str, item: Callable[[], _Node]) -> _Node:
        """``item()`` nodes joined by ``word`` (``and``/``or``): one node, or a (word, items)."""
        items = [item()]
        while self.at("ident", word):
            self.take()
            items.append(item())
        return items[0] if len(items) == 1 else (word, items)

    def additive(self) -> _Node:
        node = self.primary()
        while self.peek().kind == "op" and self.peek().value in ("+", "-", "*", "/"):
            node = ("arith", self.take().value, node, self.primary())
        return node

    def comparison(self) -> _Node:
        left = self.additive()
        token = self.peek()
        if token.kind == "op" and token.value in _COMPARISONS:
            self.take()
            return ("cmp", token.value, left, self.additive())
        if token.kind != "ident":
            return left
        word = token.value
        if word in _WORD_OPERATORS:
            self.take()
            if word == "matches":
                self.expect("ident", "regex")
                word = "matches regex"
            return ("cmp", word, left, self.additive())
        if word in _LIST_OPERATORS:
            self.take()
            return ("inlist", word, left, self.parenthesised_list())
        if word in ("between", "!between"):
            self.take()
            self.expect("punct", "(")
            low = self.additive()
            self.expect("op", "..")
            high = self.additive()
            self.expect("punct", ")")
            return ("between", word == "!between", left, low, high)
        return left

    def parenthesised_list(self) -> list[_Node]:
        self.expect("punct", "(")
        return self._items_until(")", self.primary)

    def _items_until(self, closer: str, item: Callable[[], _Node]) -> list[_Node]:
        """Comma-separated ``item()`` nodes up to ``closer``, which is consumed."""
        items: list[_Node] = []
        while not self.at("punct", closer):
            items.append(item())
            if self.at("punct", ","):
                self.take()
        self.take()
        return items

    def argument(self) -> _Node:
        if self.at("op", "*"):
            self.take()
            return ("star",)
        return self.expression()

    def primary(self) -> _Node:
        token = self.take()
        if token.kind in ("string", "number", "timespan", "datetime", "real"):
            return ("lit", token.value)
        if token.kind == "op" and token.value == "-" and self.peek().kind in ("number", "real"):
            return ("lit", -self.take().value)
        if token.kind == "punct" and token.value == "(":
            node = self.expression()
            self.expect("punct", ")")
            return node
        if token.kind != "ident":
            raise UnsupportedQuery(f"unexpected {token.value!r}")
        name = token.value
        if name in ("true", "false"):
            return ("lit", name == "true")
        if name == "dynamic" and self.at("punct", "("):
            self.take()
            self.expect("punct", "[")
            items = self._items_until("]", self.primary)
            self.expect("punct", ")")
            return ("list", items)
        if self.at("punct", "("):
            self.take()
            args = self._items_until(")", self.argument)
            if name == "not" and len(args) == 1:
                return ("not", args[0])
            call: _Node = ("call", name, args)
            keys = self._member_keys()  # parse_url(Url).Host
            return ("path", call, keys) if keys else call
        path = [name, *self._member_keys()]  # Column.key[0]['key']
        return ("col", name) if len(path) == 1 else ("member", path)

    def _member_keys(self) -> list[str | int]:
        """The ``.name`` and ``[index]`` suffixes that follow, as keys."""
        keys: list[str | int] = []
        while self.at("punct", ".") or self.at("punct", "["):
            if self.take().value == ".":
                keys.append(str(self.expect("ident").value))
                continue
            index = self.take()
            if index.kind not in ("number", "string"):
                raise UnsupportedQuery("a computed index")
            keys.append(index.value)
            self.expect("punct", "]")
        return keys


def _parse(tokens: Sequence[_Token], *, star: bool = False) -> _Node:
    """The expression ``tokens`` spell, all of them (``*`` too when ``star``)."""
    parser = _Parser([*tokens, _Token("end", None, 0, 0)])
    node = parser.argument() if star else parser.expression()
    if not parser.at("end"):
        raise UnsupportedQuery(f"unexpected {parser.peek().value!r}")
    return node


# -- evaluation --------------------------------------------------------------------------------

_Value = Any  # a pd.Series (per row) or a scalar
_TERM_CHARS: Final = "A-Za-z0-9_"


def _is_series(value: object) -> bool:
    return isinstance(value, pd.Series)


def _mask(result: pd.Series[Any], negated: bool = False) -> pd.Series[bool]:
    """A test's outcome per row, a missing value failing it; inverted when ``negated``."""
    mask = result.fillna(False).astype(bool)
    return ~mask if negated else mask


def _text(value: _Value) -> _Value:
    if _is_series(value):
        series: pd.Series[Any] = value
        if pd.api.types.is_datetime64_any_dtype(series):
            return series.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").astype("string")
        return series.astype("string")
    return None if value is None else str(value)


def _empty(value: _Value) -> _Value:
    if _is_series(value):
        text = value.astype("string")
        return (value.isna() | (text.str.len() == 0)).fillna(True).astype(bool)
    return value is None or value == "" or (isinstance(value, float) and np.isnan(value))


def _as_bool(value: _Value, index: pd.Index[Any]) -> pd.Series[bool]:
    if _is_series(value):
        series: pd.Series[Any] = value
        if pd.api.types.is_bool_dtype(series):
            return _mask(series)
        return _mask(series.astype("string").str.lower() == "true")
    return pd.Series(bool(value), index=index)


def _numeric(value: _Value) -> _Value:
    if _is_series(value):
        if pd.api.types.is_numeric_dtype(value) and not pd.api.types.is_bool_dtype(value):
            return value
        return pd.to_numeric(value.astype("string").str.strip(), errors="coerce")
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    try:
        return float(str(value))
    except ValueError:
        return np.nan


_EARLIEST: Final = pd.Timestamp("1677-09-22T00:00:00Z")
_LATEST: Final = pd.Timestamp("2262-04-11T00:00:00Z")


def utc_times(series: pd.Series[Any]) -> pd.Series[Any]:
    """A column as UTC nanosecond datetimes; unreadable or out-of-range values become NaT."""
    if pd.api.types.is_datetime64_any_dtype(series):
        times = series if series.dt.tz is not None else series.dt.tz_localize("UTC")
    else:
        times = pd.to_datetime(series, utc=True, format="ISO8601", errors="coerce")
    inside = (times >= _EARLIEST) & (times <= _LATEST)
    result: pd.Series[Any] = times.where(inside).dt.as_unit("ns")
    return result


def _datetime(value: _Value) -> _Value:
    if _is_series(value):
        return utc_times(value)
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp


def _is_time(value: _Value) -> bool:
    if _is_series(value):
        return bool(pd.api.types.is_datetime64_any_dtype(value))
    return isinstance(value, pd.Timestamp | datetime)


def _is_number(value: _Value) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool)


def _term_pattern(term: str, case: bool) -> re.Pattern[str]:
    flags = 0 if case else re.IGNORECASE
    start = f"(?<![{_TERM_CHARS}])" if term[:1].isalnum() or term[:1] == "_" else ""
    end = f"(?![{_TERM_CHARS}])" if term[-1:].isalnum() or term[-1:] == "_" else ""
    return re.compile(start + re.escape(term) + end, flags)


def _regex(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise UnsupportedQuery(f"the regular expression {pattern!r}: {exc}") from exc


def _string_operator(op: str, left: _Value, right: _Value) -> _Value:
    negated = op.startswith("!")
    name = op.lstrip("!")
    case = name.endswith("_cs")
    name = name.removesuffix("_cs")
    if _is_series(right):
        raise UnsupportedQuery(f"{op} with a column on the right")
    needle = "" if right is None else str(right)
    text = _text(left)
    if not _is_series(text):
        raise UnsupportedQuery(f"{op} on a constant")
    if name == "has":
        if not needle:
            result = pd.Series(True, index=text.index)
        else:
            result = text.str.contains(_term_pattern(needle, case), regex=True, na=False)
    elif name == "contains":
        result = text.str.contains(needle, case=case, regex=False, na=False)
    elif name == "matches regex":
        pattern = _regex(needle)
        result = text.map(lambda v: isinstance(v, str) and pattern.search(v) is not None)
    else:
        subject = text if case else text.str.lower()
        wanted = needle if case else needle.lower()
        result = (
            subject.str.startswith(wanted, na=False)
            if name == "startswith"
            else subject.str.endswith(wanted, na=False)
        )
    return _mask(result, negated)


_OPERATIONS: Final[Mapping[str, Callable[[Any, Any], Any]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}


def _lower(text: _Value) -> _Value:
    if _is_series(text):
        return text.str.lower()
    return None if text is None else text.lower()


def _compare(op: str, left: _Value, right: _Value) -> _Value:
    if op in ("=~", "!~"):
        same: Any = _lower(_text(left)) == _lower(_text(right))
        if _is_series(same):
            return _mask(same, op == "!~")
        return (not same) if op == "!~" else bool(same)
    if _is_time(left) or _is_time(right):
        a, b = _datetime(left), _datetime(right)
    elif _is_number(left) or _is_number(right):
        a, b = _numeric(left), _numeric(right)
    elif isinstance(left, bool) or isinstance(right, bool):
        truth, other = (right, left) if isinstance(right, bool) else (left, right)
        a, b = _text(other), str(truth).lower()
        a = a.str.lower() if _is_series(a) else str(a).lower()
    else:
        a, b = _text(left), _text(right)
    result = _OPERATIONS[op](a, b)
    if _is_series(result):
        return result.fillna(op == "!=").astype(bool)
    return bool(result) if result is not pd.NA else False


def _in_list(op: str, left: _Value, items: list[_Value]) -> _Value:
    flat: list[object] = []
    for item in items:
        if _is_series(item):
            raise UnsupportedQuery(f"{op} with a column in the list")
        flat.extend(item if isinstance(item, list | tuple) else [item])
    negated = op.startswith("!")
    name = op.lstrip("!")
    if name.startswith(("has_any", "has_all")):
        masks = [_string_operator("has", left, value) for value in flat]
        if not masks:
            return pd.Series(name.startswith("has_all"), index=left.index)
        return functools.reduce(
            operator.or_ if name.startswith("has_any") else operator.and_, masks
        )
    if not _is_series(left):
        raise UnsupportedQuery(f"{op} on a constant")
    if flat and all(_is_number(v) for v in flat):
        result = _numeric(left).isin(flat)
    else:
        text, wanted = _text(left), [str(v) for v in flat]
        if name.endswith("~"):
            text, wanted = text.str.lower(), [w.lower() for w in wanted]
        result = text.isin(wanted)
    return _mask(result, negated)


def _pick(value: object, keys: Sequence[str | int]) -> object:
    """``value.key[0].key`` on a dynamic value (a dict/list, or its JSON text)."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            value = json.loads(value)
        except ValueError:
            return None
    for key in keys:
        if isinstance(key, int) and isinstance(value, list):
            value = value[key] if -len(value) <= key < len(value) else None
        elif isinstance(key, str) and isinstance(value, Mapping):
            value = value.get(key)
        else:
            return None
    return value


def _parse_url(value: object) -> object:
    if not isinstance(value, str) or "://" not in value:
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    return {
        "Scheme": parts.scheme,
        "Host": parts.hostname or "",
        "Port": "" if port is None else str(port),
        "Path": parts.path,
        "Username": parts.username or "",
        "Password": parts.password or "",
        "Query Parameters": {k: v[-1] for k, v in parse_qs(parts.query).items()},
        "Fragment": parts.fragment,
    }


def _base64_text(value: object) -> object:
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4)).decode("utf-8", "replace")
    except ValueError:  # binascii.Error too
        return None


def _per_value(function: Callable[[object], object], value: _Value) -> _Value:
    return value.map(function).astype("object") if _is_series(value) else function(value)


def _per_string(function: Callable[[str], str], value: _Value) -> _Value:
    """``function`` on each string of ``value`` as text; missing values stay missing."""
    return _per_value(lambda v: function(v) if isinstance(v, str) else v, _text(value))


def _arithmetic(op: str, left: _Value, right: _Value) -> _Value:
    if _is_time(left) and isinstance(right, timedelta | pd.Timedelta):
        left = _datetime(left)
    elif _is_time(left) and _is_time(right) and op == "-":
        return _datetime(left) - _datetime(right)
    elif not isinstance(left, timedelta | pd.Timedelta):
        left, right = _numeric(left), _numeric(right)
    return _OPERATIONS[op](left, right)


_SCALAR_FUNCTIONS: Final[Mapping[str, Callable[..., Any]]] = {
    "now": lambda: pd.Timestamp.now(tz="UTC"),
    "ago": lambda span: pd.Timestamp.now(tz="UTC") - pd.Timedelta(span),
}


class _Evaluator:
    def __init__(self, frame: pd.DataFrame, missing: set[str]) -> None:
        self.frame = frame
        self.missing = missing  # the run's: columns read that the data lacks

    def __call__(self, node: _Node) -> _Value:
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "list":
            return [self(item) for item in node[1]]
        if kind == "col":
            return self.column(node[1])
        if kind == "member":
            return self.member(node[1])
        if kind == "path":
            value = self(node[1])
            if _is_series(value):
                return value.map(lambda v: _pick(v, node[2]))
            return _pick(value, node[2])
        if kind == "arith":
            return _arithmetic(node[1], self(node[2]), self(node[3]))
        if kind == "and" or kind == "or":
            values = [_as_bool(self(item), self.frame.index) for item in node[1]]
            return functools.reduce(operator.and_ if kind == "and" else operator.or_, values)
        if kind == "not":
            return ~_as_bool(self(node[1]), self.frame.index)
        if kind == "cmp":
            compare = _compare if node[1] in _COMPARISONS else _string_operator
            return compare(node[1], self(node[2]), self(node[3]))
        if kind == "between":
            value, low, high = self(node[2]), self(node[3]), self(node[4])
            convert = _datetime if _is_time(value) or _is_time(low) else _numeric
            value, low, high = convert(value), convert(low), convert(high)
            return _mask((value >= low) & (value <= high), node[1])
        if kind == "inlist":
            return _in_list(node[1], self(node[2]), [self(item) for item in node[3]])
        return self.call(node[1], [self(arg) for arg in node[2]])

    def column(self, name: str) -> _Value:
        if name in self.frame.columns:
            return self.frame[name]
        self.missing.add(name)  # a column of the table the file lacks: empty values
        return self.constant(None)

    def constant(self, value: object) -> pd.Series[Any]:
        return pd.Series([value] * len(self.frame), index=self.frame.index, dtype="object")

    def member(self, path: list[Any]) -> _Value:
        dotted = ".".join(str(p) for p in path)
        if dotted in self.frame.columns:  # a flattened input already holds it
            return self.frame[dotted]
        if path[0] not in self.frame.columns:
            return self.column(path[0])
        keys = path[1:]
        return self.frame[path[0]].map(lambda v: _pick(v, keys))

    def call(self, name: str, args: list[_Value]) -> _Value:
        if name in _SCALAR_FUNCTIONS and not any(_is_series(a) for a in args):
            return _SCALAR_FUNCTIONS[name](*args)
        if name in ("isempty", "isnotempty", "isnull", "isnotnull") and len(args) == 1:
            value = args[0]
            if name in ("isnull", "isnotnull"):
                missing = value.isna() if _is_series(value) else value is None
            else:
                missing = _empty(value)
            if name.startswith("isnot"):
                return ~missing if _is_series(missing) else not missing
            return missing
        if name == "column_ifexists" and len(args) == 2 and isinstance(args[0], str):
            if args[0] in self.frame.columns:
                return self.frame[args[0]]
            return self.constant(args[1])
        if name in ("tolower", "toupper", "tostring") and len(args) == 1:
            text = _text(args[0])
            if name == "tostring" or text is None:
                return text
            strings = text.str if _is_series(text) else text
            return strings.lower() if name == "tolower" else strings.upper()
        if name == "strlen" and len(args) == 1:
            text = _text(args[0])
            return text.str.len() if _is_series(text) else len(text or "")
        if name == "strcat":
            if any(_is_series(a) for a in args):
                index = next(a for a in args if _is_series(a)).index
                out = pd.Series("", index=index, dtype="string")
                for a in args:
                    out = out + (
                        _text(a).fillna("") if _is_series(a) else ("" if a is None else str(a))
                    )
                return out
            return "".join("" if a is None else str(a) for a in args)
        if name == "extract" and len(args) in (3, 4) and _is_number(args[1]):
            pattern, group, subject = _regex(str(args[0])), int(args[1]), _text(args[2])

            def first(value: object) -> object:
                if not isinstance(value, str):
                    return None
                match = pattern.search(value)
                return match.group(group) if match is not None else None

            return _per_value(first, subject)
        if name == "trim" and len(args) == 2 and not _is_series(args[0]):
            edge = _regex(f"^(?:{args[0]})+|(?:{args[0]})+$")
            return _per_string(lambda v: edge.sub("", v), args[1])
        if name == "replace_regex" and len(args) == 3 and not _is_series(args[1]):
            pattern, replacement = _regex(str(args[1])), str(args[2])
            return _per_string(lambda v: pattern.sub(replacement, v), args[0])
        if name == "replace_string" and len(args) == 3 and not _is_series(args[1]):
            old, new = str(args[1]), str(args[2])
            return _per_string(lambda v: v.replace(old, new), args[0])
        if name == "split" and len(args) == 2 and isinstance(args[1], str):
            separator = args[1]
            return _per_value(
                lambda v: None if v is None or v is pd.NA else str(v).split(separator),
                _text(args[0]),
            )
        if name == "base64_decode_tostring" and len(args) == 1:
            return _per_value(_base64_text, args[0])
        if name == "parse_url" and len(args) == 1:
            return _per_value(_parse_url, args[0])
        if name in ("prev", "next") and len(args) in (1, 2) and _is_series(args[0]):
            offset = int(args[1]) if len(args) == 2 else 1
            return args[0].shift(offset if name == "prev" else -offset)
        if name in ("iff", "iif") and len(args) == 3:
            condition = args[0]
            if not _is_series(condition):
                return args[1] if condition else args[2]
            chosen = np.where(_as_bool(condition, condition.index), args[1], args[2])
            return pd.Series(chosen, index=condition.index)
        if name == "coalesce" and args:
            result = args[0]
            for other in args[1:]:
                if _is_series(result):
                    result = result.where(~_empty(result), other)
                elif _empty(result):
                    result = other
            return result
        if name in ("toint", "tolong", "toreal", "todouble") and len(args) == 1:
            return _numeric(args[0])
        if name == "todatetime" and len(args) == 1:
            return _datetime(args[0])
        raise UnsupportedQuery(f"the function {name}() is not evaluated locally")


# -- stages ------------------------------------------------------------------------------------


def _split(tokens: Sequence[_Token], separator: str) -> list[list[_Token]]:
    parts: list[list[_Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind == "punct" and token.value in "([":
            depth += 1
        elif token.kind == "punct" and token.value in ")]":
            depth -= 1
        if depth == 0 and token.kind == "punct" and token.value == separator:
            parts.append([])
            continue
        if token.kind != "end":
            parts[-1].append(token)
    return [part for part in parts if part]


def _source_text(text: str, tokens: Sequence[_Token]) -> str:
    return " ".join(text[tokens[0].start : tokens[-1].end].split()) if tokens else ""


def _conjuncts(node: _Node) -> list[_Node]:
    return list(node[1]) if node[0] == "and" else [node]


def _column_list(tokens: Sequence[_Token]) -> list[str]:
    names: list[str] = []
    for part in _split(tokens, ","):
        if len(part) != 1 or part[0].kind != "ident":
            raise UnsupportedQuery("only plain column lists are evaluated locally")
        names.append(part[0].value)
    return names


def _sorted(frame: pd.DataFrame, tokens: Sequence[_Token]) -> pd.DataFrame:
    """``frame`` sorted ``by`` the ``Column [asc|desc]`` list ``tokens`` spell."""
    columns: list[str] = []
    ascending: list[bool] = []
    for part in _split(tokens, ","):
        words = [t.value for t in part]
        if not words or part[0].kind != "ident" or len(words) > 3:
            raise UnsupportedQuery("only sorting by columns is evaluated locally")
        columns.append(words[0])
        ascending.append("asc" in words[1:])  # KQL sorts descending by default
    _need_columns(frame, columns)
    return frame.sort_values(columns, ascending=ascending, kind="stable")


def _need_columns(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise UnsupportedQuery(f"the data has no column {', '.join(missing)}")


def _is_assignment(tokens: Sequence[_Token]) -> bool:
    """Whether ``tokens`` start ``Name = ...``."""
    return (
        len(tokens) > 2
        and tokens[0].kind == "ident"
        and tokens[1].value == "="
        and tokens[1].kind == "op"
    )


def _items(tokens: Sequence[_Token]) -> list[tuple[str | None, _Node]]:
    """A comma list of ``[Alias =] expression`` (project, extend, summarize)."""
    items: list[tuple[str | None, _Node]] = []
    for part in _split(tokens, ","):
        alias: str | None = None
        if _is_assignment(part):
            alias, part = part[0].value, part[2:]
        items.append((alias, _parse(part, star=True)))
    return items


def _default_name(node: _Node) -> str:
    if node[0] == "col":
        return str(node[1])
    if node[0] == "member":
        return str(node[1][-1])
    if node[0] == "call":
        name, args = node[1], node[2]
        if name == "bin" and args:
            return _default_name(args[0])
        if name in ("count", "countif"):
            return f"{name}_"
        prefix = {"make_set": "set", "make_list": "list", "take_any": "any"}.get(name, name)
        return f"{prefix}_{_default_name(args[0])}" if args else f"{prefix}_"
    raise UnsupportedQuery("an expression needs a name (Name = expression)")


def _bin(value: _Value, size: _Value) -> _Value:
    if isinstance(size, timedelta | pd.Timedelta):
        return _datetime(value).dt.floor(pd.Timedelta(size))
    number = _numeric(value)
    return np.floor(number / size) * size


def _assign(
    frame: pd.DataFrame, tokens: Sequence[_Token], missing: set[str], *, keep: bool
) -> pd.DataFrame:
    """``extend`` (keep=True) or ``project`` (keep=False) with ``Name = expression`` items."""
    evaluator = _Evaluator(frame, missing)
    columns: dict[str, Any] = {}
    for alias, node in _items(tokens):
        if node[0] == "star":
            raise UnsupportedQuery("project *")
        name = alias or _default_name(node)
        value = evaluator(node)
        columns[name] = (
            value if _is_series(value) else pd.Series([value] * len(frame), index=frame.index)
        )
    return frame.assign(**columns) if keep else pd.DataFrame(columns, index=frame.index)


_AGGREGATES: Final = frozenset(
    {
        "count",
        "countif",
        "dcount",
        "dcountif",
        "min",
        "max",
        "sum",
        "avg",
        "make_set",
        "make_list",
        "any",
        "take_any",
        "arg_max",
        "arg_min",
    }
)


def _summarize(frame: pd.DataFrame, tokens: Sequence[_Token], missing: set[str]) -> pd.DataFrame:
    split = next(
        (i for i, t in enumerate(tokens) if t.kind == "ident" and t.value == "by"), len(tokens)
    )
    aggregates = _items(tokens[:split]) if split else []
    keys = _items(tokens[split + 1 :]) if split < len(tokens) else []
    evaluator = _Evaluator(frame, missing)
    work = pd.DataFrame(index=frame.index)
    key_names: list[str] = []
    for alias, node in keys:
        name = alias or _default_name(node)
        if node[0] == "call" and node[1] == "bin" and len(node[2]) == 2:
            value = _bin(evaluator(node[2][0]), evaluator(node[2][1]))
        else:
            value = evaluator(node)
        work[name] = value
        key_names.append(name)
    grouped_index = (
        work.groupby(key_names, dropna=False, sort=False).indices
        if key_names
        else {(): np.arange(len(frame))}
    )
    rows: list[dict[str, Any]] = []
    for group, positions in grouped_index.items():
        group_values = group if isinstance(group, tuple) else (group,)
        row: dict[str, Any] = dict(zip(key_names, group_values, strict=False))
        part = frame.iloc[positions]
        part_evaluator = _Evaluator(part, missing)
        for alias, node in aggregates:
            if node[0] != "call" or node[1] not in _AGGREGATES:
                raise UnsupportedQuery(f"summarize {_render(node)}")
            name, args = node[1], node[2]
            if name in ("arg_max", "arg_min"):
                if not args:
                    raise UnsupportedQuery(f"{name}() needs a column")
                measure = part_evaluator(args[0])
                measure = _datetime(measure) if _is_time(measure) else _numeric(measure)
                if len(part) == 0 or measure.isna().all():
                    continue
                best = measure.idxmax() if name == "arg_max" else measure.idxmin()
                chosen = part.loc[best]
                for column in _arg_columns(args, part.columns, row):
                    if column not in chosen.index:
                        raise UnsupportedQuery(f"the data has no column {column}")
                    row[column] = chosen[column]
                continue
            label = alias or _default_name(node)
            values = [part_evaluator(a) for a in args]
            row[label] = _aggregate(name, values, len(part))
        rows.append(row)
    if rows:
        return pd.DataFrame(rows)
    names = list(key_names)
    for alias, node in aggregates:
        if node[0] == "call" and node[1] in ("arg_max", "arg_min"):
            names += _arg_columns(node[2], frame.columns, names)
        else:
            names.append(alias or _default_name(node))
    return pd.DataFrame({name: pd.Series(dtype="object") for name in names})


def _arg_columns(args: Sequence[_Node], columns: Iterable[str], taken: Container[str]) -> list[str]:
    """The columns ``arg_max(measure, ...)`` returns: those named, or with ``*`` the rest."""
    if ("star",) in args[1:]:
        return [c for c in columns if c not in taken]
    return [_default_name(a) for a in args]


def _aggregate(name: str, values: list[_Value], size: int) -> object:
    if name == "count":
        return size
    if name == "countif":
        return int(_as_bool(values[0], pd.RangeIndex(size)).sum())
    column = values[0]
    if not _is_series(column):
        raise UnsupportedQuery(f"{name}() of a constant")
    if name in ("dcount", "dcountif"):
        if name == "dcountif":
            column = column[_as_bool(values[1], column.index).to_numpy()]
        return int(column.nunique(dropna=True))
    if name in ("min", "max"):
        data = column if _is_time(column) else _numeric(column)
        if data.isna().all():
            data = column.dropna()
        return data.min() if name == "min" else data.max()
    if name == "sum":
        return _numeric(column).sum()
    if name == "avg":
        return _numeric(column).mean()
    if name in ("any", "take_any"):
        present = column.dropna()
        return present.iloc[0] if len(present) else None
    limit = int(values[1]) if len(values) > 1 and _is_number(values[1]) else None
    present = column.dropna().tolist()
    if name == "make_set":
        present = list(dict.fromkeys(str(v) if isinstance(v, list | dict) else v for v in present))
    return present[:limit] if limit is not None else present


def _mv_expand(frame: pd.DataFrame, tokens: Sequence[_Token]) -> pd.DataFrame:
    """``mv-expand [Name =] Column [to typeof(T)]``: one row per item of a dynamic array."""
    words = list(tokens)
    alias: str | None = None
    if len(words) > 2 and words[1].kind == "op" and words[1].value == "=":
        alias, words = words[0].value, words[2:]
    if not words or words[0].kind != "ident":
        raise UnsupportedQuery("mv-expand of an expression")
    column, tail = words[0].value, [t.value for t in words[1:]]
    if tail and tail[0] != "to":
        raise UnsupportedQuery("mv-expand of more than one plain column")
    _need_columns(frame, [column])
    target = alias or column

    def items(value: object) -> object:
        if isinstance(value, str) and value[:1] == "[":
            try:
                value = json.loads(value)
            except ValueError:
                return [value]
        if isinstance(value, list):
            return value or [None]
        return [value]

    out = frame.copy()
    out[target] = frame[column].map(items)
    out = out.explode(target, ignore_index=True)
    if "string" in tail:
        out[target] = out[target].map(lambda v: None if v is None or v is np.nan else str(v))
    return out


def _apply_stage(frame: pd.DataFrame, stage: list[_Token], missing: set[str]) -> pd.DataFrame:
    head = stage[0].value
    rest = stage[1:]
    if head in ("project-away", "distinct"):
        columns = _column_list(rest)
        _need_columns(frame, columns)
        if head == "project-away":
            return frame.drop(columns=columns)
        return frame[columns].drop_duplicates().reset_index(drop=True)
    if head == "project":
        return _assign(frame, rest, missing, keep=False)
    if head == "extend":
        return _assign(frame, rest, missing, keep=True)
    if head == "project-rename":
        renames = {alias: node[1] for alias, node in _items(rest) if alias and node[0] == "col"}
        _need_columns(frame, list(renames.values()))
        return frame.rename(columns={old: new for new, old in renames.items()})
    if head == "summarize":
        return _summarize(frame, rest, missing)
    if head == "mv-expand":
        return _mv_expand(frame, rest)
    if head in ("sort", "order") and rest and rest[0].value == "by":
        return _sorted(frame, rest[1:]).reset_index(drop=True)
    if head in ("take", "limit") and len(rest) == 1 and rest[0].kind == "number":
        return frame.head(int(rest[0].value))
    if head == "top" and len(rest) >= 3 and rest[0].kind == "number" and rest[1].value == "by":
        return _sorted(frame, rest[2:]).head(int(rest[0].value)).reset_index(drop=True)
    raise UnsupportedQuery(f"the {head} operator is not evaluated locally")


def _union_items(tokens: Sequence[_Token]) -> list[list[_Token]]:
    items: list[list[_Token]] = []
    for part in _split(tokens, ","):
        while _is_assignment(part):
            part = part[3:]  # isfuzzy=true, kind=outer ...
        if part:
            items.append(part)
    return items


def _table_call(head: Sequence[_Token]) -> str | None:
    """The name in ``table("Name")``, or ``None`` when ``head`` is not that."""
    if (
        len(head) == 4
        and head[0].value == "table"
        and head[1].value == "("
        and head[2].kind == "string"
        and head[3].value == ")"
    ):
        return str(head[2].value)
    return None


def _source_items(head: list[_Token]) -> list[str | list[_Token]]:
    """A pipeline's source: the names it reads (tables or views) and subqueries' tokens."""
    named = _table_call(head)
    if named is not None:
        return [named]
    if len(head) == 1 and head[0].kind == "ident":
        return [head[0].value]
    if not head or head[0].value != "union":
        raise UnsupportedQuery("the query does not start with a table or a union of tables")
    items: list[str | list[_Token]] = []
    for item in _union_items(head[1:]):
        if item[0].kind == "punct" and item[0].value == "(":
            items.append(item[1:-1])
        elif len(item) == 1 and item[0].kind == "ident":
            items.append(item[0].value)
        else:
            raise UnsupportedQuery("only a union of tables and subqueries is evaluated")
    return items


def _statements(text: str) -> tuple[dict[str, list[_Token]], list[_Token]]:
    """``let name = <tabular expression>;`` views and the final query's tokens."""
    statements = _split(_lex(text), ";")
    if not statements:
        raise UnsupportedQuery("an empty query")
    views: dict[str, list[_Token]] = {}
    for statement in statements[:-1]:
        if (
            len(statement) < 4
            or statement[0].value != "let"
            or statement[1].kind != "ident"
            or statement[2].value != "="
        ):
            raise UnsupportedQuery("only let statements may precede the query")
        views[statement[1].value] = statement[3:]
    if statements[-1][0].value == "let":
        raise UnsupportedQuery("the query ends with a let statement")
    return views, statements[-1]


def _head_names(head: list[_Token], views: Mapping[str, list[_Token]]) -> list[str]:
    """The tables a pipeline's source reads, following let views."""
    names: list[str] = []
    for item in _source_items(head):
        if isinstance(item, str) and item not in views:
            names.append(item)
        else:  # a view or a subquery: the tables its own source reads
            inner = views[item] if isinstance(item, str) else item
            names.extend(_head_names(_split(inner, "|")[0], views))
    return names


def query_tables(text: str) -> tuple[str, ...] | None:
    """The tables a query reads, or ``None`` when it is not of the shape evaluated locally.

    Example:
        >>> query_tables("union isfuzzy=true SigninLogs, AADNonInteractiveUserSignInLogs")
        ('SigninLogs', 'AADNonInteractiveUserSignInLogs')
        >>> query_tables("let p = SecurityEvent | where EventID == 4688; p | take 1")
        ('SecurityEvent',)
    """
    try:
        views, tokens = _statements(text)
        return tuple(dict.fromkeys(_head_names(_split(tokens, "|")[0], views)))
    except UnsupportedQuery:
        return None


_JOIN_KINDS: Final[Mapping[str, Literal["inner", "left", "right", "outer"]]] = {
    "inner": "inner",
    "innerunique": "inner",
    "leftouter": "left",
    "rightouter": "right",
    "fullouter": "outer",
}


class _Run:
    """One evaluation: the text (for messages) and what was applied or not."""

    def __init__(
        self,
        text: str,
        tables: Mapping[str, Callable[[], pd.DataFrame]],
        views: Mapping[str, list[_Token]],
    ) -> None:
        self.text = text
        self.tables = tables
        self.views = views
        self.view_frames: dict[str, pd.DataFrame | None] = {}
        self.read: list[str] = []
        self.applied: list[str] = []
        self.unapplied: list[str] = []
        self.missing: set[str] = set()

    def source(self, head: list[_Token]) -> pd.DataFrame | None:
        found = [
            self.named(item) if isinstance(item, str) else self.pipeline(item)
            for item in _source_items(head)
        ]
        frames = [frame for frame in found if frame is not None]
        if not frames:
            return None
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    def named(self, name: str) -> pd.DataFrame | None:
        """The frame of a let view or a table."""
        if name in self.views:
            if name not in self.view_frames:
                self.view_frames[name] = None  # a view naming itself reads nothing
                self.view_frames[name] = self.pipeline(self.views[name])
            return self.view_frames[name]
        if name not in self.tables:
            self.unapplied.append(f"{name}: no local data")
            return None
        self.read.append(name)
        return self.tables[name]()

    def pipeline(self, tokens: Sequence[_Token]) -> pd.DataFrame | None:
        stages = _split(tokens, "|")
        frame = self.source(stages[0])
        if frame is None:
            return None
        for position, stage in enumerate(stages[1:], start=1):
            if stage[0].value == "where":
                frame = self.where(frame, stage)
                continue
            try:
                if stage[0].value == "join":
                    frame = self.join(frame, stage[1:])
                else:
                    frame = _apply_stage(frame, stage, self.missing)
            except (UnsupportedQuery, TypeError, ValueError, OverflowError) as exc:
                remaining = " | ".join(_source_text(self.text, s) for s in stages[position:])
                reason = (
                    str(exc)
                    if isinstance(exc, UnsupportedQuery)
                    else f"the data's values do not fit ({type(exc).__name__}: {exc})"
                )
                self.unapplied.append(f"{remaining}: {reason}")
                break
            self.applied.append(_source_text(self.text, stage))
        return frame.reset_index(drop=True)

    def join(self, left: pd.DataFrame, tokens: list[_Token]) -> pd.DataFrame:
        """``join [kind=K] (right) on Key | $left.A == $right.B, ...``."""
        kind = "innerunique"
        if len(tokens) > 3 and tokens[0].value == "kind" and tokens[1].value == "=":
            kind, tokens = str(tokens[2].value), tokens[3:]
        if not tokens or tokens[0].value != "(":
            raise UnsupportedQuery("join needs a parenthesised right side")
        depth, end = 0, 0
        for position, token in enumerate(tokens):
            depth += token.kind == "punct" and token.value == "("
            depth -= token.kind == "punct" and token.value == ")"
            if depth == 0:
                end = position
                break
        right_tokens, condition = tokens[1:end], tokens[end + 1 :]
        if not condition or condition[0].value != "on":
            raise UnsupportedQuery("join needs an on clause")
        left_keys, right_keys = [], []
        for part in _split(condition[1:], ","):
            words = [t.value for t in part]
            if len(words) == 1:
                left_keys.append(words[0])
                right_keys.append(words[0])
            elif len(words) == 7 and words[0] == "$left" and words[4] == "$right":
                left_keys.append(words[2])
                right_keys.append(words[6])
            else:
                raise UnsupportedQuery("join on columns or $left.A == $right.B only")
        right = self.pipeline(right_tokens)
        if right is None:
            right = pd.DataFrame(columns=right_keys)
        _need_columns(left, left_keys)
        _need_columns(right, right_keys)
        if kind == "innerunique":
            left = left.drop_duplicates(subset=left_keys)
        keys_left = left[left_keys].astype("string")
        keys_right = right[right_keys].astype("string")
        if kind in ("leftanti", "leftsemi", "rightanti", "rightsemi", "anti", "semi"):
            side = left if kind.startswith("left") or kind in ("anti", "semi") else right
            own = keys_left if side is left else keys_right
            theirs = keys_right if side is left else keys_left
            found = pd.MultiIndex.from_frame(own).isin(pd.MultiIndex.from_frame(theirs))
            keep = ~found if kind.endswith("anti") else found
            return side[keep].reset_index(drop=True)
        how = _JOIN_KINDS.get(kind)
        if how is None:
            raise UnsupportedQuery(f"join kind={kind}")
        # Both sides' keys as text, under shared names, so A and B match whatever their types.
        names = [f"__key{i}" for i in range(len(left_keys))]
        left = left.assign(**{n: keys_left.iloc[:, i] for i, n in enumerate(names)})
        right = right.assign(**{n: keys_right.iloc[:, i] for i, n in enumerate(names)})
        merged = left.merge(right, how=how, on=names, suffixes=("", "1"))
        return merged.drop(columns=names)

    def where(self, frame: pd.DataFrame, stage: list[_Token]) -> pd.DataFrame:
        try:
            node = _parse(stage[1:])
        except UnsupportedQuery as exc:
            self.unapplied.append(f"{_source_text(self.text, stage)}: {exc}")
            return frame
        evaluator = _Evaluator(frame, self.missing)
        mask = pd.Series(True, index=frame.index)
        for conjunct in _conjuncts(node):
            try:
                mask &= _as_bool(evaluator(conjunct), frame.index)
            except UnsupportedQuery as exc:
                self.unapplied.append(f"where {_render(conjunct)}: {exc}")
            except (TypeError, ValueError, OverflowError) as exc:  # values of mixed types
                self.unapplied.append(
                    f"where {_render(conjunct)}: the data's values cannot be compared "
                    f"({type(exc).__name__}: {exc})"
                )
        self.applied.append(_source_text(self.text, stage))
        return frame[mask.to_numpy()].reset_index(drop=True)


def evaluate(text: str, tables: Mapping[str, Callable[[], pd.DataFrame]]) -> Evaluation:
    """Evaluate a rendered query over local tables (see the module docs for what applies).

    Args:
        text: KQL, as rendered by :meth:`asisdk.queries.QueryTemplate.render`.
        tables: table name -> a function returning that table's frame (called when needed).

    Raises:
        UnsupportedQuery: the query does not read a table held in ``tables``, or is not KQL
            this evaluator can read (``let`` statements, for one).
    """
    views, tokens = _statements(text)
    run = _Run(text, tables, views)
    frame = run.pipeline(tokens)
    if frame is None:
        raise UnsupportedQuery(f"no local data for {', '.join(query_tables(text) or ())}")
    run.unapplied.extend(
        f"column {name}: not in the local data, read as empty" for name in sorted(run.missing)
    )
    return Evaluation(
        frame=frame,
        tables=tuple(dict.fromkeys(run.read)),
        applied=tuple(run.applied),
        unapplied=tuple(run.unapplied),
    )


def _render(node: _Node) -> str:
    kind = node[0]
    if kind == "lit":
        value = node[1]
        return f'"{value}"' if isinstance(value, str) else str(value)
    if kind == "star":
        return "*"
    if kind == "member":
        return ".".join(str(p) for p in node[1])
    if kind == "path":
        return _render(node[1]) + "".join(
            f"[{key}]" if isinstance(key, int) else f".{key}" for key in node[2]
        )
    if kind in ("arith", "cmp"):
        return f"{_render(node[2])} {node[1]} {_render(node[3])}"
    if kind == "col":
        return str(node[1])
    if kind == "list":
        return "[" + ", ".join(_render(n) for n in node[1]) + "]"
    if kind in ("and", "or"):
        return "(" + f" {kind} ".join(_render(n) for n in node[1]) + ")"
    if kind == "not":
        return f"not({_render(node[1])})"
    if kind == "between":
        word = "!between" if node[1] else "between"
        return f"{_render(node[2])} {word} ({_render(node[3])} .. {_render(node[4])})"
    if kind == "inlist":
        return f"{_render(node[2])} {node[1]} ({', '.join(_render(n) for n in node[3])})"
    return f"{node[1]}({', '.join(_render(n) for n in node[2])})"
