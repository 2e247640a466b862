"""The recursive unpacker: find, decode, judge, open containers, repeat; within limits."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Final

from asisdk.decode import _containers as containers
from asisdk.decode._codecs import decode_base64, decode_charcodes, decode_hex, decode_percent
from asisdk.decode._deobfuscate import (
    MIN_CODED_ALNUM,
    ScriptCandidate,
    coded_alnum,
    decode_script,
    escapes_alnum,
    find_script_candidates,
    may_hold_script,
    reveals,
    self_evident,
)
from asisdk.decode._detect import (
    Candidate,
    block_alternatives,
    block_pieces,
    find_candidates,
    is_left_alone,
)
from asisdk.decode._model import (
    MAX_DEPTH_CEILING,
    DecodeLimits,
    Encoding,
    Unpacked,
)
from asisdk.decode._sniff import looks_like_text, sniff_format, sniff_text
from asisdk.decode._tree import ARCHIVES, Node, flatten, render, splice
from asisdk.decode._xor import find_xor_key, mostly_text, xor
from asisdk.errors import InvalidInputError

__all__ = ["unpack"]

_DEFAULT_LIMITS: Final = DecodeLimits()
#: The compressed streams a layer may be, by file type.
_STREAMS: Final[dict[str, containers.StreamKind]] = {
    "gzip": "gzip",
    "zlib": "zlib",
    "bz2": "bz2",
    "xz": "xz",
}
_HEX_CHARS = frozenset("0123456789abcdefABCDEF")
#: Encodings of text whose bytes may be text with a few stray bytes.
_TEXTUAL: Final[frozenset[str]] = frozenset({"base64", "base64url", "hex"})
#: Shortest decoded bytes tried as XOR-encrypted content.
_MIN_XOR_BYTES: Final = 16
#: Candidates between two looks at the CPU clock.
_CLOCK_EVERY: Final = 64
#: Longest span remembered as noise, and how many are remembered (about 8 MB per memo).
_NOISE_SPAN_CHARS: Final = 256
_NOISE_SPANS_KEPT: Final = 32_768
#: Block spans known to decode to noise, shared by every :func:`unpack` call of the process.
#: Judging a span is a pure function of its text (``Session.accept`` with ``forced=False``),
#: so the words a log repeats across distinct lines (``WindowsPowerShell``,
#: ``HKEY_LOCAL_MACHINE``) are decoded and judged once, not once per line.
_NOISE_SPANS: dict[str, None] = {}
#: Whole blocks (every alternative and piece of them) known to be noise, the same way.
_NOISE_BLOCKS: dict[str, None] = {}


def _remember_noise(memo: dict[str, None], source: str) -> None:
    if len(source) <= _NOISE_SPAN_CHARS:
        if len(memo) >= _NOISE_SPANS_KEPT:
            memo.clear()
        memo[source] = None


def _text_head_plausible(head: bytes) -> bool:
    if sniff_format(head) is not None:
        return True
    # The head may end inside a multi-byte character.
    return any(sniff_text(head[: len(head) - cut]) is not None for cut in range(4))


class _Session:
    """State of one :func:`unpack` call: the limits and what has been spent of them."""

    def __init__(self, limits: DecodeLimits, max_depth: int) -> None:
        self.limits = limits
        self.max_depth = max_depth
        self.layers = 0
        self.total_bytes = 0
        self.beyond_depth = 0
        self.error: str | None = None
        self.scanned = 0
        self.tried = 0
        self.started = time.process_time()
        # Spans already found to be noise, by kind and text: a repeated token costs once.
        self.noise: set[tuple[str, str]] = set()

    @property
    def stopped(self) -> bool:
        """Whether a whole-input limit was reached (nothing more is decoded)."""
        return self.error is not None

    # -- budget -------------------------------------------------------------------------

    def _spend(self, size: int) -> bool:
        if self.error is not None:
            return False
        limits = self.limits
        if self.layers >= limits.max_layers:
            return self._reached("max_layers", "further encoded content left undecoded")
        if self.total_bytes + size > limits.max_total_bytes:
            return self._reached("max_total_bytes", "further encoded content left undecoded")
        self.layers += 1
        self.total_bytes += size
        return True

    def _try_one(self) -> bool:
        """Count one candidate against the budget; ``False`` once it is spent."""
        self.tried += 1
        limits = self.limits
        if self.tried > limits.max_candidates:
            return self._reached("max_candidates", "further candidates left undecoded")
        if not self.tried % _CLOCK_EVERY and time.process_time() - self.started > (
            limits.max_seconds
        ):
            return self._reached("max_seconds", "further candidates left undecoded")
        return True

    def _reached(self, limit: str, what: str) -> bool:
        """Record that the ``limit`` of :class:`DecodeLimits` stopped the work (``False``)."""
        self.error = (
            f"{limit}={getattr(self.limits, limit)} reached: {what} (raise DecodeLimits.{limit})"
        )
        return False

    def _scan_budget(self, text: str) -> str | None:
        """``text`` cut to what is left of ``max_scan_chars`` (``None`` when none is)."""
        left = self.limits.max_scan_chars - self.scanned
        if left <= 0 or len(text) > left:
            self._reached("max_scan_chars", "decoded text past it kept but not scanned")
            if left <= 0:
                return None
            text = text[:left]
        self.scanned += len(text)
        return text

    def _refund(self, size: int) -> None:
        self.layers -= 1
        self.total_bytes -= size

    # -- judging decoded bytes ------------------------------------------------------------

    def accept(
        self,
        *,
        encoding: Encoding,
        source: str,
        start: int,
        end: int,
        data: bytes,
        depth: int,
        forced: bool,
        file_name: str | None = None,
        error: str | None = None,
        key: str | None = None,
    ) -> Node | None:
        """Turn decoded bytes into a layer, or ``None`` when they are noise (unless forced)."""
        if depth > self.max_depth:
            self.beyond_depth += 1
            return None
        kind = sniff_format(data)
        text: str | None = None
        deflated = False
        unxored: tuple[bytes, bytes] | None = None
        if kind is None:
            text = sniff_text(data)
            if text is not None:
                kind = "text"
            else:
                deflated = containers.inflates_to_something(data, _text_head_plausible)
                if not deflated:
                    unxored = _unxor(data)
                if not deflated and unxored is None and encoding in _TEXTUAL:
                    # Text with a few stray bytes counts when it says something (a URL, a
                    # cmdlet): a GUID behind two bytes of noise is not worth a layer.
                    text = mostly_text(data)
                    if text is not None and not reveals("", text, encoded_inside=False):
                        text = None
                if not (deflated or unxored or text is not None or forced):
                    return None
                kind = "text" if text is not None else "binary"
        if not self._spend(len(data)):
            return None
        node = Node(
            encoding=encoding,
            source=source,
            start=start,
            end=end,
            data=data,
            text=text,
            file_type=kind,
            file_name=file_name,
            error=error,
            deflated=deflated,
            key=key,
        )
        if unxored is not None:
            xor_key, plain = unxored
            child = self.accept(
                encoding="xor",
                source="",
                start=0,
                end=len(data),
                data=plain,
                depth=depth + 1,
                forced=True,
                key=xor_key.hex(),
            )
            if child is not None:
                node.children = [child]
            return node
        self.expand(node, depth)
        return node

    def judge(
        self, encoding: Encoding, source: str, start: int, end: int, data: bytes, depth: int
    ) -> Node | None:
        """:meth:`accept` for bytes decoded from ``source``: a layer only if not noise."""
        return self.accept(
            encoding=encoding,
            source=source,
            start=start,
            end=end,
            data=data,
            depth=depth,
            forced=False,
        )

    def expand(self, node: Node, depth: int) -> None:
        """Find the children of ``node`` (which sits at ``depth``)."""
        before = self.beyond_depth
        if node.text is not None:
            node.children = self.scan_text(node.text, depth + 1)
        elif node.deflated or node.file_type in _STREAMS:
            self.open_stream(node, depth + 1)
        elif node.file_type in ARCHIVES:
            self.open_archive(node, depth + 1)
        if self.beyond_depth > before and node.error is None:
            node.error = (
                f"max_depth={self.max_depth} reached: encoded content inside this layer left "
                "undecoded (raise max_depth to decode it)"
            )

    # -- containers -----------------------------------------------------------------------

    def open_stream(self, node: Node, depth: int) -> None:
        kind: containers.StreamKind = "deflate" if node.deflated else _STREAMS[node.file_type]
        data, error = containers.decompress(
            kind, node.data, limit=self.limits.max_decompressed_bytes
        )
        name = containers.gzip_member_name(node.data) if kind == "gzip" else None
        child = self.accept(
            encoding=kind,
            source="",
            start=0,
            end=len(node.data),
            data=data,
            depth=depth,
            forced=True,
            file_name=name,
            error=error,
        )
        if child is not None:
            node.children = [child]

    def _member_limit(self) -> int:
        """What one archive member may produce now: what is left of the total budget."""
        left = self.limits.max_total_bytes - self.total_bytes
        return max(0, min(self.limits.max_decompressed_bytes, left))

    def open_archive(self, node: Node, depth: int) -> None:
        members: Iterable[containers.Member]
        if node.file_type == "zip":
            # Members are read one at a time, each against what is left of the budget.
            members, error = containers.zip_members(
                node.data, max_members=self.limits.max_archive_members, limit=self._member_limit
            )
        else:
            members, error = containers.tar_members(
                node.data,
                max_members=self.limits.max_archive_members,
                limit=self.limits.max_decompressed_bytes,
            )
        if error is not None and node.error is None:
            node.error = error
        encoding: Encoding = "zip" if node.file_type == "zip" else "tar"
        pending = iter(members)
        while True:
            cap = self._member_limit()
            member = next(pending, None)
            if member is None:
                break
            member_error = member.error
            if cap < self.limits.max_decompressed_bytes and len(member.data) >= cap:
                # Cut by what was left of the whole input's budget, not by the member limit.
                self._reached("max_total_bytes", "further encoded content left undecoded")
                if cap == 0:
                    break
                member_error = self.error
            child = self.accept(
                encoding=encoding,
                source="",
                start=member.start,
                end=member.end,
                data=member.data,
                depth=depth,
                forced=True,
                file_name=member.name,
                error=member_error,
            )
            if child is not None:
                node.children.append(child)
            if self.stopped:
                break

    # -- text -----------------------------------------------------------------------------

    def scan_text(self, text: str, depth: int) -> list[Node]:
        """Return the layers found directly in ``text`` (in document order)."""
        if self.error is not None:
            return []
        budget = self._scan_budget(text)
        if budget is None:
            return []
        text = budget
        # The candidate search is its own screen: its patterns run one by one, most behind a
        # substring test, which costs less on text without candidates than one alternation of
        # them all (69 against 326 ms on 0.9 MB of prose).
        candidates: list[Candidate | ScriptCandidate] = []
        candidates.extend(find_candidates(text))
        if may_hold_script(text):
            candidates.extend(find_script_candidates(text))
            # Script spans after encoded ones at the same offset; longer spans first.
            candidates.sort(key=_candidate_order)
        children: list[Node] = []
        cursor = 0
        for candidate in candidates:
            if candidate.start < cursor:
                continue
            kind = candidate.encoding if isinstance(candidate, ScriptCandidate) else candidate.kind
            marker = (kind, text[candidate.start : candidate.end])
            if marker in self.noise:
                continue
            if not self._try_one():
                break
            if isinstance(candidate, ScriptCandidate):
                script = self.try_script(text, candidate, depth)
                found = [script] if script is not None else []
            else:
                found = self.try_candidate(text, candidate, depth)
            if not found and not self.stopped:
                self.noise.add(marker)
            for node in found:
                children.append(node)
                cursor = max(cursor, node.end)
            if self.stopped:
                break
        return children

    def try_candidate(self, text: str, candidate: Candidate, depth: int) -> list[Node]:
        start, end = candidate.start, candidate.end
        source = text[start:end]
        node: Node | None = None
        if candidate.kind == "block":
            # As in try_span: a block is judged by its text alone, within max_depth.
            if depth > self.max_depth:
                return self.try_block(text, start, end, depth)
            if source in _NOISE_BLOCKS:
                return []
            found = self.try_block(text, start, end, depth)
            if not found and self.error is None:
                _remember_noise(_NOISE_BLOCKS, source)
            return found
        if candidate.kind == "context":
            decoded = decode_base64(source)
            # The switch only lowers the length needed; noise is still noise (``grep -e
            # root`` is not PowerShell).
            if decoded is not None:
                node = self.judge(decoded[0], source, start, end, decoded[1], depth)
        elif candidate.kind == "percent":
            node = self.try_percent(source, start, end, depth)
        elif candidate.kind == "utf16":
            node = self.judge("utf-16le", source, start, end, source.encode("latin-1"), depth)
        else:
            data = decode_hex(source) if candidate.kind == "hex" else decode_charcodes(source)
            if data is not None:
                node = self.judge(
                    "hex" if candidate.kind == "hex" else "charcode",
                    source,
                    start,
                    end,
                    data,
                    depth,
                )
        return [node] if node is not None else []

    def try_block(self, text: str, start: int, end: int, depth: int) -> list[Node]:
        for span_start, span_end in block_alternatives(text, start, end):
            node = self.try_span(text, span_start, span_end, depth)
            if node is not None:
                return [node]
        found: list[Node] = []
        for whole, parts in block_pieces(text, start, end):
            if whole is not None:
                node = self.try_span(text, whole[0], whole[1], depth)
                if node is not None:
                    found.append(node)
                    continue
            for part_start, part_end in parts:
                node = self.try_span(text, part_start, part_end, depth)
                if node is not None:
                    found.append(node)
        return found

    def try_span(self, text: str, start: int, end: int, depth: int) -> Node | None:
        source = text[start:end]
        # Beyond max_depth accept() counts the span (beyond_depth): not answered from memory.
        if depth > self.max_depth:
            return self._try_span(source, start, end, depth)
        if source in _NOISE_SPANS:
            return None
        node = self._try_span(source, start, end, depth)
        # No node and no limit reached: the span is noise wherever it appears.
        if node is None and self.error is None:
            _remember_noise(_NOISE_SPANS, source)
        return node

    def _try_span(self, source: str, start: int, end: int, depth: int) -> Node | None:
        # Neither base64 nor hex can have 4n+1 characters: most plain words stop here.
        body = "".join(source.split()) if "\n" in source else source
        if len(body.rstrip("=")) % 4 == 1 or is_left_alone(source):
            return None
        digits = source[2:] if source[:2] in ("0x", "0X") else source
        if _HEX_CHARS.issuperset(digits):
            # Pure hex is hex or nothing (hex digests stay alone: they decode to noise).
            data = decode_hex(source) if len(digits) % 2 == 0 else None
            if data is None:
                return None
            return self.judge("hex", source, start, end, data, depth)
        decoded = decode_base64(source)
        if decoded is None:
            return None
        return self.judge(decoded[0], source, start, end, decoded[1], depth)

    def try_percent(self, source: str, start: int, end: int, depth: int) -> Node | None:
        """A percent-encoded token is a layer only when it hides something (see reveals)."""
        data = decode_percent(source)
        text = sniff_text(data)
        if text is None:
            return None
        return self.accept_revealing(
            "percent",
            source,
            start,
            end,
            text,
            depth,
            alone=escapes_alnum("percent", source),
            evident=coded_alnum("percent", source) >= MIN_CODED_ALNUM,
        )

    def try_script(self, text: str, candidate: ScriptCandidate, depth: int) -> Node | None:
        source = text[candidate.start : candidate.end]
        decoded = candidate.decoded
        if decoded is None:
            decoded = decode_script(candidate.encoding, source)
        if decoded is None or not (
            looks_like_text(decoded) or (candidate.explicit and _printable(decoded))
        ):
            return None
        # Peeling ``iex '...'`` shows nothing new by itself: only what is inside counts.
        alone = candidate.encoding != "ps_iex"
        evident = candidate.evident or self_evident(candidate.encoding, source)
        return self.accept_revealing(
            candidate.encoding,
            source,
            candidate.start,
            candidate.end,
            decoded,
            depth,
            alone=alone,
            evident=evident,
            explicit=candidate.explicit,
        )

    def accept_revealing(
        self,
        encoding: Encoding,
        source: str,
        start: int,
        end: int,
        text: str,
        depth: int,
        *,
        alone: bool,
        evident: bool = False,
        explicit: bool = False,
    ) -> Node | None:
        """A layer for deobfuscated ``text`` only when it reveals what ``source`` hid.

        Percent-encoding, concatenation and the like are also written in harmless text; only
        a result with encoded content inside, or (when ``alone``) with a new URL, cmdlet or
        keyword, is worth a layer; so is one whose source is obfuscation on its face
        (``evident``: see :func:`self_evident`), when it has a letter or digit to show, and
        one whose value is asked for (``explicit``: see :attr:`Found.explicit`).
        """
        if depth > self.max_depth or text == source:
            return None
        data = text.encode("utf-8", "surrogatepass")
        if not self._spend(len(data)):
            return None
        node = Node(
            encoding=encoding,
            source=source,
            start=start,
            end=end,
            data=data,
            text=text,
            file_type="text",
        )
        self.expand(node, depth)
        encoded_inside = bool(node.children)
        shown = alone and (
            explicit
            or (evident and any(char.isalnum() for char in text))
            or reveals(source, text, encoded_inside=False)
        )
        if not (encoded_inside or shown):
            self._refund(len(data))
            return None
        return node


def _printable(text: str) -> bool:
    """Whether ``text`` has no control characters but whitespace (blank text included)."""
    return bool(text) and (text.isprintable() or "".join(text.split()).isprintable())


def _unxor(data: bytes) -> tuple[bytes, bytes] | None:
    """The key and plaintext when ``data`` is a known format or text XORed with a short key."""
    if len(data) < _MIN_XOR_BYTES:
        return None
    for key in find_xor_key(data):
        plain = xor(data, key)
        if sniff_format(plain) is not None or sniff_text(plain) is not None:
            return key, plain
    return None


def _candidate_order(candidate: Candidate | ScriptCandidate) -> tuple[int, int, int]:
    # At one offset the longer span first (``Chr(104) & Chr(116) & "tp://..."`` is more
    # than its ``Chr`` list); an encoded span before a script one of the same length, but
    # a value asked for (a SecureString with its key, ``chr(65)``) before both.
    rank = (0 if candidate.explicit else 2) if isinstance(candidate, ScriptCandidate) else 1
    return (candidate.start, -candidate.end, rank)


# -- entry point ---------------------------------------------------------------------------


def _resolve_depth(max_depth: int | None, limits: DecodeLimits) -> int:
    if max_depth is None:
        return limits.max_depth
    if isinstance(max_depth, bool) or not isinstance(max_depth, int):
        raise InvalidInputError(f"max_depth must be an int, got {type(max_depth).__name__}")
    if not 1 <= max_depth <= MAX_DEPTH_CEILING:
        raise InvalidInputError(
            f"max_depth must be between 1 and {MAX_DEPTH_CEILING}, got {max_depth}"
        )
    return max_depth


def _unpack_bytes(data: bytes, session: _Session) -> tuple[str, list[Node]]:
    """Unpack a bytes input: a known container is opened, anything else is read as text."""
    kind = sniff_format(data)
    if kind is None:
        text = sniff_text(data)
        if text is None and not containers.inflates_to_something(data, _text_head_plausible):
            # Not clean text: still look for encoded runs in it, byte for character.
            text = data.decode("latin-1")
        if text is not None:
            children = session.scan_text(text, 1)
            return splice(text, children), children
        kind = "binary"
    root = Node(
        encoding="base64",  # unused: the root is not a layer
        source="",
        start=0,
        end=len(data),
        data=data,
        text=None,
        file_type=kind,
        deflated=kind == "binary",
    )
    session.expand(root, 0)
    if root.error is not None and session.error is None:
        session.error = root.error
    return render(root), root.children


def unpack(
    text: str | bytes,
    *,
    max_depth: int | None = None,
    limits: DecodeLimits | None = None,
) -> Unpacked:
    """Find every encoded span in ``text``, decode it, and repeat on what it decodes to.

    Finds standard and URL-safe base64 (padded or not, wrapped over lines, in URLs and
    ``data:`` URIs, PowerShell ``-EncodedCommand`` payloads), hex, character-code lists and
    percent-encoding; opens gzip, zlib, raw deflate, bz2, xz, zip and tar. Short base64 is
    decoded when a call names it (``FromBase64String('...')``, ``atob``, ``| base64 -d``).
    Script obfuscation (PowerShell ``'a'+'b'``, ``"{1}{0}" -f``, ``-join``, backticks; HTML
    entities; JavaScript ``String.fromCharCode`` and ``\\u`` escapes; percent-encoded
    letters) is a layer only when the result reveals a URL, a cmdlet or a keyword that its
    source hid, or holds more encoded content. A candidate that decodes to neither text nor
    a known format is not a layer, so hashes, GUIDs, paths and identifiers are left alone.
    Never raises on the content: limits and corrupt data are reported on the layers
    (``Layer.error``) and on the result (``Unpacked.error``).

    Args:
        text: the input; bytes are opened directly when they are an archive or compressed,
            and read as text otherwise.
        max_depth: how many layers deep to look (default ``limits.max_depth``, 20; at most 200).
        limits: bounds against hostile input (default :class:`DecodeLimits`).

    Returns:
        The input with decoded spans replaced, and every layer in depth-first order.

    Raises:
        InvalidInputError: ``text`` is neither ``str`` nor bytes, or ``max_depth`` is out of
            range.

    Examples:
        >>> result = unpack("powershell -enc ZABpAHIAIABDADoAXAA=")
        >>> result.text
        'powershell -enc dir C:\\\\'
        >>> [(layer.index, layer.encoding, layer.text) for layer in result.layers]
        [('1', 'base64', 'dir C:\\\\')]
    """
    limits = limits if limits is not None else _DEFAULT_LIMITS
    depth = _resolve_depth(max_depth, limits)
    session = _Session(limits, depth)
    cap = limits.max_input_chars
    input_error: str | None = None
    if isinstance(text, str):
        head, tail = text[:cap], text[cap:]
        if tail:
            input_error = _input_limit_message(len(text), cap)
        children = session.scan_text(head, 1)
        rendered = splice(head, children) + tail if children else text
    elif isinstance(text, bytes | bytearray | memoryview):
        raw = bytes(text)
        if len(raw) > cap:
            input_error = _input_limit_message(len(raw), cap)
            raw = raw[:cap]
        rendered, children = _unpack_bytes(raw, session)
    else:
        raise InvalidInputError(
            f"unpack() takes str or bytes, got {type(text).__name__}; convert the value first"
        )
    layers = flatten(children, None, 1, [])
    errors = [message for message in (input_error, session.error) if message is not None]
    error = "; ".join(errors) if errors else None
    return Unpacked(text=rendered, layers=tuple(layers), error=error)


def _input_limit_message(size: int, cap: int) -> str:
    return (
        f"max_input_chars={cap} reached: input is {size} long, only the first {cap} were "
        "examined (raise DecodeLimits.max_input_chars)"
    )
