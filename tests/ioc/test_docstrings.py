"""The examples in the asisdk.ioc docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "asisdk.ioc",
    "asisdk.ioc._extractor",
    "asisdk.ioc._frame",
    "asisdk.ioc._refang",
    "asisdk.ioc._tlds",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
