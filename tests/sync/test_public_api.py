"""asisdk.sync's ``__all__`` is sorted and complete, and its docstring examples run."""

from __future__ import annotations

import doctest
import inspect

import asisdk.sync as module


def test_all_is_sorted_and_names_every_public_class() -> None:
    assert module.__all__ == sorted(module.__all__)
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and inspect.isclass(value)
        and value.__module__ == module.__name__
    }
    assert public | {"EventLoopMismatchError"} == set(module.__all__)


def test_docstring_examples() -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
