"""The examples in the pipeline's docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "asisdk.pipeline",
    "asisdk.pipeline._allow",
    "asisdk.pipeline._archives",
    "asisdk.pipeline._columns",
    "asisdk.pipeline._evtx",
    "asisdk.pipeline._findings",
    "asisdk.pipeline._load",
    "asisdk.pipeline._report",
    "asisdk.pipeline._stages",
    "asisdk.pipeline._stix",
    "asisdk.pipeline._summary",
    "asisdk.pipeline._timeline",
    "asisdk.pipeline._triage",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
