"""Extract indicators of compromise (IoCs) from text and DataFrames.

Built-in types: ``ipv4``, ``ipv6``, ``url``, ``dns``, ``email``, ``md5``, ``sha1``,
``sha256``, ``sha512``, ``imphash``, ``authentihash``, ``ssdeep``, ``tlsh``, ``windows_path``,
``linux_path``, ``cve``, ``mac``, ``registry_key``; more can be
added per extractor with :meth:`IocExtractor.add_type`. Defanged spellings are refanged,
components are reported too (a URL's host, an email's domain, a hash inside a path), and
nothing touches the network: the IANA TLD list is bundled.

Examples:
    >>> from asisdk.ioc import IocExtractor
    >>> IocExtractor().extract("GET hxxp://203.0.113.9/x.ps1", types=["url", "ipv4"])
    {'url': {'http://203.0.113.9/x.ps1'}, 'ipv4': {'203.0.113.9'}}
"""

from __future__ import annotations

from asisdk.ioc._extractor import IocExtractor, IocMatch, classify, validate
from asisdk.ioc._frame import FRAME_COLUMNS, extract_frame, extract_frame_async
from asisdk.ioc._patterns import BUILTIN_TYPES
from asisdk.ioc._refang import refang

__all__ = [
    "BUILTIN_TYPES",
    "FRAME_COLUMNS",
    "IocExtractor",
    "IocMatch",
    "classify",
    "extract_frame",
    "extract_frame_async",
    "refang",
    "validate",
]
