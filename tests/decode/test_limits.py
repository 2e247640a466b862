"""Hostile input: bombs stop at the limit in bounded memory; corrupt data is an error value."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import tracemalloc
import zipfile
import zlib

import pytest

from asisdk.decode import DecodeLimits, unpack
from asisdk.errors import InvalidInputError

from .builders import b64, make_tar, make_zip

MIB = 1024 * 1024


def zeros_stream(kind: str, size: int) -> bytes:
    """``size`` zero bytes compressed, written in pieces (never ``size`` bytes at once)."""
    piece = bytes(MIB)
    if kind == "gzip":
        buffer = io.BytesIO()
        with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as handle:
            for _ in range(size // MIB):
                handle.write(piece)
        return buffer.getvalue()
    compressor = {
        "zlib": lambda: zlib.compressobj(9),
        "bz2": lambda: bz2.BZ2Compressor(9),
        "xz": lambda: lzma.LZMACompressor(),
    }[kind]()
    out = b"".join(compressor.compress(piece) for _ in range(size // MIB))
    return out + compressor.flush()


@pytest.mark.parametrize("kind", ["gzip", "zlib", "bz2", "xz"])
def test_decompression_bomb_stops_at_the_limit_in_bounded_memory(kind: str) -> None:
    bomb = zeros_stream(kind, 64 * MIB)
    text = "payload " + b64(bomb)
    limit = 2 * MIB
    tracemalloc.start()
    try:
        result = unpack(text, limits=DecodeLimits(max_decompressed_bytes=limit))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [layer.encoding for layer in result.layers] == ["base64", kind]
    inner = result.layers[1]
    assert len(inner.data) == limit
    assert inner.error is not None
    assert "max_decompressed_bytes=2097152" in inner.error
    # A few copies of the limit, never the 64 MiB the bomb expands to.
    assert peak < 12 * limit + 4 * len(text)


def test_zip_bomb_member_stops_at_the_limit() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("bomb.bin", "w", force_zip64=True) as handle:
            for _ in range(64):
                handle.write(bytes(MIB))
        archive.writestr("after.txt", "the member after the bomb is still read")
    result = unpack(b64(buffer.getvalue()), limits=DecodeLimits(max_decompressed_bytes=MIB))
    names = {layer.file_name: layer for layer in result.layers}
    assert names["bomb.bin"].error is not None
    assert "max_decompressed_bytes" in names["bomb.bin"].error
    assert len(names["bomb.bin"].data) == MIB
    assert names["after.txt"].text == "the member after the bomb is still read"


def test_nested_bomb_stops_at_the_total_bytes_limit() -> None:
    layer = make_zip({f"m{i}.bin": bytes(MIB) for i in range(8)})
    nested = make_zip({f"z{i}.zip": layer for i in range(8)})
    result = unpack(b64(nested), limits=DecodeLimits(max_total_bytes=6 * MIB))
    assert result.error is not None
    assert "max_total_bytes" in result.error
    assert sum(len(layer.data) for layer in result.layers) <= 6 * MIB


def test_too_many_archive_members() -> None:
    archive = make_zip({f"f{i}.txt": f"member number {i}".encode() for i in range(50)})
    result = unpack(b64(archive), limits=DecodeLimits(max_archive_members=10))
    # The first ten members are read, from a directory walked no further than that.
    assert len(result.layers) == 11
    assert result.layers[0].error is not None
    assert "max_archive_members=10" in result.layers[0].error

    tar = make_tar({f"f{i}.txt": f"member number {i}".encode() for i in range(50)})
    limited = unpack(b64(tar), limits=DecodeLimits(max_archive_members=10))
    assert len(limited.layers) == 11
    assert limited.layers[0].error is not None
    assert "max_archive_members=10" in limited.layers[0].error


def test_too_many_layers() -> None:
    text = " ".join(b64(f"payload number {i:03d}") for i in range(40))
    result = unpack(text, limits=DecodeLimits(max_layers=25))
    assert len(result.layers) == 25
    assert result.error is not None
    assert "max_layers=25" in result.error


def test_input_longer_than_the_limit_is_examined_up_to_it() -> None:
    text = b64("first payload text") + " " + "x" * 100 + " " + b64("second payload text")
    result = unpack(text, limits=DecodeLimits(max_input_chars=60))
    assert [layer.text for layer in result.layers] == ["first payload text"]
    assert result.error is not None
    assert "max_input_chars=60" in result.error
    assert result.text.endswith(b64("second payload text"))


def test_limits_validate_their_values() -> None:
    with pytest.raises(ValueError, match="max_layers"):
        DecodeLimits(max_layers=0)
    with pytest.raises(ValueError, match="max_depth"):
        DecodeLimits(max_depth=201)
    with pytest.raises(ValueError, match="max_depth"):
        unpack("x", max_depth=0)
    with pytest.raises(InvalidInputError, match="str or bytes"):
        unpack(12345)  # type: ignore[arg-type]


def test_truncated_gzip_is_an_error_on_its_layer() -> None:
    stream = gzip.compress(b"a gzip stream that will be cut short " * 20)
    result = unpack("x " + b64(stream[: len(stream) // 2]))
    assert [layer.encoding for layer in result.layers] == ["base64", "gzip"]
    assert result.layers[1].error is not None
    assert "truncated gzip" in result.layers[1].error


def test_gzip_with_wrong_crc_is_an_error_on_its_layer() -> None:
    stream = bytearray(gzip.compress(b"checksummed content " * 10))
    stream[-8] ^= 0xFF
    result = unpack("x " + b64(bytes(stream)))
    assert result.layers[1].error is not None
    assert "corrupt gzip" in result.layers[1].error
    # What decompressed before the check failed is kept.
    assert result.layers[1].text == "checksummed content " * 10


def test_zip_member_with_wrong_crc() -> None:
    archive = bytearray(make_zip({"a.txt": b"stored text content"}, compression=zipfile.ZIP_STORED))
    position = archive.index(b"stored text content")
    archive[position] ^= 0x01
    result = unpack(b64(bytes(archive)))
    member = result.layers[1]
    assert member.file_name == "a.txt"
    assert member.error is not None
    assert "CRC" in member.error


def test_encrypted_zip_member() -> None:
    archive = bytearray(make_zip({"secret.txt": b"needs a password"}))
    # Set the "encrypted" flag in the local and central headers (a real encrypted entry).
    for signature in (b"PK\x03\x04", b"PK\x01\x02"):
        offset = archive.index(signature) + (6 if signature == b"PK\x03\x04" else 8)
        archive[offset] |= 0x01
    result = unpack(b64(bytes(archive)))
    member = result.layers[1]
    assert member.error is not None
    assert "encrypted" in member.error


def test_truncated_zip_is_an_error_on_the_archive_layer() -> None:
    archive = make_zip({"a.txt": b"x" * 400, "b.txt": b"y" * 400})
    result = unpack(b64(archive[: len(archive) - 30]))
    assert result.layers[0].file_type == "zip"
    assert result.layers[0].error is not None
    assert "corrupt zip" in result.layers[0].error


def test_truncated_tar_member() -> None:
    archive = make_tar({"big.txt": b"tar member text " * 200})
    result = unpack(b64(archive[:1024]))
    assert result.layers[1].error is not None
    assert "truncated tar member" in result.layers[1].error


def test_corrupt_tar_header() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("a.txt")
        info.size = 5
        archive.addfile(info, io.BytesIO(b"hello"))
    data = bytearray(buffer.getvalue())
    data[124:136] = b"zzzzzzzzzzz\x00"  # the size field is not octal any more
    result = unpack(b64(bytes(data)))
    assert len(result.layers) == 1
    assert result.layers[0].file_type == "tar"
    assert result.layers[0].error == "corrupt tar: ReadError: bad checksum"
    # Given as bytes, the archive is the input itself: the error is the result's.
    assert unpack(bytes(data)).error == "corrupt tar: ReadError: bad checksum"


def test_bad_base64_padding_is_not_a_layer() -> None:
    token = b64("a payload that decodes fine") + "A"
    assert len(token.rstrip("=")) % 4 == 1
    result = unpack(f"x {token} y")
    assert result.error is None


def test_zip_needing_an_unknown_version_is_an_error_not_an_exception() -> None:
    # Found by fuzzing: zipfile raises NotImplementedError for "version needed" above 6.3.
    archive = bytearray(make_zip({"a.txt": b"needs zip version 6.4 " * 4}))
    central = archive.index(b"PK\x01\x02")
    archive[central + 6] = 64
    result = unpack(b64(bytes(archive)))
    assert result.layers[0].file_type == "zip"
    assert result.layers[0].error == "corrupt zip: NotImplementedError: zip file version 6.4"


def test_fuzzed_damage_to_every_container_never_raises() -> None:
    import random

    rng = random.Random(1234)
    payload = b"fuzzing payload text " * 8
    blobs = [
        gzip.compress(payload),
        zlib.compress(payload),
        bz2.compress(payload),
        lzma.compress(payload),
        make_zip({"a": payload, "b": payload[::-1]}),
        make_tar({"a": payload}),
    ]
    for blob in blobs:
        for _ in range(150):
            damaged = bytearray(blob)
            position = rng.randrange(len(damaged))
            if rng.random() < 0.3:
                damaged = damaged[:position]
            else:
                damaged[position] = rng.randrange(256)
            for value in ("x " + b64(bytes(damaged)), bytes(damaged)):
                result = unpack(value, limits=DecodeLimits(max_decompressed_bytes=4096))
                assert isinstance(result.text, str)
