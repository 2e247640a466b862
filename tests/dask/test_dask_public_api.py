"""The package's public names are exactly its sorted ``__all__``; its examples run."""

from __future__ import annotations

import doctest

import pytest

import asisdk.dask as adask
from asisdk.dask import _cluster, _executor, _frames, _patterns


def _isort_key(name: str) -> tuple[int, str]:
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


def test_all_is_sorted_and_importable() -> None:
    assert list(adask.__all__) == sorted(adask.__all__, key=_isort_key)
    for name in adask.__all__:
        assert getattr(adask, name) is not None


def test_all_equals_public_names() -> None:
    public = {name for name in vars(adask) if not name.startswith("_")} - {"annotations"}
    assert public == set(adask.__all__)


@pytest.mark.parametrize("module", [adask, _cluster, _frames, _patterns])
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)  # type: ignore[arg-type]
    assert result.attempted > 0
    assert result.failed == 0


def test_executor_module_is_documented() -> None:
    assert "executor=" in (_executor.executor_for.__doc__ or "")
