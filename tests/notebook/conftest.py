"""Fixtures of the notebook tests: an IPython shell of their own, sample frames."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

pytest.importorskip("ipywidgets", reason="the notebook extra is not installed")
pytest.importorskip("bokeh", reason="the notebook extra is not installed")

from IPython.core.interactiveshell import InteractiveShell

from asisdk.data import sample_events_frame


@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    """A fresh IPython shell that ``get_ipython()`` returns, removed afterwards."""
    InteractiveShell.clear_instance()
    instance = InteractiveShell.instance()
    yield instance
    InteractiveShell.clear_instance()


@pytest.fixture(scope="session")
def events() -> pd.DataFrame:
    """The bundled real OTRF events."""
    return sample_events_frame()
