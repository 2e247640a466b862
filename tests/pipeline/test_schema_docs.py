"""docs/schema.md's tables are generated from asisdk.schema and can never drift from it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from asisdk.schema import CANONICAL_COLUMNS, FIELD_SOURCES

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_schema", DOCS / "gen_schema.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_schema_md_is_up_to_date(monkeypatch: pytest.MonkeyPatch) -> None:
    gen = _generator()
    current = (DOCS / "schema.md").read_text(encoding="utf-8")
    assert gen.rendered(current) == current, (
        "docs/schema.md is out of date: run PYTHONPATH=src python docs/gen_schema.py"
    )
    monkeypatch.setattr(sys, "argv", ["gen_schema.py", "--check"])
    assert gen.main() == 0


def test_every_canonical_column_and_source_is_documented() -> None:
    text = (DOCS / "schema.md").read_text(encoding="utf-8")
    for column in CANONICAL_COLUMNS:
        assert f"| `{column.name}` | {column.kind} |" in text
    for source in FIELD_SOURCES:
        assert f"| `{source.canonical}` | `{source.column}` |" in text
