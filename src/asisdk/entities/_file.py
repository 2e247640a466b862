"""File and FileHash."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import attrs

from asisdk.entities._base import Entity, entity_field
from asisdk.entities._enums import Algorithm
from asisdk.entities._host import Host

__all__ = ["File", "FileHash", "hash_algorithm"]

_HEX = re.compile(r"[0-9a-fA-F]+")
_BY_LENGTH = {32: Algorithm.MD5, 40: Algorithm.SHA1, 64: Algorithm.SHA256}


def hash_algorithm(value: str) -> Algorithm | None:
    """Guess the algorithm of a hex digest from its length (MD5, SHA1, SHA256)."""
    text = value.strip()
    if not _HEX.fullmatch(text):
        return None
    return _BY_LENGTH.get(len(text))


def _algorithm(value: object) -> Algorithm:
    return Algorithm.optional(value) or Algorithm.UNKNOWN


@attrs.frozen(kw_only=True, eq=False, repr=False)
class FileHash(Entity):
    """A file hash. Identity: the algorithm and the lower-cased value.

    Examples:
        >>> FileHash.from_value("d41d8cd98f00b204e9800998ecf8427e").algorithm
        <Algorithm.MD5: 'MD5'>
    """

    ENTITY_TYPE: ClassVar[str] = "filehash"
    IDENTITY: ClassVar[tuple[str, ...]] = ("algorithm", "value")
    COMPOSITE_IDENTITY: ClassVar[bool] = True

    algorithm: Algorithm = entity_field(default=Algorithm.UNKNOWN, converter=_algorithm)
    value: str = entity_field(required=True)

    @property
    def label(self) -> str:
        return f"{self.algorithm.value}: {self.value}"

    @classmethod
    def from_value(cls, value: str) -> FileHash:
        """Build a hash, taking the algorithm from the digest length."""
        return cls(algorithm=hash_algorithm(value) or Algorithm.UNKNOWN, value=value.strip())

    def query_params(self) -> dict[str, object]:
        """``file_hash``."""
        return {"file_hash": self.value.lower()}


def _windows_style(path: str) -> bool:
    return "\\" in path or bool(re.match(r"^[A-Za-z]:", path))


@attrs.frozen(kw_only=True, eq=False, repr=False)
class File(Entity):
    """A file.

    Give ``full_path``, or ``directory`` and ``name``: the missing ones are derived. Hashes
    may come as ``md5`` / ``sha1`` / ``sha256`` or as ``file_hashes``; each fills the other.
    Identity: the full path (case-insensitive), else the strongest hash.

    Examples:
        >>> File(full_path="C:\\\\Windows\\\\System32\\\\cmd.exe").name
        'cmd.exe'
    """

    ENTITY_TYPE: ClassVar[str] = "file"
    IDENTITY: ClassVar[tuple[str, ...]] = ("full_path", "sha256", "sha1", "md5")

    name: str | None = entity_field()
    directory: str | None = entity_field()
    full_path: str | None = entity_field()
    md5: str | None = entity_field()
    sha1: str | None = entity_field()
    sha256: str | None = entity_field()
    file_hashes: tuple[FileHash, ...] = entity_field(factory=tuple, converter=tuple)
    host: Host | None = entity_field()

    def __attrs_post_init__(self) -> None:
        derived: dict[str, Any] = {}
        if self.full_path and not (self.name and self.directory):
            sep = "\\" if _windows_style(self.full_path) else "/"
            directory, _, name = self.full_path.rpartition(sep)
            derived.setdefault("name", self.name or name or None)
            derived.setdefault("directory", self.directory or directory or None)
        elif not self.full_path and self.name and self.directory:
            sep = "\\" if _windows_style(self.directory) else "/"
            derived["full_path"] = self.directory.rstrip("\\/") + sep + self.name
        by_algorithm = {h.algorithm: h.value for h in self.file_hashes}
        for field_name, algorithm in (
            ("md5", Algorithm.MD5),
            ("sha1", Algorithm.SHA1),
            ("sha256", Algorithm.SHA256),
        ):
            if getattr(self, field_name) is None and algorithm in by_algorithm:
                derived[field_name] = by_algorithm[algorithm]
        known = {h.algorithm for h in self.file_hashes}
        extra = tuple(
            FileHash(algorithm=algorithm, value=value)
            for algorithm, value in (
                (Algorithm.MD5, self.md5),
                (Algorithm.SHA1, self.sha1),
                (Algorithm.SHA256, self.sha256),
            )
            if value and algorithm not in known
        )
        if extra:
            derived["file_hashes"] = self.file_hashes + extra
        for key, value in derived.items():
            object.__setattr__(self, key, value)

    @property
    def path_separator(self) -> str:
        """``\\`` for Windows paths, ``/`` otherwise."""
        path = self.full_path or self.directory or ""
        return "\\" if _windows_style(path) else "/"

    @property
    def file_hash(self) -> str | None:
        """The strongest known hash (SHA256, then SHA1, then MD5)."""
        return self.sha256 or self.sha1 or self.md5

    def query_params(self) -> dict[str, object]:
        """``file_name``, ``file_path`` and ``file_hash`` when known."""
        params: dict[str, object] = {}
        if self.name:
            params["file_name"] = self.name
        if self.full_path:
            params["file_path"] = self.full_path
        if self.file_hash:
            params["file_hash"] = self.file_hash.lower()
        return params
