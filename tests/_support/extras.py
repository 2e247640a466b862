"""Marks for tests that need one optional extra (the ``tests-core`` session installs none)."""

from __future__ import annotations

import importlib.util

import pytest

#: The Sigma extra's Kusto backend renders rules as KQL; without it those tests skip.
needs_kusto = pytest.mark.skipif(
    importlib.util.find_spec("sigma.backends") is None
    or importlib.util.find_spec("sigma.backends.kusto") is None,
    reason="the sigma extra (pysigma-backend-kusto) is not installed",
)
