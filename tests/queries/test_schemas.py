"""Every shipped query names real columns of the tables it declares, with compatible types.

Each query is rendered with representative parameter values and lexed (string literals are
read with the same KQL string reader the escaping tests use). Every identifier that is not a
KQL keyword, operator, function, type, table, ``let`` name or a name the query creates
(``Name = ...`` in ``extend``, ``project``, ``summarize``) must be a column of one of the
query's declared tables (``../shared/reference/la-tables``). Comparisons with literals check
types: ``Col == 4624`` needs a number, ``Col has "x"`` a string, ``Col between (datetime(...)
.. ...)`` a datetime, ``Col == true`` a bool.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from asisdk.errors import ConfigurationError
from asisdk.queries import QueryLibrary, QueryTemplate

from .test_kql import read_kql_string

REPO_ROOT = Path(__file__).resolve().parents[2]

LA_TABLES = REPO_ROOT.parent / "shared" / "reference" / "la-tables"

KEYWORDS = frozenset(
    [
        "where",
        "project",
        "project-away",
        "project-rename",
        "project-reorder",
        "project-keep",
        "extend",
        "summarize",
        "by",
        "sort",
        "order",
        "asc",
        "desc",
        "nulls",
        "first",
        "last",
        "take",
        "limit",
        "top",
        "distinct",
        "count",
        "join",
        "kind",
        "on",
        "inner",
        "leftouter",
        "rightouter",
        "fullouter",
        "leftanti",
        "rightanti",
        "leftsemi",
        "rightsemi",
        "innerunique",
        "union",
        "isfuzzy",
        "withsource",
        "let",
        "and",
        "or",
        "not",
        "in",
        "!in",
        "in~",
        "!in~",
        "has",
        "!has",
        "has_cs",
        "!has_cs",
        "has_any",
        "has_all",
        "contains",
        "!contains",
        "contains_cs",
        "!contains_cs",
        "startswith",
        "!startswith",
        "startswith_cs",
        "endswith",
        "!endswith",
        "endswith_cs",
        "matches",
        "regex",
        "between",
        "!between",
        "true",
        "false",
        "null",
        "mv-expand",
        "mv-apply",
        "to",
        "typeof",
        "string",
        "int",
        "long",
        "real",
        "bool",
        "datetime",
        "timespan",
        "dynamic",
        "guid",
        "decimal",
        "with",
        "hint.strategy",
        "shuffle",
        "make-series",
        "step",
        "from",
        "as",
        "render",
        "materialize",
        "toscalar",
        "invoke",
        "range",
        "print",
        "search",
        "evaluate",
        "getschema",
        "serialize",
    ]
)
NUMERIC = frozenset({"int", "long", "real", "decimal"})
STRINGY = frozenset({"string", "guid"})
TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    |(?P<comment>//[^\n]*)
    |(?P<verbatim>@"[^"]*"|@'[^']*')
    |(?P<dq>")
    |(?P<sq>'(?:[^'\\\n]|\\.)*')
    |(?P<number>\d+(?:\.\d+)?(?:e[+-]?\d+)?[A-Za-z]*)
    |(?P<ident>[$A-Za-z_][A-Za-z0-9_]*(?:[-.~][A-Za-z_][A-Za-z0-9_]*)*~?|![A-Za-z_]+~?)
    |(?P<op>==|!=|=~|!~|<=|>=|\.\.|[-+*/%<>=(),;|.\[\]{}:!])
    """,
    re.VERBOSE,
)


@attrs.frozen
class Token:
    """One lexeme: kind (``ident``, ``string``, ``number``, ``op``) and text."""

    kind: str
    text: str


def lex(query: str) -> list[Token]:
    """Tokens of a KQL query (comments and whitespace dropped)."""
    tokens: list[Token] = []
    i = 0
    while i < len(query):
        match = TOKEN.match(query, i)
        if match is None:
            raise AssertionError(f"cannot lex {query[i : i + 30]!r}")
        kind = match.lastgroup
        assert kind is not None
        if kind == "dq":
            value, i = read_kql_string(query, i)
            tokens.append(Token("string", value))
            continue
        i = match.end()
        if kind in ("verbatim", "sq"):
            tokens.append(Token("string", match.group(0)))
        elif kind in ("number", "ident", "op"):
            tokens.append(Token(kind, match.group(0)))
    return _split_dotted(tokens)


def _split_dotted(tokens: list[Token]) -> list[Token]:
    """``a.b`` identifiers become ``a`` ``.`` ``b`` (except dotted keywords like hint.strategy)."""
    out: list[Token] = []
    for token in tokens:
        if token.kind == "ident" and "." in token.text and token.text not in KEYWORDS:
            parts = token.text.split(".")
            out.append(Token("ident", parts[0]))
            for part in parts[1:]:
                out += [Token("op", "."), Token("ident", part)]
        else:
            out.append(token)
    return out


