"""The value types of the decoder: limits, layers and the result of one input."""

from __future__ import annotations

from typing import Final, Literal

import attrs

from asisdk.errors import ConfigurationError

__all__ = [
    "DEFAULT_MAX_ARCHIVE_MEMBERS",
    "DEFAULT_MAX_CANDIDATES",
    "DEFAULT_MAX_DECOMPRESSED_BYTES",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_INPUT_CHARS",
    "DEFAULT_MAX_LAYERS",
    "DEFAULT_MAX_SCAN_CHARS",
    "DEFAULT_MAX_SECONDS",
    "DEFAULT_MAX_TOTAL_BYTES",
    "MAX_DEPTH_CEILING",
    "DecodeLimits",
    "Encoding",
    "FileType",
    "Layer",
    "Unpacked",
]

#: How deep decoded content is re-examined for more encoded content.
DEFAULT_MAX_DEPTH: Final = 20
#: The highest ``max_depth`` accepted (deeper real nesting cannot fit the input limits).
MAX_DEPTH_CEILING: Final = 200
#: Most bytes one decompression (gzip, zlib, deflate, bz2, xz, one archive member) may produce.
DEFAULT_MAX_DECOMPRESSED_BYTES: Final = 16 * 1024 * 1024
#: Most bytes all layers of one input may hold together.
DEFAULT_MAX_TOTAL_BYTES: Final = 64 * 1024 * 1024
#: Most layers one input may produce.
DEFAULT_MAX_LAYERS: Final = 256
#: Most members read from one zip or tar archive.
DEFAULT_MAX_ARCHIVE_MEMBERS: Final = 256
#: Longest input examined (characters of a string, bytes of a bytes input).
DEFAULT_MAX_INPUT_CHARS: Final = 1024 * 1024
#: Most characters of text scanned for candidates per input, all layers together.
DEFAULT_MAX_SCAN_CHARS: Final = 8 * 1024 * 1024
#: Most candidate spans tried per input, all layers together.
DEFAULT_MAX_CANDIDATES: Final = 20_000
#: Most CPU seconds one input may take (a guard: the other limits bind long before).
DEFAULT_MAX_SECONDS: Final = 10.0

#: How a layer's ``data`` was obtained from its ``source`` (``ps_*``, ``html_entity`` and
#: ``js_*`` layers are deobfuscated script text: ``data`` is that text in UTF-8).
Encoding = Literal[
    "base64",
    "base64url",
    "hex",
    "charcode",
    "percent",
    "utf-16le",
    "ps_concat",
    "ps_format",
    "ps_join",
    "ps_backtick",
    "html_entity",
    "js_charcode",
    "js_escape",
    "js_unescape",
    "ps_replace",
    "ps_reverse",
    "ps_bxor",
    "ps_charcode",
    "ps_iex",
    "ps_securestring",
    "ps_specialchar",
    "ps_whitespace",
    "cmd_caret",
    "cmd_quotes",
    "cmd_var",
    "cmd_for",
    "vba_chr",
    "vba_concat",
    "vba_replace",
    "vba_reverse",
    "js_concat",
    "js_reverse",
    "js_join",
    "js_packer",
    "xor",
    "gzip",
    "zlib",
    "deflate",
    "bz2",
    "xz",
    "zip",
    "tar",
]

#: What a layer's ``data`` is, from its magic bytes (``text`` when it reads as text,
#: ``binary`` when it is neither text nor a known format).
FileType = Literal[
    "text",
    "binary",
    "pe",
    "elf",
    "macho",
    "java-class",
    "pdf",
    "ole",
    "png",
    "jpeg",
    "gif",
    "gzip",
    "zlib",
    "bz2",
    "xz",
    "zip",
    "tar",
    "7z",
    "rar",
    "cab",
]


