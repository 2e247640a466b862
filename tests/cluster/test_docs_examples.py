"""The examples in the cluster package's docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "asisdk.cluster",
    "asisdk.cluster._cluster",
    "asisdk.cluster._features",
    "asisdk.cluster._patterns",
    "asisdk.cluster._result",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
