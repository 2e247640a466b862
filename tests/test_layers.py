"""Layers that hold: no package imports another package's private module.

A package (``asisdk.geo``, ``asisdk.cli`` ...) may import any public module of asisdk and the
top-level private layer (``asisdk._http``, ``asisdk._geo_inputs`` ...), plus its own private
modules; what two packages share lives in that top-level layer, never in one of them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "asisdk"


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    """Every absolute module an import names, with its line: ``from a.b import c`` names
    ``a.b`` and ``a.b.c`` (``c`` may be a module), ``import a.b`` names ``a.b``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return found


def _foreign_private(owner: str | None, module: str) -> bool:
    """Whether ``module`` is a private module of an asisdk package other than ``owner``."""
    parts = module.split(".")
    if len(parts) < 3 or parts[0] != "asisdk" or parts[1].startswith("_"):
        return False  # not asisdk, or the top-level private layer
    return parts[1] != owner and any(part.startswith("_") for part in parts[2:])


def _violations(root: Path) -> list[str]:
    out = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        owner = parts[1] if len(parts) > 2 else None  # None: a top-level module
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in _imported(tree):
            if _foreign_private(owner, module):
                out.append(f"{path.relative_to(root.parent)}:{line} imports {module}")
    return sorted(set(out))


def test_no_package_imports_another_packages_private_module() -> None:
    assert _violations(PACKAGE) == []


@pytest.mark.parametrize(
    ("owner", "module", "foreign"),
    [
        ("cli", "asisdk.pipeline._ti", True),
        ("cli", "asisdk.pipeline._defaults", True),  # from asisdk.pipeline import _defaults
        ("ipstack", "asisdk.geo._inputs.classify", True),
        (None, "asisdk.geo._result", True),  # the shared layer does not reach up either
        ("geo", "asisdk.geo._inputs", False),
        ("cli", "asisdk.pipeline", False),
        ("cli", "asisdk.pipeline.run_triage", False),
        ("ipstack", "asisdk._http._service", False),
        ("ipstack", "asisdk._geo_inputs", False),
        ("cli", "asisdk", False),
        ("cli", "sigma.rule", False),
    ],
)
def test_what_counts_as_a_foreign_private_module(
    owner: str | None, module: str, foreign: bool
) -> None:
    assert _foreign_private(owner, module) is foreign


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    package = tmp_path / "asisdk"
    (package / "cli").mkdir(parents=True)
    (package / "cli" / "_run.py").write_text(
        "def f():\n    from asisdk.pipeline import _defaults\n    return _defaults\n"
    )
    (package / "_shared.py").write_text("from asisdk.geo._result import GeoResult\n")
    assert _violations(package) == [
        "asisdk/_shared.py:1 imports asisdk.geo._result",
        "asisdk/_shared.py:1 imports asisdk.geo._result.GeoResult",
        "asisdk/cli/_run.py:2 imports asisdk.pipeline._defaults",
    ]
