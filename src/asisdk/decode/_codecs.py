"""Text-to-bytes codecs: base64 (standard and URL-safe), hex, character codes, percent.

Each decoder takes the exact candidate substring and returns the bytes it stands for, or
``None`` when the substring is not valid in that encoding. They never raise.
"""

from __future__ import annotations

import binascii
import re
from typing import Final
from urllib.parse import unquote_to_bytes

from asisdk.decode._model import Encoding

__all__ = ["decode_base64", "decode_charcodes", "decode_hex", "decode_percent"]

_URLSAFE_ONLY = frozenset("-_")
_STANDARD_ONLY = frozenset("+/")
_TO_STANDARD = str.maketrans("-_", "+/")
_HEX_DIGITS = re.compile(r"[0-9A-Fa-f]{2}")
_NUMBERS = re.compile(r"\d+")
#: Highest Unicode code point.
_MAX_CODE_POINT: Final = 0x10FFFF
_BYTE_MAX: Final = 0xFF


def decode_base64(candidate: str) -> tuple[Encoding, bytes] | None:
    """Decode standard or URL-safe base64, padded or not, wrapped over lines or not.

    Returns the encoding name (``base64`` or ``base64url``) and the bytes, or ``None`` when the
    candidate mixes both alphabets, has padding in the middle or an impossible length.
    """
    body = ("".join(candidate.split()) if "\n" in candidate else candidate).rstrip("=")
    if not body or "=" in body or len(body) % 4 == 1:
        return None
    chars = set(body)
    urlsafe = bool(chars & _URLSAFE_ONLY)
    if urlsafe and chars & _STANDARD_ONLY:
        return None
    encoding: Encoding = "base64url" if urlsafe else "base64"
    if urlsafe:
        body = body.translate(_TO_STANDARD)
    try:
        data = binascii.a2b_base64(body + "=" * (-len(body) % 4), strict_mode=True)
    except (binascii.Error, ValueError):
        return None
    return encoding, data


def decode_hex(candidate: str) -> bytes | None:
    r"""Decode hex digits: contiguous, ``0x``-prefixed, ``\x``-escaped or separated pairs."""
    body = candidate
    if body[:2] in ("0x", "0X") and "," not in body and " " not in body:
        body = body[2:]
    if "\\x" in body or "," in body or " " in body or ":" in body or "0x" in body.lower():
        pairs = _HEX_DIGITS.findall(body.replace("0x", " ").replace("0X", " "))
        body = "".join(pairs)
    if len(body) % 2:
        return None
    try:
        return bytes.fromhex(body)
    except ValueError:
        return None


def decode_charcodes(candidate: str) -> bytes | None:
    """Decode a list of decimal character codes (``[char]72+[char]101``, ``72,101,108``).

    Codes up to 255 give those bytes; any larger code means Unicode text, returned as UTF-8.
    """
    codes = [int(n) for n in _NUMBERS.findall(candidate)]
    if not codes or max(codes) > _MAX_CODE_POINT:
        return None
    if max(codes) <= _BYTE_MAX:
        return bytes(codes)
    try:
        return "".join(map(chr, codes)).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return None


def decode_percent(candidate: str) -> bytes:
    """Decode ``%XX`` escapes (``+`` stays ``+``: it is a base64 character far more often)."""
    return unquote_to_bytes(candidate)
