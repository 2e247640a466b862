"""Find and decode encoded content, recursively: base64, hex, char codes, archives.

Script obfuscation counts too (PowerShell concatenation, ``-f``, ``-join`` and backticks,
HTML entities, JavaScript ``String.fromCharCode``), when what it hides is worth showing.

:func:`unpack` takes a string (or bytes) and returns an :class:`Unpacked`: the text with every
decoded span replaced by what it decodes to, and each :class:`Layer` found on the way
(base64 in PowerShell ``-EncodedCommand`` holding a gzip holding a zip member ...).
:func:`unpack_frame` does the same for a DataFrame column, in chunks through an executor.
Hostile input is bounded by :class:`DecodeLimits`.

Examples:
    >>> from asisdk.decode import unpack
    >>> unpack("cmd /c echo SGVsbG8sIGRlY29kZWQgd29ybGQh").text
    'cmd /c echo Hello, decoded world!'
"""

from __future__ import annotations

from asisdk.decode._frame import unpack_frame, unpack_frame_async
from asisdk.decode._model import DecodeLimits, Encoding, FileType, Layer, Unpacked
from asisdk.decode._unpack import unpack

__all__ = [
    "DecodeLimits",
    "Encoding",
    "FileType",
    "Layer",
    "Unpacked",
    "unpack",
    "unpack_frame",
    "unpack_frame_async",
]
