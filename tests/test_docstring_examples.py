"""Every ``>>>`` example in ``src/`` runs and gives what it shows.

The modules are discovered, not listed: a new module's examples run without anyone adding it
here. (The equivalent of ``pytest --doctest-modules src``, with the package imported the way
users import it.)
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil

import pytest

import asisdk
from _support.extras import needs_kusto

#: Subpackages that need an extra, and a module of that extra: without it (the tests-core
#: session) they cannot be imported, so their examples are left out.
OPTIONAL = {"asisdk.dask": "distributed", "asisdk.notebook": "bokeh"}
SKIPPED = tuple(
    package for package, needs in OPTIONAL.items() if importlib.util.find_spec(needs) is None
)


def _modules() -> list[str]:
    names = ["asisdk"]
    for info in pkgutil.walk_packages(asisdk.__path__, prefix="asisdk.", onerror=lambda name: None):
        if info.name.endswith("__main__") or info.name.startswith(SKIPPED):
            continue  # __main__ would start the command line
        names.append(info.name)
    return sorted(names)


def _examples(name: str) -> list[doctest.DocTest]:
    module = importlib.import_module(name)
    return [t for t in doctest.DocTestFinder(exclude_empty=True).find(module, name) if t.examples]


#: Every module that has examples (a docstring whose examples cannot be parsed counts too,
#: so that its test fails rather than hides).
WITH_EXAMPLES = [
    name
    for name in _modules()
    if ">>>" in (importlib.util.find_spec(name).loader.get_source(name) or "")  # type: ignore[union-attr]
]


#: Modules whose examples render Sigma rules as KQL: they need the sigma extra's Kusto backend.
NEEDS_KUSTO = frozenset({"asisdk.sigma._kql", "asisdk.queries._sigma"})


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=needs_kusto) if n in NEEDS_KUSTO else n for n in WITH_EXAMPLES],
)
def test_docstring_examples(name: str) -> None:
    tests = _examples(name)
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_every_public_module_has_examples() -> None:
    public = [n for n in _modules() if not any(p.startswith("_") for p in n.split("."))]
    assert [n for n in public if n not in WITH_EXAMPLES] == []
