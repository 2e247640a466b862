"""Builders of encoded inputs for the decode tests (real codecs and archives)."""

from __future__ import annotations

import base64
import io
import tarfile
import time
import zipfile

from asisdk.decode import Unpacked, unpack


def b64(data: bytes | str) -> str:
    """Standard base64 of ``data`` (str is UTF-8 encoded)."""
    raw = data.encode() if isinstance(data, str) else data
    return base64.b64encode(raw).decode()


def make_zip(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip archive holding ``members``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def make_tar(members: dict[str, bytes]) -> bytes:
    """An uncompressed tar archive holding ``members``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mtime = int(time.time())
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def check_offsets(text: str, result: Unpacked) -> None:
    """Every layer's source sits at [start:end] of its parent's text (or the input)."""
    texts = {None: text}
    for layer in result.layers:
        texts[layer.index] = layer.text
    for layer in result.layers:
        parent_text = texts[layer.parent]
        if parent_text is not None and layer.source:
            assert parent_text[layer.start : layer.end] == layer.source


def layers(text: str) -> list[tuple[str, str | None]]:
    """``(encoding, text)`` of every layer ``unpack`` finds in ``text``, offsets checked."""
    result = unpack(text)
    check_offsets(text, result)
    return [(layer.encoding, layer.text) for layer in result.layers]
