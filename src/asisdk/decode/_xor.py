"""XOR with a short key, found by known plaintext, and text with a few stray bytes.

Decoded bytes that are neither text nor a known format may be XOR-encrypted: malware XORs a
PE, a URL or a script with one byte (or a few) before base64-encoding it. The key is found
from plaintext that such content holds (``MZ`` and ``This program`` for a PE, ``http``,
``powershell`` ...): XOR turns a crib into a fixed byte pattern, so each key is one substring
search. A key only counts when the whole result is a known format or reads as text, so
random bytes are never "decrypted".
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["MOSTLY_TEXT_MIN", "find_xor_key", "mostly_text", "xor"]

#: Bytes of the data searched for a crib (the head: a PE's ``MZ``, a script's first lines).
_PROBE: Final = 4096
#: Plaintext that XORed content is searched for, case as written.
_CRIBS: Final = (
    b"This program",
    b"http://",
    b"https://",
    b"powershell",
    b"PowerShell",
    b"POWERSHELL",
    b"Invoke-",
    b"New-Object",
    b"cmd.exe",
    b"<script",
)
#: The DOS header a PE starts with (``MZ`` and the usual stub values).
_PE_HEAD: Final = b"MZ\x90\x00\x03\x00\x00\x00"
#: Shortest data examined for mostly-text decoding.
MOSTLY_TEXT_MIN: Final = 24
#: Least share of printable ASCII for bytes to be text with a few stray bytes.
_MOSTLY_SHARE: Final = 0.9
_PRINTABLE: Final = frozenset(b"\t\n\r" + bytes(range(0x20, 0x7F)))
_STRAY: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def xor(data: bytes, key: bytes) -> bytes:
    """``data`` XORed with ``key`` repeated."""
    if len(key) == 1:
        return data.translate(bytes(byte ^ key[0] for byte in range(256)))
    stream = (key * (len(data) // len(key) + 1))[: len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(data), "big")


def _header_key(data: bytes) -> bytes | None:
    """The key (1 to 4 bytes) when ``data`` is a PE header XORed with a repeating key."""
    stream = xor(data[: len(_PE_HEAD)], _PE_HEAD)
    if stream[:4] == stream[4:8]:
        for size in (1, 2, 4):
            if stream[:size] * (4 // size) == stream[:4]:
                return stream[:size] if any(stream[:size]) else None
    if stream[:3] == stream[3:6]:
        return stream[:3]
    return None


def find_xor_key(data: bytes) -> list[bytes]:
    """Keys worth trying on ``data``, from known plaintext; at most a few, most likely first."""
    keys: list[bytes] = []
    if len(data) >= len(_PE_HEAD):
        key = _header_key(data)
        if key is not None:
            keys.append(key)
    head = data[:_PROBE]
    if len(head) < _MIN_CRIB:
        return keys
    # XOR with one byte keeps the XOR of neighbouring bytes: search for the crib's
    # neighbour differences, which do not depend on the key (one search per crib).
    steps = xor(head[:-1], head[1:])
    for crib, pattern in _CRIB_STEPS:
        position = steps.find(pattern)
        if position < 0:
            continue
        key = bytes([head[position] ^ crib[0]])
        if any(key) and key not in keys:
            keys.append(key)
    return keys


_CRIB_STEPS: Final = tuple((crib, xor(crib[:-1], crib[1:])) for crib in _CRIBS)
_MIN_CRIB: Final = min(len(crib) for crib in _CRIBS)


def mostly_text(data: bytes) -> str | None:
    """Bytes that are text but for a few stray bytes, with those shown as ``\\xNN``."""
    if len(data) < MOSTLY_TEXT_MIN:
        return None
    printable = sum(1 for byte in data if byte in _PRINTABLE)
    if printable < len(data) * _MOSTLY_SHARE:
        return None
    text = data.decode("utf-8", "backslashreplace")
    return _STRAY.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
