"""Fixtures of the cluster tests: the real Windows process events."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def host_processes(shared_data: Path) -> pd.DataFrame:
    """363 Windows 4688 events of one lab host (msticpy's own clustering fixture)."""
    return pd.read_csv(shared_data / "events" / "msticpy" / "processes_on_host.csv", index_col=0)


@pytest.fixture(scope="session")
def otrf_processes(shared_data: Path) -> pd.DataFrame:
    """Sysmon 1 / Security 4688 events of the OTRF Empire datasets (command lines only)."""
    frame = pd.read_csv(shared_data / "events" / "otrf" / "otrf_process_logon_events.csv")
    return frame[frame["CommandLine"].notna()]
