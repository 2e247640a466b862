"""The examples in the notebook layer's docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "asisdk.notebook",
    "asisdk.notebook._accessor",
    "asisdk.notebook._display",
    "asisdk.notebook._map",
    "asisdk.notebook._plots",
    "asisdk.notebook._process_tree",
    "asisdk.notebook._prompt_widgets",
    "asisdk.notebook._results",
    "asisdk.notebook._select_widgets",
    "asisdk.notebook._state",
    "asisdk.notebook._time_widgets",
    "asisdk.notebook._timeline",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
