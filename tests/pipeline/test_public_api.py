"""asisdk.pipeline.__all__ is sorted and names exactly the public, importable names."""

from __future__ import annotations

import asisdk.pipeline as pipeline


def test_all_is_sorted_and_importable() -> None:
    names = pipeline.__all__
    assert list(names) == sorted(names, key=lambda n: (not n.isupper(), n))
    for name in names:
        assert hasattr(pipeline, name), name


def test_all_equals_public_names() -> None:
    public = {name for name in vars(pipeline) if not name.startswith("_") and name != "annotations"}
    assert public == set(pipeline.__all__)
