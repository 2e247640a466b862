"""Importing the optional notebook libraries only when a feature needs them.

ipywidgets, IPython and bokeh live behind the ``notebook`` extra. Nothing in asisdk imports
them at module level, so ``import asisdk`` (and ``import asisdk.notebook``) stays light and
works without them; a feature that needs one calls :func:`require` and gets an error that
says how to install it.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

from asisdk.errors import ConfigurationError

__all__ = ["current_shell", "require"]

_EXTRA_HINT = "install the notebook extra: pip install 'asisdk[notebook]'"


def require(module: str) -> ModuleType:
    """Import ``module`` (``"ipywidgets"``, ``"bokeh.plotting"``, ...) or explain what to install.

    Raises:
        ConfigurationError: the module is not installed.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ConfigurationError(f"{module} is needed for this feature; {_EXTRA_HINT}") from exc


def current_shell() -> object | None:
    """The running IPython shell, or ``None`` outside IPython.

    A running shell has imported IPython already, so this never imports it.
    """
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    shell: object | None = ipython.get_ipython()
    return shell
