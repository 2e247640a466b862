"""asisdk.ti.__all__ is sorted, complete and importable; docstring examples run."""

from __future__ import annotations

import doctest
import importlib

import pytest

import asisdk.ti as package

MODULES = [
    "asisdk.ti",
    "asisdk.ti._abusech",
    "asisdk.ti._abuseipdb",
    "asisdk.ti._cache",
    "asisdk.ti._circl",
    "asisdk.ti._client",
    "asisdk.ti._greynoise",
    "asisdk.ti._internetdb",
    "asisdk.ti._misp",
    "asisdk.ti._model",
    "asisdk.ti._observables",
    "asisdk.ti._otx",
    "asisdk.ti._provider",
    "asisdk.ti._registry",
    "asisdk.ti._tor",
    "asisdk.ti._virustotal",
    "asisdk.cli._ti",
    "asisdk.pipeline._ti",
]


def test_all_is_sorted_complete_and_importable() -> None:
    exported = package.__all__
    assert exported == sorted(exported, key=lambda n: (not n.isupper(), n))
    public = {
        name
        for name, value in vars(package).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("asisdk.ti")
    }
    assert public <= set(exported)
    for name in exported:
        assert getattr(package, name) is not None


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
