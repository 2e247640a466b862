"""Query templates: typed parameters, validation of values, and rendering with KQL literals.

A template's text names its parameters as ``{name}``; ``{{`` and ``}}`` are literal braces.
Rendering is one pass of a regular expression over the *template* that replaces each
placeholder with the KQL literal of its value (:mod:`._kql`), so a value can never introduce a
placeholder, a quote or an operator of its own.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

import attrs
import pandas as pd

from asisdk.entities import TimeSpan
from asisdk.errors import QueryParameterError
from asisdk.queries import _kql

__all__ = ["PARAMETER_TYPES", "Parameter", "QueryTemplate"]

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NO_DEFAULT: Final = object()


def _as_datetime(value: object) -> datetime:
    try:
        return TimeSpan(start=value, end=value).start  # the entity model's one time parser
    except (ValueError, TypeError) as exc:
        raise QueryParameterError(f"{value!r} is not a date and time") from exc


def _as_timedelta(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    try:
        result = pd.Timedelta(str(value)) if not isinstance(value, int | float) else None
    except ValueError as exc:
        raise QueryParameterError(f"{value!r} is not a time span (e.g. '1h', '2 days')") from exc
    if result is None or pd.isna(result):
        raise QueryParameterError(f"{value!r} is not a time span (e.g. '1h', '2 days')")
    return result.to_pytimedelta()


def _as_int(value: object) -> int:
    if isinstance(value, bool):
        raise QueryParameterError(f"expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,19}", value.strip()):
        return int(value.strip())
    if isinstance(value, str) and re.fullmatch(r"0x[0-9a-fA-F]{1,16}", value.strip()):
        return int(value.strip(), 16)
    raise QueryParameterError(f"expected an integer, got {value!r}")


def _as_str(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if hasattr(value, "value") and isinstance(value.value, str):  # enums
        return value.value
    raise QueryParameterError(f"expected a string, got {type(value).__name__} {value!r}")


def _as_float(value: object) -> float:
    if isinstance(value, bool):
        raise QueryParameterError(f"expected a number, got {value!r}")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise QueryParameterError(f"expected a number, got {value!r}") from exc


def _as_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise QueryParameterError(f"expected true or false, got {value!r}")


def _as_list(value: object, item: Callable[[object], object]) -> list[object]:
    if isinstance(value, str | int):
        return [item(value)]
    if isinstance(value, Sequence | set | frozenset | tuple):
        return [item(v) for v in value]
    raise QueryParameterError(f"expected a list, got {type(value).__name__}")


#: Each parameter type: how a supplied value is coerced to it, and the KQL literal of the result.
_TYPES: Final[Mapping[str, tuple[Callable[[object], object], Callable[[Any], str]]]] = {
    "str": (_as_str, _kql.kql_string),
    "int": (_as_int, _kql.kql_int),
    "float": (_as_float, _kql.kql_real),
    "bool": (_as_bool, _kql.kql_bool),
    "datetime": (_as_datetime, _kql.kql_datetime),
    "timespan": (_as_timedelta, _kql.kql_timespan),
    "list[str]": (lambda value: _as_list(value, _as_str), _kql.kql_dynamic_list),
    "list[int]": (lambda value: _as_list(value, _as_int), _kql.kql_dynamic_list),
}
#: The parameter types a template may declare.
PARAMETER_TYPES: Final = frozenset(_TYPES)


def _str_tuple(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _parameter_tuple(values: Iterable[Parameter]) -> tuple[Parameter, ...]:
    return tuple(values)


@attrs.frozen(kw_only=True)
class Parameter:
    """A typed template parameter.

    Attributes:
        name: the placeholder name.
        type: one of :data:`PARAMETER_TYPES`.
        description: what the value means.
        default: the value used when nobody supplies one; no default means required.
        aliases: other names accepted for it (``hostname`` for ``host_name``).

    Examples:
        >>> p = Parameter(name="event_id", type="int", default=4624)
        >>> p.required, p.coerce("4625"), p.render(4625)
        (False, 4625, '4625')
    """

    name: str
    type: str = "str"
    description: str = ""
    default: object = attrs.field(default=_NO_DEFAULT, repr=False)
    aliases: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)

    def __attrs_post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise QueryParameterError(f"{self.name!r} is not a valid parameter name")
        if self.type not in PARAMETER_TYPES:
            raise QueryParameterError(
                f"parameter {self.name!r} has unknown type {self.type!r}; use one of "
                f"{sorted(PARAMETER_TYPES)}"
            )

    @property
    def required(self) -> bool:
        """Whether a value must be supplied."""
        return self.default is _NO_DEFAULT

    def coerce(self, value: object) -> object:
        """Convert a supplied value to the parameter's type.

        Raises:
            QueryParameterError: the value cannot be of this type (names the parameter).
        """
        try:
            coerce, _ = _TYPES[self.type]
            return coerce(value)
        except QueryParameterError as exc:
            raise QueryParameterError(f"parameter {self.name!r} ({self.type}): {exc}") from exc

    def render(self, value: object) -> str:
        """The KQL literal of an already coerced value."""
        _, render = _TYPES[self.type]
        return render(value)


@attrs.frozen(kw_only=True)
class QueryTemplate:
    """A named query: family, description, KQL text with ``{placeholders}``, parameters.

    Examples:
        >>> t = QueryTemplate(family="Demo", name="by_host", query="T | where Computer =~ {host}",
        ...                   parameters=(Parameter(name="host"),))
        >>> t.render({"host": "x' or 1==1 //"})
        'T | where Computer =~ "x\\\\\\' or 1==1 //"'
    """

    family: str
    name: str
    query: str
    description: str = ""
    parameters: tuple[Parameter, ...] = attrs.field(default=(), converter=_parameter_tuple)
    metadata: Mapping[str, Any] = attrs.field(factory=dict)
    source: str = ""
    aliases: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)

    def __attrs_post_init__(self) -> None:
        for label, value in (("family", self.family), ("name", self.name)):
            if not _NAME.match(value):
                raise QueryParameterError(f"query {label} {value!r} is not a valid identifier")
        for alias in self.aliases:
            if not _NAME.match(alias) or alias == self.name:
                raise QueryParameterError(f"{self.full_name}: alias {alias!r} is not a valid name")
        declared = {p.name for p in self.parameters}
        seen: set[str] = set()
        for p in self.parameters:
            for name in (p.name, *p.aliases):
                if name in seen:
                    raise QueryParameterError(
                        f"{self.full_name}: parameter name or alias {name!r} is declared twice"
                    )
                seen.add(name)
        used = {m.group(1) for m in _PLACEHOLDER.finditer(self.query) if m.group(1)}
        undeclared = sorted(used - declared)
        if undeclared:
            raise QueryParameterError(
                f"{self.full_name}: the query uses undeclared parameters {undeclared}; declare "
                "them under parameters (or write literal braces as {{ and }})"
            )

    @property
    def full_name(self) -> str:
        """``Family.name``."""
        return f"{self.family}.{self.name}"

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """The canonical parameter names."""
        return tuple(p.name for p in self.parameters)

    def parameter(self, name: str) -> Parameter | None:
        """The parameter called ``name`` or having it as an alias."""
        return next((p for p in self.parameters if name == p.name or name in p.aliases), None)

    def resolve(
        self,
        supplied: Mapping[str, object],
        keywords: Mapping[str, object],
        *,
        consulted: Sequence[str] = (),
    ) -> dict[str, object]:
        """Typed values for every parameter: keywords, then providers' values, then defaults.

        ``supplied`` comes from providers (entities, alerts, time spans): names the template
        does not use are ignored. ``keywords`` are the caller's own: an unknown or misspelt
        keyword is an error, never silently replaced by a default.

        Raises:
            QueryParameterError: an unknown keyword (with suggestions), a missing required
                parameter (with the providers consulted), or a value of the wrong type.
        """
        unknown = [k for k in keywords if self.parameter(k) is None]
        if unknown:
            names = [n for p in self.parameters for n in (p.name, *p.aliases)]
            hints = []
            for key in unknown:
                close = difflib.get_close_matches(key, names, n=2, cutoff=0.6)
                hints.append(
                    f"{key!r}" + (f" (did you mean {' or '.join(close)}?)" if close else "")
                )
            raise QueryParameterError(
                f"{self.full_name} has no parameter {', '.join(hints)}; its parameters are "
                f"{list(self.parameter_names)}"
            )
        values: dict[str, object] = {}
        for p in self.parameters:
            raw = _first(p, keywords)
            if raw is _NO_DEFAULT:
                raw = _first(p, supplied)
            if raw is _NO_DEFAULT or raw is None:
                if p.required:
                    continue
                values[p.name] = p.default if p.default is None else p.coerce(p.default)
            else:
                values[p.name] = p.coerce(raw)
        missing = [p.name for p in self.parameters if p.required and p.name not in values]
        if missing:
            offered = ", ".join(consulted) if consulted else "none"
            raise QueryParameterError(
                f"{self.full_name} needs {missing}, which no provider supplied "
                f"(providers consulted: {offered}); pass them as keywords, e.g. "
                f"{missing[0]}=..."
            )
        return values

    def render(self, values: Mapping[str, object]) -> str:
        """The KQL text with every placeholder replaced by its value's literal.

        ``values`` are typed values (from :meth:`resolve`); a parameter whose value is
        ``None`` (an optional filter left out) renders as an empty string literal.
        """

        def substitute(match: re.Match[str]) -> str:
            if match.group(0) in ("{{", "}}"):
                return match.group(0)[0]  # an escaped brace
            parameter = self.parameter(match.group(1))
            assert parameter is not None  # checked when the template was built
            if parameter.name not in values:
                raise QueryParameterError(f"{self.full_name}: no value for {parameter.name!r}")
            value = values[parameter.name]
            return '""' if value is None else parameter.render(value)

        return _PLACEHOLDER.sub(substitute, self.query)

    def help(self) -> str:
        """A readable description of the query and its parameters."""
        lines = [f"{self.full_name}: {self.description}".rstrip(": ")]
        if self.aliases:
            lines.append(f"Also called: {', '.join(self.aliases)}")
        lines += ["", "Parameters:"]
        for p in self.parameters:
            flag = "required" if p.required else f"default {p.default!r}"
            alias = f" (aliases: {', '.join(p.aliases)})" if p.aliases else ""
            lines.append(f"  {p.name} ({p.type}, {flag}){alias}: {p.description}".rstrip(": "))
        lines += ["", "Query:", self.query.rstrip()]
        return "\n".join(lines)


def _first(parameter: Parameter, values: Mapping[str, object]) -> object:
    names = (parameter.name, *parameter.aliases)
    return next((values[name] for name in names if name in values), _NO_DEFAULT)
