"""The one place that imports Dask, with an error that says how to install it."""

from __future__ import annotations

from typing import Any

from asisdk.errors import ConfigurationError

__all__ = ["import_dask_dataframe", "import_distributed"]

_INSTALL_HINT = "install the extra: pip install 'asisdk[dask]'"


def import_dask_dataframe() -> Any:
    """Return ``dask.dataframe`` or raise :class:`ConfigurationError` naming the extra."""
    try:
        import dask.dataframe as dd
    except ImportError as exc:
        raise ConfigurationError(f"asisdk.dask needs dask[dataframe]: {_INSTALL_HINT}") from exc
    return dd


def import_distributed() -> Any:
    """Return ``distributed`` or raise :class:`ConfigurationError` naming the extra."""
    try:
        import distributed
    except ImportError as exc:
        raise ConfigurationError(f"asisdk.dask needs dask.distributed: {_INSTALL_HINT}") from exc
    return distributed
