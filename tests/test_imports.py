"""Importing asisdk costs nothing it does not use: which heavy libraries each module loads.

Every check runs a fresh interpreter, since this test process has pandas loaded already.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
HEAVY = ("pandas", "numpy", "sklearn", "httpx", "pyarrow")
REPORT = f"import sys; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"


def _run(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; its output lines."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout.strip().splitlines()


@pytest.mark.parametrize(
    ("module", "loaded"),
    [
        ("asisdk", "[]"),
        ("asisdk.entities", "[]"),
        ("asisdk.errors", "[]"),
        ("asisdk.config", "[]"),
        ("asisdk.executors", "[]"),
        # IocExtractor on text needs no pandas; extract_frame imports it when called
        ("asisdk.ioc", "[]"),
        ("asisdk.cli", "[]"),
    ],
)
def test_heavy_modules_loaded_by_import(module: str, loaded: str) -> None:
    assert _run(f"import {module}; {REPORT}") == [loaded]


def test_top_level_names_load_no_pandas() -> None:
    code = f"from asisdk import *; print(Account(name='a').name, AsiError.__name__); {REPORT}"
    assert _run(code) == ["a AsiError", "[]"]


def test_help_loads_no_pandas() -> None:
    code = (
        "import contextlib, io, sys\n"
        "from asisdk.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    code = main(['--help'])\n"
        "assert code == 0, code\n"
        f"{REPORT}"
    )
    assert _run(code) == ["[]"]


def test_a_sub_command_still_loads_its_modules() -> None:
    code = (
        "import contextlib, io\n"
        "from asisdk.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['triage', '--help'])\n"
        f"{REPORT}"
    )
    assert "pandas" in _run(code)[-1]


def test_iso_times_parse_without_pandas_and_other_strings_with_it() -> None:
    code = (
        "import sys\n"
        "from asisdk.entities._time import to_utc_datetime\n"
        "print(to_utc_datetime('2024-01-02T03:04:05.1234567Z').isoformat())\n"
        "print('pandas' in sys.modules)\n"
        "print(to_utc_datetime('Jan 2 2024 03:04').isoformat())\n"
        "print('pandas' in sys.modules)\n"
    )
    assert _run(code) == [
        "2024-01-02T03:04:05.1234567+00:00",  # the 100 ns tick is kept
        "False",
        "2024-01-02T03:04:00+00:00",
        "True",
    ]


def test_help_parser_prints_the_same_help_as_the_full_parser() -> None:
    from asisdk.cli import _help_parser, build_parser

    assert _help_parser().format_help() == build_parser().format_help()


def test_dir_lists_every_export() -> None:
    import asisdk

    assert set(asisdk.__all__) <= set(dir(asisdk))
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = asisdk.no_such_name