def load_schemas() -> dict[str, dict[str, str]]:
    if not LA_TABLES.is_dir():
        pytest.fail(f"table schemas not found at {LA_TABLES}")
    schemas: dict[str, dict[str, str]] = {}
    for file in LA_TABLES.glob("*.json"):
        data = json.loads(file.read_text(encoding="utf-8"))
        schemas[data["table"]] = dict(data["columns"])
    return schemas


SCHEMAS = load_schemas()

SAMPLE_BY_TYPE: dict[str, object] = {
    "str": "contoso",
    "int": 5,
    "float": 0.5,
    "bool": True,
    "datetime": dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
    "timespan": dt.timedelta(hours=1),
    "list[str]": ["10.0.0.1", "evil.example"],
    "list[int]": [4624, 4625],
}


def render_sample(template: QueryTemplate) -> str:
    """The query rendered with defaults where given and a sample value of each type else."""
    keywords = {
        p.name: SAMPLE_BY_TYPE[p.type] for p in template.parameters if p.default in (None, "")
    }
    keywords |= {p.name: SAMPLE_BY_TYPE[p.type] for p in template.parameters if p.required}
    return template.render(template.resolve({}, keywords))


def _literal_type(tokens: list[Token], i: int) -> str | None:
    """The type of the literal starting at ``tokens[i]`` (skipping ``(``), if it is one."""
    while i < len(tokens) and tokens[i].text == "(":
        i += 1
    if i >= len(tokens):
        return None
    token = tokens[i]
    if token.kind == "string":
        return "string"
    if token.kind == "number":
        return "number" if token.text.replace(".", "").isdigit() else "timespan"
    if token.text in ("true", "false"):
        return "bool"
    if token.text in ("datetime", "ago", "now"):
        return "datetime"
    if token.text == "dynamic" and i + 3 < len(tokens):
        return _literal_type(tokens, i + 3)  # dynamic([first, ...])
    return None


STRING_OPERATORS = frozenset(
    [
        "=~",
        "!~",
        "has",
        "!has",
        "has_cs",
        "!has_cs",
        "contains",
        "!contains",
        "contains_cs",
        "!contains_cs",
        "startswith",
        "!startswith",
        "startswith_cs",
        "endswith",
        "!endswith",
        "endswith_cs",
        "in~",
        "!in~",
        "matches",
    ]
)
HAS_OPERATORS = frozenset({"has", "!has", "has_any", "has_all", "contains", "!contains"})


def _compatible(column_type: str, operator: str, literal: str) -> bool:
    if column_type == "?":
        return True
    if operator in HAS_OPERATORS and column_type == "dynamic":
        return True
    if operator in STRING_OPERATORS or operator in ("has_any", "has_all"):
        return column_type in STRINGY
    if literal == "number":
        return column_type in NUMERIC
    if literal == "string":
        return column_type in STRINGY
    if literal == "bool":
        return column_type == "bool"
    if literal == "datetime":
        return column_type == "datetime"
    if literal == "timespan":
        return column_type == "timespan"
    return True


def check_columns(query: str, tables: list[str]) -> list[str]:
    """Problems found: unknown columns and type mismatches (empty when the query is sound)."""
    problems = [f"table {t} has no schema in la-tables" for t in tables if t not in SCHEMAS]
    columns: dict[str, str] = {}
    for table in tables:
        columns |= SCHEMAS.get(table, {})
    tokens = lex(query)
    named_tables = {t.text for t in tokens if t.kind == "ident" and t.text in SCHEMAS}
    if undeclared := sorted(named_tables - set(tables)):
        problems.append(f"reads tables {undeclared} it does not declare")
    created: set[str] = set()
    for i, token in enumerate(tokens):
        after = tokens[i + 1].text if i + 1 < len(tokens) else ""
        if token.kind == "ident" and after == "=":
            created.add(token.text)
        if token.text == ")" and after == "=":  # extend (A, B, C) = series_...(...)
            j = i - 1
            while j >= 0 and tokens[j].text != "(":
                if tokens[j].kind == "ident":
                    created.add(tokens[j].text)
                j -= 1
    for i, token in enumerate(tokens):
        if token.kind != "ident":
            continue
        before = tokens[i - 1].text if i else ""
        after = tokens[i + 1].text if i + 1 < len(tokens) else ""
        name = token.text
        qualified = before == "." and i >= 2 and tokens[i - 2].text in ("$left", "$right")
        if (
            name in KEYWORDS
            or name in SCHEMAS
            or name in created
            or name.startswith("$")
            or (before == "." and not qualified)  # a property of a dynamic value
            or after == "("  # a function call
            or (before == "=" and i >= 2 and tokens[i - 2].text in ("kind", "isfuzzy"))
        ):
            continue
        if name not in columns:
            problems.append(f"{name} is not a column of {tables}")
            continue
        operator = after
        literal = _literal_type(tokens, i + 2)
        comparison = operator in ("==", "!=", "<", ">", "<=", ">=", "between", "in", "!in")
        checked = comparison or operator in STRING_OPERATORS | HAS_OPERATORS
        if literal is not None and checked and not _compatible(columns[name], operator, literal):
            problems.append(f"{name} ({columns[name]}) compared with a {literal} by {operator}")
    return problems


