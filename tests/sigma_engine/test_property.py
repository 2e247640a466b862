"""The compiled engine agrees with a row-by-row reference evaluator on generated data."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asisdk.sigma import SigmaRules

from ._reference import reference_match

ALPHABET = "aAbB\\.- "
TEXT_FIELDS = ("Image", "CommandLine", "User")
words = st.text(alphabet=ALPHABET, min_size=1, max_size=4)
cell = st.one_of(st.none(), st.text(alphabet=ALPHABET, max_size=8))
count_cell = st.one_of(st.none(), st.integers(min_value=0, max_value=6))

events = st.lists(
    st.fixed_dictionaries({"Image": cell, "CommandLine": cell, "User": cell, "Count": count_cell}),
    min_size=1,
    max_size=25,
)


@st.composite
def wildcard_words(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(words, st.sampled_from(["*", "?"])), min_size=1, max_size=3))
    return "".join(parts)


@st.composite
def detection_item(draw: st.DrawFn) -> tuple[str, Any]:
    kind = draw(
        st.sampled_from(
            [
                "plain",
                "contains",
                "startswith",
                "endswith",
                "all",
                "re",
                "re_i",
                "cased",
                "exists",
                "null",
                "gt",
                "lte",
                "fieldref",
                "windash",
                "list",
            ]
        )
    )
    field = draw(st.sampled_from(TEXT_FIELDS))
    if kind == "plain":
        return field, draw(wildcard_words())
    if kind in ("contains", "startswith", "endswith"):
        return f"{field}|{kind}", draw(words)
    if kind == "all":
        return f"{field}|contains|all", draw(st.lists(words, min_size=1, max_size=3))
    if kind == "re":
        return f"{field}|re", draw(st.sampled_from(["a+b", "^A", "b\\.", "[ab]-", "B$"]))
    if kind == "re_i":
        return f"{field}|re|i", draw(st.sampled_from(["a+b", "^A", "b\\.", "[ab]-", "B$"]))
    if kind == "cased":
        return f"{field}|cased", draw(words)
    if kind == "exists":
        return f"{field}|exists", draw(st.booleans())
    if kind == "null":
        return field, None
    if kind in ("gt", "lte"):
        return f"Count|{kind}", draw(st.integers(min_value=0, max_value=6))
    if kind == "fieldref":
        other = draw(st.sampled_from([f for f in TEXT_FIELDS if f != field]))
        return f"{field}|fieldref", other
    if kind == "windash":
        return f"{field}|windash|contains", "-" + draw(words)
    return field, draw(st.lists(wildcard_words(), min_size=1, max_size=4))


@st.composite
def rules(draw: st.DrawFn) -> str:
    selections: dict[str, Any] = {}
    for i in range(draw(st.integers(min_value=1, max_value=3))):
        items = draw(st.lists(detection_item(), min_size=1, max_size=3))
        selections[f"sel{i}"] = dict(items)
    if draw(st.booleans()):
        selections["keywords"] = draw(st.lists(words, min_size=1, max_size=2))
    names = list(selections)
    condition = draw(
        st.sampled_from(
            [
                " or ".join(names),
                " and ".join(names),
                f"1 of sel* and not {names[-1]}" if len(names) > 1 else f"not {names[0]}",
                "all of them",
                f"({names[0]} or {names[-1]}) and not {names[0]}",
            ]
        )
    )
    selections["condition"] = condition
    rule = {
        "title": "generated",
        "id": "00000000-0000-4000-8000-000000000000",
        "logsource": {"category": "test"},
        "detection": selections,
    }
    return json.dumps(rule)  # JSON is YAML


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(text=rules(), rows=events)
def test_compiled_equals_reference(text: str, rows: list[dict[str, Any]]) -> None:
    collection = SigmaRules.from_yaml(text)
    assert not collection.errors, collection.errors
    (rule,) = collection
    frame = pd.DataFrame(rows)
    matched = set(collection.match(frame).frame["event_index"])
    expected = {i for i, row in enumerate(rows) if reference_match(rule.sigma_rule, row)}
    assert matched == expected
