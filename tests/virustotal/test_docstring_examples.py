"""The examples in asisdk.virustotal docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "asisdk.virustotal",
    "asisdk.virustotal._cache",
    "asisdk.virustotal._client",
    "asisdk.virustotal._observables",
    "asisdk.virustotal._report",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
