"""asisdk.ioc.__all__ is sorted, importable and equals the public names."""

from __future__ import annotations

import asisdk.ioc as ioc


def test_all_is_sorted_and_importable() -> None:
    assert list(ioc.__all__) == sorted(ioc.__all__)
    for name in ioc.__all__:
        assert getattr(ioc, name) is not None


def test_all_equals_public_names() -> None:
    public = {name for name in vars(ioc) if not name.startswith("_") and name != "annotations"}
    assert public == set(ioc.__all__)
