"""``asisdk.notebook.__all__`` names exactly its public API; importing stays light."""

from __future__ import annotations

import inspect
import subprocess
import sys

import asisdk.notebook


def _public_names() -> set[str]:
    names = set()
    for name, value in vars(asisdk.notebook).items():
        if name.startswith("_") or inspect.ismodule(value):
            continue
        owner = str(getattr(value, "__module__", ""))
        if (
            (inspect.isclass(value) or inspect.isfunction(value))
            and owner.startswith("asisdk.notebook._")
        ) or (name.isupper() and name != "TYPE_CHECKING"):
            names.add(name)
    return names


def test_all_is_sorted_and_matches_public_names() -> None:
    exported = list(asisdk.notebook.__all__)
    assert exported == sorted(exported)
    assert set(exported) == _public_names()
    for name in exported:
        assert hasattr(asisdk.notebook, name)


def test_importing_asisdk_or_the_notebook_package_imports_no_notebook_library() -> None:
    code = (
        "import sys, asisdk, asisdk.notebook, asisdk.entities, asisdk.data\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'ipywidgets', 'IPython', 'bokeh', 'ipykernel', 'sklearn', 'matplotlib'})\n"
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == ""


def test_accessor_is_registered_by_importing_the_package() -> None:
    import pandas as pd

    assert isinstance(pd.DataFrame({"a": [1]}).asi, asisdk.notebook.AsiAccessor)
