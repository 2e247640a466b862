"""Fixtures of the Dask tests: a real two-process LocalCluster and the real event data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from distributed import Client, LocalCluster

from asisdk.data import sample_events_frame


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Client]:
    """Two worker processes, one thread each (the cheapest real cluster).

    The scheduler's HTTP server takes a free port (``:0``): with ``None`` it still asks for
    8787, and a second cluster (another xdist worker, a user's own Dask) makes that a warning,
    which the suite treats as an error.
    """
    with (
        LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            dashboard_address=":0",
            host="127.0.0.1",
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        yield client


@pytest.fixture(scope="session")
def sample_events() -> pd.DataFrame:
    """The bundled OTRF sample events (642 rows, Windows process and logon events)."""
    return sample_events_frame()


@pytest.fixture(scope="session")
def mde_processes(shared_data: Path) -> pd.DataFrame:
    """Microsoft Defender for Endpoint process events (msticpy's ``mde_proc_cs1.csv``)."""
    return pd.read_csv(shared_data / "events" / "msticpy" / "mde_proc_cs1.csv")
