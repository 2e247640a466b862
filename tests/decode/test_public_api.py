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


def test_every_layer_kind_is_documented() -> None:
    from pathlib import Path
    from typing import get_args

    page = (Path(__file__).parents[2] / "docs" / "decode.md").read_text(encoding="utf-8")
    missing = [name for name in get_args(decode.Encoding) if f"`{name}`" not in page]
    assert missing == [], f"add these encodings to docs/decode.md: {missing}"