def _positive(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(
            f"DecodeLimits.{attribute.name} must be a positive int, got {value!r}"
        )


def _depth(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    _positive(instance, attribute, value)
    if value > MAX_DEPTH_CEILING:
        raise ConfigurationError(
            f"DecodeLimits.{attribute.name} must be at most {MAX_DEPTH_CEILING}, got {value}"
        )


def _seconds(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ConfigurationError(
            f"DecodeLimits.{attribute.name} must be a positive number, got {value!r}"
        )


@attrs.frozen(kw_only=True)
class DecodeLimits:
    """Bounds that keep hostile input (bombs, deep nesting, huge cells) cheap.

    Hitting a limit never raises: decoding stops there and the affected layer's ``error``
    (or :attr:`Unpacked.error` for limits on the whole input) names the limit and its value.

    Attributes:
        max_depth: how many layers deep decoded content is examined again (1 = only what is
            found in the input itself). At most 200.
        max_decompressed_bytes: most bytes one decompression or one archive member may
            produce; decompression streams and stops there, so a bomb costs at most this much
            memory.
        max_total_bytes: most bytes all layers of one input may hold together.
        max_layers: most layers one input may produce.
        max_archive_members: most members read from one zip or tar archive.
        max_input_chars: longest input examined; the rest is kept unchanged, not decoded.
        max_scan_chars: most characters of text (the input and decoded layers together)
            scanned for encoded content; decompressed text past it is kept, not scanned.
        max_candidates: most candidate spans tried (decoded and judged) per input.
        max_seconds: most CPU seconds spent on one input; a guard against inputs that the
            other limits do not foresee.

    Examples:
        >>> DecodeLimits(max_decompressed_bytes=1024 * 1024).max_depth
        20
    """

    max_depth: int = attrs.field(default=DEFAULT_MAX_DEPTH, validator=_depth)
    max_decompressed_bytes: int = attrs.field(
        default=DEFAULT_MAX_DECOMPRESSED_BYTES, validator=_positive
    )
    max_total_bytes: int = attrs.field(default=DEFAULT_MAX_TOTAL_BYTES, validator=_positive)
    max_layers: int = attrs.field(default=DEFAULT_MAX_LAYERS, validator=_positive)
    max_archive_members: int = attrs.field(default=DEFAULT_MAX_ARCHIVE_MEMBERS, validator=_positive)
    max_input_chars: int = attrs.field(default=DEFAULT_MAX_INPUT_CHARS, validator=_positive)
    max_scan_chars: int = attrs.field(default=DEFAULT_MAX_SCAN_CHARS, validator=_positive)
    max_candidates: int = attrs.field(default=DEFAULT_MAX_CANDIDATES, validator=_positive)
    max_seconds: float = attrs.field(default=DEFAULT_MAX_SECONDS, validator=_seconds)


def _short_bytes(data: bytes) -> str:
    head = data[:16].hex()
    return f"<{len(data)} bytes {head}{'...' if len(data) > 16 else ''}>"


def _short_text(text: str | None) -> str:
    if text is None:
        return "None"
    return repr(text if len(text) <= 60 else text[:57] + "...")


@attrs.frozen(kw_only=True)
class Layer:
    """One decoded piece of an input.

    Attributes:
        index: dotted position in the layer tree: ``"1"``, ``"1.1"``, ``"2"`` ...
        parent: the parent layer's ``index``, or ``None`` when found in the input itself.
        depth: 1 for layers found in the input, 2 for layers found in those, ...
        encoding: how ``data`` was obtained from ``source``.
        source: the exact encoded substring as it stood in the parent's text; empty when
            the parent is binary (a decompressed stream or an archive member), where
            ``start``/``end`` locate the bytes in the parent's ``data`` instead.
        start: offset of ``source`` in the parent's text (or of the bytes in its data).
        end: end offset (exclusive), so ``parent_text[start:end] == source``.
        data: the decoded bytes.
        text: ``data`` read as text (UTF-8 or UTF-16LE), or ``None`` when it is not text.
        file_name: the member name inside an archive (or the name a gzip header carries).
        file_type: what ``data`` is, from its magic bytes (``text``, ``pe``, ``gzip`` ...).
        md5: hex MD5 of ``data``.
        sha1: hex SHA-1 of ``data``.
        sha256: hex SHA-256 of ``data``.
        error: ``None``, or why decoding stopped at this layer (a limit, a corrupt archive).
        key: for an ``xor`` layer, the key in hex (``"5a"``); ``None`` otherwise.
    """

    index: str
    parent: str | None
    depth: int
    encoding: Encoding
    source: str = attrs.field(repr=_short_text)
    start: int
    end: int
    data: bytes = attrs.field(repr=_short_bytes)
    text: str | None = attrs.field(repr=_short_text)
    file_name: str | None
    file_type: FileType
    md5: str = attrs.field(repr=False)
    sha1: str = attrs.field(repr=False)
    sha256: str
    error: str | None
    key: str | None = None


@attrs.frozen(kw_only=True)
class Unpacked:
    """The result of :func:`asisdk.decode.unpack` for one input.

    Attributes:
        text: the input with every decoded span replaced, recursively, by what it decodes
            to; binary content appears as a short marker ``[pe 4096 bytes 4d5a9000...]``.
        layers: every layer in depth-first document order.
        error: ``None``, or a limit that applied to the input as a whole (input too long,
            too many layers, too many bytes); the affected parts are left undecoded.
    """

    text: str = attrs.field(repr=_short_text)
    layers: tuple[Layer, ...]
    error: str | None = None

    @property
    def found(self) -> bool:
        """Whether anything encoded was found."""
        return bool(self.layers)
