"""The package's public names are exactly its sorted ``__all__``."""

from __future__ import annotations

import asisdk.cluster as cluster


def _isort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions, each alphabetical.
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


def test_all_is_sorted_and_importable() -> None:
    assert list(cluster.__all__) == sorted(cluster.__all__, key=_isort_key)
    for name in cluster.__all__:
        assert getattr(cluster, name) is not None


def test_all_equals_public_names() -> None:
    public = {name for name in vars(cluster) if not name.startswith("_")} - {"annotations"}
    assert public == set(cluster.__all__)
