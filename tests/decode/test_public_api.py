"""The public face of asisdk.decode: a sorted __all__ of importable names."""

from __future__ import annotations

import asisdk.decode as decode

EXPECTED = {
    "DecodeLimits",
    "Encoding",
    "FileType",
    "Layer",
    "Unpacked",
    "unpack",
    "unpack_frame",
    "unpack_frame_async",
}


def test_all_is_sorted_and_complete() -> None:
    assert decode.__all__ == sorted(decode.__all__)
    assert set(decode.__all__) == EXPECTED


def test_every_public_name_is_importable() -> None:
    for name in decode.__all__:
        assert getattr(decode, name) is not None


def test_public_names_are_all_listed() -> None:
    public = {
        name
        for name in vars(decode)
        if not name.startswith("_")
        and name not in {"annotations"}
        and not isinstance(getattr(decode, name), type(decode))
    }
    assert public == EXPECTED
