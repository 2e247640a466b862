"""Every public module's ``__all__`` is sorted, importable and names exactly its public API."""

from __future__ import annotations

import importlib
import inspect
import types
import typing

import pytest

MODULES = [
    "asisdk",
    "asisdk.cli",
    "asisdk.cluster",
    "asisdk.config",
    "asisdk.dask",
    "asisdk.data",
    "asisdk.decode",
    "asisdk.entities",
    "asisdk.errors",
    "asisdk.executors",
    "asisdk.geo",
    "asisdk.ioc",
    "asisdk.ipstack",
    "asisdk.local",
    "asisdk.loganalytics",
    "asisdk.loganalytics.auth",
    "asisdk.notebook",
    "asisdk.pipeline",
    "asisdk.queries",
    "asisdk.schema",
    "asisdk.sigma",
    "asisdk.ti",
    "asisdk.virustotal",
]


def _public_names(module: types.ModuleType, *, any_asisdk: bool = False) -> set[str]:
    """Public names a module owns: classes and functions defined in it or in its
    submodules, UPPER_CASE constants of built-in types, and public type aliases."""
    own = module.__name__
    names = set()
    for name, value in vars(module).items():
        if name.startswith("_") or inspect.ismodule(value):
            continue
        if inspect.isclass(value) or inspect.isfunction(value):
            owner = str(getattr(value, "__module__", ""))
            prefix = "asisdk" if any_asisdk else own
            if owner == prefix or owner.startswith(prefix + "."):
                names.add(name)
        elif (
            name.isupper()
            and name != "TYPE_CHECKING"
            and type(value).__module__ == "builtins"  # a constant, not an imported object
        ):
            names.add(name)
        elif typing.get_origin(value) is not None and name[:1].isupper():
            names.add(name)  # a public type alias such as Literal[...]
    return names


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: CONSTANTS, then CamelCase, then everything else."""
    if name.isupper() or (name.replace("_", "").isupper() and "_" in name):
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_importable(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(exported, key=_isort_key), f"{name}.__all__ is not sorted"
    assert len(exported) == len(set(exported)), f"{name}.__all__ has duplicates"
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names {item}, which does not exist"


@pytest.mark.parametrize("name", MODULES)
def test_all_matches_public_names(name: str) -> None:
    module = importlib.import_module(name)
    exported = set(module.__all__) - {"__version__"}
    public = _public_names(module, any_asisdk=name == "asisdk")
    if name == "asisdk":
        # the top level re-exports a selection; everything it holds must be exported
        assert public <= exported, sorted(public - exported)
        return
    assert public == exported, {
        "public but not in __all__": sorted(public - exported),
        "in __all__ but not public": sorted(exported - public),
    }


def test_top_level_reexports_are_the_same_objects() -> None:
    import asisdk
    import asisdk.entities
    import asisdk.errors

    assert asisdk.Host is asisdk.entities.Host
    assert asisdk.AsiError is asisdk.errors.AsiError
    assert asisdk.__version__