def _library() -> Iterator[QueryTemplate]:
    yield from QueryLibrary.default()


@pytest.mark.parametrize("template", list(_library()), ids=lambda t: t.full_name)
def test_query_names_real_columns_with_compatible_types(template: QueryTemplate) -> None:
    tables = list(template.metadata.get("tables") or [])
    if template.metadata.get("any_table"):
        # The table is a parameter (table({table})): every column comes from a parameter
        # (column_ifexists) or is one the query creates, so none may be named directly.
        assert tables == [], f"{template.full_name}: an any_table query declares no tables"
        assert "table({table})" in template.query, template.full_name
    else:
        assert tables, f"{template.full_name} declares no tables (add 'tables:' to its file)"
    assert check_columns(render_sample(template), tables) == []


def test_every_query_is_documented_and_follows_the_naming_scheme() -> None:
    for template in QueryLibrary.default():
        assert template.description, template.full_name
        assert re.fullmatch(r"[A-Z][A-Za-z]+", template.family), template.full_name
        assert re.fullmatch(r"(list|get|find|count|summarize)_[a-z0-9_]+", template.name), (
            template.full_name
        )
        for parameter in template.parameters:
            assert parameter.description, f"{template.full_name}: {parameter.name}"


def test_the_checker_finds_unknown_columns_and_wrong_types() -> None:
    good = 'SecurityEvent | where EventID == 4624 and Computer =~ "h" | project Computer'
    assert check_columns(good, ["SecurityEvent"]) == []
    assert check_columns("SecurityEvent | where NoSuchColumn == 1", ["SecurityEvent"]) == [
        "NoSuchColumn is not a column of ['SecurityEvent']"
    ]
    assert check_columns('SecurityEvent | where EventID == "4624"', ["SecurityEvent"]) == [
        "EventID (int) compared with a string by =="
    ]
    assert check_columns('SecurityEvent | where EventID has "4624"', ["SecurityEvent"]) != []
    assert check_columns(
        "SecurityEvent | where Computer between (datetime(2024-01-01) .. 1d)", ["SecurityEvent"]
    ) == ["Computer (string) compared with a datetime by between"]
    assert check_columns("Syslog | take 1", ["SecurityEvent"]) == [
        "reads tables ['Syslog'] it does not declare"
    ]
    created = "SecurityEvent | extend Made = 1 | where Made > 0 | summarize N = count() by Made"
    assert check_columns(created, ["SecurityEvent"]) == []
    assert (
        check_columns('SecurityEvent | where Computer == "a\\" | where Bogus"', ["SecurityEvent"])
        == []
    )  # the injected text stays inside one string literal


def test_the_lexer_reads_strings_with_the_kql_string_reader() -> None:
    tokens = lex('T | where A == "x\\" or 1==1 //" // comment\n| project B')
    assert [t.text for t in tokens] == [
        "T", "|", "where", "A", "==", 'x" or 1==1 //', "|", "project", "B"
    ]  # fmt: skip


def test_threat_intelligence_takes_the_latest_version_before_filtering_active() -> None:
    """In both indicator tables, a filter on Active / IsActive follows the latest version."""
    tables = re.compile(r"\b(ThreatIntelligenceIndicator|ThreatIntelIndicators)\b")
    checked = 0
    for template in QueryLibrary.default():
        query = render_sample(template)
        starts = [m.end() for m in tables.finditer(query)]
        if not starts:
            continue
        for begin, end in zip(starts, [*starts[1:], len(query)], strict=True):
            part = query[begin:end]  # one table's pipeline (up to the next table)
            active = re.search(r"\b(Is)?Active\b", part)
            if active is None:
                continue
            latest = re.search(r"arg_max\(TimeGenerated, \*\) by (IndicatorId|Id)\b", part)
            assert latest is not None, template.full_name
            assert latest.start() < active.start(), template.full_name
            checked += 1
    assert checked >= 10


def test_tables_are_declared_per_file_and_may_be_overridden(tmp_path: Path) -> None:
    (tmp_path / "q.yaml").write_text(
        "family: Demo\ntables: [Syslog]\nqueries:\n"
        "  list_a: {description: a, query: Syslog}\n"
        "  list_b: {description: b, query: Event, metadata: {tables: [Event]}}\n",
        encoding="utf-8",
    )
    library = QueryLibrary.from_path(tmp_path)
    assert library.get("Demo.list_a").metadata["tables"] == ["Syslog"]
    assert library.get("Demo.list_b").metadata["tables"] == ["Event"]
    (tmp_path / "q.yaml").write_text(
        "family: Demo\ntables: Syslog\nqueries: {list_a: {query: Syslog}}\n", encoding="utf-8"
    )
    with pytest.raises(ConfigurationError, match="'tables' must be a list"):
        QueryLibrary.from_path(tmp_path)
