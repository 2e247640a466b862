"""Hostile archives and text for the decoder: bounded memory, bounded CPU, one bad entry.

Memory is traced with ``tracemalloc`` (peak of Python allocations, which is where decoded
bytes live) and CPU with ``process_time``. The bounds are generous (several times what is
measured) so that a loaded machine passes, while the behaviour they guard against (every
member read before the budget is charged: gigabytes; every token of 16 MiB tried: tens of
seconds) fails them by far.
"""

from __future__ import annotations

import base64
import gzip
import io
import random
import struct
import time
import tracemalloc
import zipfile
from collections.abc import Callable

from asisdk.decode import DecodeLimits, Unpacked, unpack

MIB = 1024 * 1024
#: Peak traced memory allowed for any single input (the issue's target is 300 MB of RSS).
MEMORY_CAP = 300 * MIB


def measured(func: Callable[[], Unpacked]) -> tuple[Unpacked, float, int]:
    """The result, the CPU seconds and the peak traced bytes of ``func``."""
    tracemalloc.start()
    started = time.process_time()
    try:
        result = func()
        spent = time.process_time() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, spent, peak


def bz2_zip_with_one_member_listed(times: int, size: int) -> bytes:
    """A zip whose central directory lists one bz2 member ``times`` times."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_BZIP2) as archive,
        archive.open("zeros.bin", "w") as handle,
    ):
        for _ in range(max(1, size // MIB)):
            handle.write(bytes(min(size, MIB)))
    data = buffer.getvalue()
    eocd = data.rindex(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack("<II", data[eocd + 12 : eocd + 20])
    entry = data[cd_offset : cd_offset + cd_size]
    directory = entry * times
    record = bytearray(data[eocd : eocd + 22])
    record[8:10] = record[10:12] = struct.pack("<H", times)
    record[12:16] = struct.pack("<I", len(directory))
    return data[:cd_offset] + directory + bytes(record)


def test_one_member_listed_256_times_stays_within_the_budget() -> None:
    archive = bz2_zip_with_one_member_listed(256, 16 * MIB)
    line = "powershell -c " + base64.b64encode(archive).decode()
    assert len(line) < 20 * 1024
    result, spent, peak = measured(lambda: unpack(line))
    assert result.error is not None
    assert "max_total_bytes" in result.error
    assert sum(len(layer.data) for layer in result.layers) <= 64 * MIB + len(archive)
    assert peak < MEMORY_CAP, f"{peak / MIB:.0f} MiB"
    assert spent < 30


def test_256_compressed_members_are_read_one_at_a_time() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number in range(128):
            archive.writestr(f"m{number}.bin", bytes(4 * MIB))
    data = buffer.getvalue()
    assert len(data) < MIB  # 512 MiB of members in a small archive
    result, spent, peak = measured(lambda: unpack(data))
    assert result.error is not None
    assert "max_total_bytes" in result.error
    assert peak < MEMORY_CAP, f"{peak / MIB:.0f} MiB"
    assert spent < 30


def test_a_forged_entry_count_does_not_parse_the_whole_directory() -> None:
    archive = bz2_zip_with_one_member_listed(15_000, 64)
    eocd = archive.rindex(b"PK\x05\x06")
    forged = bytearray(archive)
    forged[eocd + 8 : eocd + 12] = struct.pack("<HH", 2, 2)  # claims two entries
    result, spent, _ = measured(lambda: unpack(bytes(forged)))
    assert result.error is not None
    assert "max_archive_members=256" in result.error
    assert len(result.layers) <= 256
    assert spent < 30


def test_an_empty_member_name_is_an_error_on_that_member_only() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("before.txt", "the member before the nameless one")
        archive.writestr(zipfile.ZipInfo(""), "a member without a name")
        archive.writestr("after.txt", "the member after the nameless one")
    result = unpack(base64.b64encode(buffer.getvalue()).decode())
    texts = {layer.file_name: layer.text for layer in result.layers}
    assert texts["before.txt"] == "the member before the nameless one"
    assert texts["after.txt"] == "the member after the nameless one"
    assert texts[""] == "a member without a name"


def test_gzip_of_16_mib_of_base64_looking_tokens_is_cpu_bounded() -> None:
    rng = random.Random(22)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    tokens = ["".join(rng.choice(alphabet) for _ in range(24)) for _ in range(2000)]
    lines = " ".join(rng.choice(tokens) for _ in range(16 * MIB // 25))
    blob = gzip.compress(lines.encode(), compresslevel=9)
    line = "x " + base64.b64encode(blob).decode()
    result, spent, _ = measured(lambda: unpack(line))
    assert result.error is not None  # a budget was reached, and it says which
    assert "max_" in result.error
    assert spent < 20, f"{spent:.1f}s"


def test_limits_can_be_raised_and_lowered() -> None:
    text = " ".join(
        base64.b64encode(f"payload number {i:04d}".encode()).decode() for i in range(50)
    )
    assert unpack(text).error is None
    limited = unpack(text, limits=DecodeLimits(max_candidates=10))
    assert limited.error is not None
    assert "max_candidates=10" in limited.error
    assert len(limited.layers) == 10
    scan = unpack(text, limits=DecodeLimits(max_scan_chars=100))
    assert scan.error is not None
    assert "max_scan_chars=100" in scan.error
