"""unpack_frame / unpack_frame_async: columns, source index, bad cells, executors."""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from asisdk.decode import DecodeLimits, unpack, unpack_frame, unpack_frame_async
from asisdk.decode._frame import FRAME_COLUMNS
from asisdk.errors import InvalidInputError
from asisdk.executors import InlineExecutor

from .builders import b64, make_zip

COLUMNS = [
    "src_index",
    "index",
    "parent",
    "depth",
    "encoding",
    "source",
    "start",
    "end",
    "decoded_bytes",
    "decoded_text",
    "file_name",
    "file_type",
    "md5",
    "sha1",
    "sha256",
    "error",
    "full_decoded_string",
]


def sample_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cmd": [
                "whoami /all",
                "powershell -enc " + b64("Get-Process | Stop-Process".encode("utf-16le")),
                "cmd /c echo "
                + b64(make_zip({"a.txt": b"zip member a", "b.txt": b"zip member b"})),
                "ipconfig /all",
            ],
            "host": ["h1", "h2", "h3", "h4"],
        },
        index=["r1", "r2", "r3", "r4"],
    )


def test_columns_and_rows() -> None:
    out = unpack_frame(sample_frame(), "cmd", executor=InlineExecutor())
    assert list(out.columns) == COLUMNS == list(FRAME_COLUMNS)
    assert out["src_index"].tolist() == ["r2", "r3", "r3", "r3"]
    assert out["index"].tolist() == ["1", "1", "1.1", "1.2"]
    assert out["parent"].tolist() == [None, None, "1", "1"]
    assert out["depth"].tolist() == [1, 1, 2, 2]
    assert out["encoding"].tolist() == ["base64", "base64", "zip", "zip"]
    assert out["decoded_text"].tolist()[0] == "Get-Process | Stop-Process"
    assert out["file_name"].tolist()[2:] == ["a.txt", "b.txt"]
    assert out["full_decoded_string"].iloc[0] == "powershell -enc Get-Process | Stop-Process"
    assert str(out["depth"].dtype) == "Int64"


def test_rows_match_unpack() -> None:
    frame = sample_frame()
    out = unpack_frame(frame, "cmd", executor=InlineExecutor())
    expected = unpack(frame.loc["r3", "cmd"])
    rows = out[out["src_index"] == "r3"]
    assert rows["decoded_bytes"].tolist() == [layer.data for layer in expected.layers]
    assert rows["sha256"].tolist() == [layer.sha256 for layer in expected.layers]
    assert set(rows["full_decoded_string"]) == {expected.text}


def test_nothing_encoded_gives_an_empty_frame_with_the_columns() -> None:
    out = unpack_frame(pd.DataFrame({"cmd": ["a", "b"]}), "cmd")
    assert out.empty
    assert list(out.columns) == COLUMNS


def test_bad_cells_never_raise() -> None:
    encoded = b64("hidden text in bytes")
    frame = pd.DataFrame(
        {
            "cmd": [
                None,
                math.nan,
                pd.NA,
                12345,
                encoded.encode(),
                ["not", "a", "string"],
                "ok " + encoded,
                np.float64("nan"),
            ]
        }
    )
    out = unpack_frame(frame, "cmd", executor=InlineExecutor())
    assert out["src_index"].tolist() == [4, 6]
    assert out["decoded_text"].tolist() == ["hidden text in bytes"] * 2
    assert out["error"].isna().all()


def test_whole_input_limit_gives_an_error_row() -> None:
    frame = pd.DataFrame({"cmd": ["y" * 50 + " " + b64("late payload text")]})
    out = unpack_frame(frame, "cmd", limits=DecodeLimits(max_input_chars=20))
    assert len(out) == 1
    assert out["index"].isna().all()
    assert "max_input_chars=20" in out["error"].iloc[0]


def test_a_bomb_in_one_row_does_not_stop_the_others() -> None:
    import gzip

    bomb = gzip.compress(bytes(8 * 1024 * 1024))
    frame = pd.DataFrame({"cmd": ["a " + b64(bomb), "b " + b64("the next row decodes")]})
    limits = DecodeLimits(max_decompressed_bytes=1024 * 1024)
    out = unpack_frame(frame, "cmd", limits=limits, executor=InlineExecutor())
    assert out["src_index"].tolist() == [0, 0, 1]
    assert "max_decompressed_bytes" in out["error"].iloc[1]
    assert out["decoded_text"].iloc[2] == "the next row decodes"


def test_missing_column_and_wrong_type() -> None:
    with pytest.raises(InvalidInputError, match="'nope'"):
        unpack_frame(sample_frame(), "nope")
    with pytest.raises(InvalidInputError, match="DataFrame"):
        unpack_frame(["a"], "cmd")  # type: ignore[arg-type]


def test_process_pool_gives_the_same_result_in_order() -> None:
    frame = pd.concat([sample_frame()] * 30, ignore_index=True)
    inline = unpack_frame(frame, "cmd", executor=InlineExecutor(), chunk_size=7)
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = unpack_frame(frame, "cmd", executor=pool, chunk_size=7)
    pd.testing.assert_frame_equal(inline, pooled)
    assert pooled["src_index"].is_monotonic_increasing


def test_failed_chunks_become_error_rows() -> None:
    pool = ThreadPoolExecutor(max_workers=1)
    pool.shutdown()
    out = unpack_frame(sample_frame(), "cmd", executor=pool)
    assert out["src_index"].tolist() == ["r1", "r2", "r3", "r4"]
    assert out["error"].str.startswith("chunk failed: RuntimeError").all()


async def test_async_variant_matches() -> None:
    frame = sample_frame()
    expected = unpack_frame(frame, "cmd", executor=InlineExecutor())
    got = await unpack_frame_async(frame, "cmd")
    pd.testing.assert_frame_equal(expected, got)
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded = await unpack_frame_async(frame, "cmd", executor=pool, chunk_size=1)
    pd.testing.assert_frame_equal(expected, threaded)


def test_repeated_cells_give_their_layers_under_every_label() -> None:
    line = "powershell -e ZABpAHIAIABDADoAXAA="
    frame = pd.DataFrame(
        {"cmd": [line, "whoami", line, None, line, b"\x1f\x8b junk"]},
        index=["a", "b", "c", "d", "e", "f"],
    )
    out = unpack_frame(frame, "cmd")
    assert out["src_index"].tolist() == ["a", "c", "e"]
    assert set(out["decoded_text"]) == {"dir C:\\"}
