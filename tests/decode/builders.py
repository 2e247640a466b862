"""Builders of encoded inputs for the decode tests (real codecs and archives)."""

from __future__ import annotations

import base64
import io
import tarfile
import time
import zipfile


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
