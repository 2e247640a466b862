"""Shared test fixtures: where the real data lives; the Hypothesis profiles."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests draw their example counts from a profile, not from the test: "dev" is quick
# for a local edit-test loop, "ci" thorough. CI machines set CI; HYPOTHESIS_PROFILE overrides.
settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)

#: The optional extras and the modules that tell whether each is installed. Without one (the
#: ``tests-core`` nox session installs none) its test folder is not collected, so the rest
#: of the suite proves that a core install never needs it.
EXTRAS = {"dask": ("dask", "distributed"), "notebook": ("bokeh", "ipywidgets", "IPython")}
MISSING_EXTRAS = sorted(
    extra
    for extra, modules in EXTRAS.items()
    if any(importlib.util.find_spec(m) is None for m in modules)
)
# The folder itself, not its files: its conftest.py imports the extra too.
collect_ignore = list(MISSING_EXTRAS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests parametrized over ``asisdk.<extra>`` skip when that extra is not installed."""
    for item in items:
        for extra in MISSING_EXTRAS:
            if f"[asisdk.{extra}" in item.nodeid:
                item.add_marker(pytest.mark.skip(reason=f"the {extra} extra is not installed"))


def pytest_report_header() -> str:
    if not MISSING_EXTRAS:
        return "asisdk extras: all installed"
    return f"asisdk extras not installed (their tests are not collected): {MISSING_EXTRAS}"


REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The project's real test data (``../shared/data`` from the repository root)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared test data not found at {SHARED_DATA}; see the README's test section")
    return SHARED_DATA


@pytest.fixture(scope="session", autouse=True)
def shipped_sigma_rules_compiled_once() -> Iterator[None]:
    """``SigmaRules.bundled()`` reads and compiles the shipped pack once per test process.

    Reading its 2,500 rules costs seconds, and every ``asisdk triage`` and ``asisdk sigma``
    run of the suite asks for them. The shipped pack is a read-only file of the installation
    and the rules are frozen (KQL converts a copy), so one compiled collection serves every
    test. Only the shipped pack is kept: whenever another pack is active (one that ``asisdk
    sigma update`` installed in a test's data folder) or the shipped file changed, the real
    method runs as before.
    """
    from asisdk.sigma import SigmaRules, active_pack_path, bundled_rules_path

    real: Callable[[type[SigmaRules]], SigmaRules] = SigmaRules.__dict__["bundled"].__func__
    compiled: dict[tuple[Path, int, int, int], SigmaRules] = {}

    def bundled(cls: type[SigmaRules]) -> SigmaRules:
        active = active_pack_path()
        if cls is not SigmaRules or active != bundled_rules_path():
            return real(cls)
        stat = active.stat()
        key = (active, stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if key not in compiled:
            compiled.clear()
            compiled[key] = real(cls)
        return compiled[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SigmaRules, "bundled", classmethod(bundled))
        yield
