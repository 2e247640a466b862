"""asisdk.loganalytics.__all__ lists exactly the package's public names, sorted and importable."""

from __future__ import annotations

import asisdk.loganalytics as package


def test_all_is_sorted_complete_and_importable() -> None:
    exported = package.__all__
    assert exported == sorted(exported)
    public = {
        name
        for name, value in vars(package).items()
        if not name.startswith("_")
        and getattr(value, "__module__", "").startswith("asisdk.loganalytics")
    }
    assert public <= set(exported)
    for name in exported:
        assert getattr(package, name) is not None
