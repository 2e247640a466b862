"""The examples in docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "asisdk.config",
    "asisdk.data",
    "asisdk.entities",
    "asisdk.entities._account",
    "asisdk.entities._alert",
    "asisdk.entities._file",
    "asisdk.entities._host",
    "asisdk.entities._network",
    "asisdk.entities._params",
    "asisdk.entities._process",
    "asisdk.entities._timespan",
    "asisdk.executors",
    "asisdk.schema",
    "asisdk.schema._canonical",
    "asisdk.schema._normalise",
    "asisdk.schema._time",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
