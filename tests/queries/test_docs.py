"""docs/queries.md is generated from the YAML templates and can never drift from them."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from asisdk.queries import Parameter, QueryLibrary, QueryTemplate

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_queries", DOCS / "gen_queries.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _generator()


def test_docs_queries_md_is_up_to_date() -> None:
    current = (DOCS / "queries.md").read_text(encoding="utf-8")
    assert gen.render(current, QueryLibrary.default()) == current, (
        "docs/queries.md is out of date: run PYTHONPATH=src python docs/gen_queries.py"
    )
    assert gen.main(["--check"]) == 0


def test_every_query_and_parameter_is_documented() -> None:
    text = (DOCS / "queries.md").read_text(encoding="utf-8")
    library = QueryLibrary.default()
    rows = re.findall(r"^\| `(\w+)`(?: \(also [^)]*\))? \|", text, flags=re.MULTILINE)
    assert sorted(rows) == sorted(t.name for t in library)
    for template in library:
        for parameter in template.parameters:
            if parameter.name not in ("start", "end"):
                assert f"`{parameter.name}`: {parameter.type}" in text, template.full_name


def test_a_changed_library_changes_the_docs() -> None:
    current = (DOCS / "queries.md").read_text(encoding="utf-8")
    extra = QueryTemplate(
        family="WindowsSecurity",
        name="list_brand_new_things",
        description="A query | with a pipe.",
        parameters=(
            Parameter(name="start", type="datetime"),
            Parameter(name="end", type="datetime"),
            Parameter(name="limit", type="int", default=10, aliases=("top",)),
        ),
        query="SecurityEvent | take {limit}",
        metadata={"tables": ["SecurityEvent"]},
    )
    library = QueryLibrary([*QueryLibrary.default(), extra])
    changed = gen.render(current, library)
    assert changed != current
    assert (
        "| `list_brand_new_things` | A query \\| with a pipe. | SecurityEvent | "
        "`limit`: int = `10` (`top`) |" in changed
    )
    assert f"{len(library.names())} queries in {len(library.families())} families" in changed
    assert len(library.names()) == len(QueryLibrary.default().names()) + 1
    before, after = current.split(gen.BEGIN)[0], current.split(gen.END)[1]
    assert changed.startswith(before)
    assert changed.endswith(after)


def test_missing_markers_are_an_error() -> None:
    with pytest.raises(ValueError, match="markers"):
        gen.render("# no markers here\n", QueryLibrary.default())
