"""The public extractor: :class:`IocExtractor`, :class:`IocMatch`, ``validate``, ``classify``."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Final

import attrs

from asisdk.entities import is_public_address
from asisdk.errors import InvalidInputError
from asisdk.ioc._patterns import BUILTIN_PRIORITIES, BUILTIN_TYPES
from asisdk.ioc._refang import RefangMap, refang, refang_with_map
from asisdk.ioc._scan import Hit, UrlComponents, scan
from asisdk.ioc._validate import BUILTIN_VALIDATORS

__all__ = ["CustomType", "IocExtractor", "IocMatch", "classify", "validate"]

#: Priority given to a custom type when none is named (after every built-in).
DEFAULT_CUSTOM_PRIORITY: Final = 5
#: The order :func:`classify` tries the built-in types in (most specific first).
CLASSIFY_ORDER: Final = (
    "url",
    "email",
    "ipv4",
    "ipv6",
    "mac",
    "md5",
    "sha1",
    "sha256",
    "sha512",
    "tlsh",
    "ssdeep",
    "cve",
    "registry_key",
    "windows_path",
    "linux_path",
    "dns",
    "imphash",
    "authentihash",
)
_NAME_RE: Final = re.compile(r"[a-z][a-z0-9_]{0,63}")
_IP_TYPES: Final = frozenset({"ipv4", "ipv6"})


@functools.lru_cache(maxsize=8192)
def _is_public(address: str) -> bool:
    """:func:`~asisdk.entities.is_public_address`, cached: addresses recur through a text."""
    return is_public_address(address)


@attrs.frozen
class IocMatch:
    """One indicator found in a text.

    Attributes:
        type: the indicator type (``ipv4``, ``dns``, ``url``...).
        value: the normalised value (refanged; domains and hashes lower-cased...).
        raw: the text as written, defanged spelling included.
        start: offset of ``raw`` in the input text.
        end: offset just past ``raw``.
    """

    type: str
    value: str
    raw: str
    start: int
    end: int


@attrs.frozen
class CustomType:
    """A type added with :meth:`IocExtractor.add_type` (picklable if its validator is)."""

    name: str
    pattern: re.Pattern[str]
    priority: int
    validator: Callable[[str], bool] | None = None

    def hits(self, text: str) -> list[Hit]:
        """Return this type's hits in ``text``: group ``ioc`` if the pattern names one."""
        found: list[Hit] = []
        group = "ioc" if "ioc" in self.pattern.groupindex else 0
        for m in self.pattern.finditer(text):
            value = m.group(group)
            if value and (self.validator is None or self.validator(value)):
                found.append((self.name, value, m.start(group), m.end(group)))
        return found


def _compile(pattern: str | re.Pattern[str]) -> re.Pattern[str]:
    if isinstance(pattern, re.Pattern):
        return pattern
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise InvalidInputError(f"invalid regular expression {pattern!r}: {exc}") from exc


class IocExtractor:
    """Find indicators of compromise in text: IPs, URLs, domains, hashes, paths, emails...

    Every instance owns its types: adding or removing one never affects another instance.
    Nothing touches the network (the TLD list is bundled).

    Args:
        types: the types to report (default: every built-in type).
        defanged: recognise defanged spellings (``hxxp``, ``evil[.]com``) and report them
            refanged. With ``False`` the text is matched as written.
        include_private: report IP addresses that are not globally routable (private,
            loopback, link-local, documentation, reserved). Extraction is syntactic, so this
            is on by default; ``False`` drops such ipv4/ipv6 values (the URL keeps its place).
        url_components: ``"host"`` (default) reports a URL and its host; ``"all"`` also the
            domains and IP addresses in its path and query (``?redirect=evil.com``,
            ``/mirror/foo.com/``). The default is ``"host"`` because path and query pieces
            are mostly file names, parameters and tracking values: reporting them as domains
            of their own would add noise to every report; ask for ``"all"`` to hunt
            redirects and open-redirect abuse.

    Examples:
        >>> ex = IocExtractor()
        >>> ex.extract("beacon to hxxp://evil[.]com/a.php from 10.0.0.5", types=["url", "ipv4"])
        {'url': {'http://evil.com/a.php'}, 'ipv4': {'10.0.0.5'}}
    """

    def __init__(
        self,
        *,
        types: Iterable[str] | None = None,
        defanged: bool = True,
        include_private: bool = True,
        url_components: UrlComponents = "host",
    ) -> None:
        if url_components not in ("host", "all"):
            raise InvalidInputError(
                f"url_components must be 'host' or 'all', got {url_components!r}"
            )
        self._url_components: UrlComponents = url_components
        self._custom: dict[str, CustomType] = {}
        self._defanged = defanged
        self._include_private = include_private
        self._enabled: set[str] = set(BUILTIN_TYPES)
        if types is not None:
            self._enabled = set(self._check_types(types))

    # ------------------------------------------------------------------ configuration
    @property
    def types(self) -> tuple[str, ...]:
        """The enabled type names, sorted."""
        return tuple(sorted(self._enabled))

    @property
    def defanged(self) -> bool:
        """Whether defanged spellings are recognised."""
        return self._defanged

    def add_type(
        self,
        name: str,
        pattern: str | re.Pattern[str],
        *,
        priority: int = DEFAULT_CUSTOM_PRIORITY,
        validator: Callable[[str], bool] | None = None,
    ) -> None:
        """Add a custom type to this extractor (and enable it).

        Args:
            name: a lower-case identifier that is not a built-in type.
            pattern: a regular expression; a named group ``ioc`` selects the value.
            priority: when a custom match has exactly the span of another match, the lower
                number wins (built-ins: url/ipv4/ipv6 0, hashes/email 1, dns 2, paths 3-4).
            validator: a check each matched value must pass (also used by :meth:`validate`).
                Use a top-level function if you pass this extractor to a process pool.

        Raises:
            InvalidInputError: a bad name, a built-in name or an invalid regex.

        Examples:
            >>> ex = IocExtractor()
            >>> ex.add_type("ticket", r"\\bINC-\\d{6}\\b")
            >>> ex.extract("see INC-123456", types=["ticket"])
            {'ticket': {'INC-123456'}}
        """
        if not _NAME_RE.fullmatch(name):
            raise InvalidInputError(
                f"type name {name!r} must be lower-case letters, digits or '_' "
                "and start with a letter"
            )
        if name in BUILTIN_PRIORITIES:
            raise InvalidInputError(
                f"{name!r} is a built-in type; choose another name, or remove_type({name!r}) "
                "and add yours under a new name"
            )
        self._custom[name] = CustomType(name, _compile(pattern), priority, validator)
        self._enabled.add(name)

    def remove_type(self, name: str) -> None:
        """Stop reporting ``name`` (a custom type is forgotten, a built-in disabled).

        Raises:
            InvalidInputError: ``name`` is not a known type.
        """
        self._check_types([name])
        self._custom.pop(name, None)
        self._enabled.discard(name)

    def _known(self) -> set[str]:
        return set(BUILTIN_TYPES) | set(self._custom)

    def _check_types(self, types: Iterable[str]) -> list[str]:
        if isinstance(types, str):
            types = [types]
        wanted = list(types)
        unknown = sorted(set(wanted) - self._known())
        if unknown:
            raise InvalidInputError(
                f"unknown IoC type(s) {unknown}; known types: {sorted(self._known())}"
            )
        return wanted

    def _wanted(self, types: Iterable[str] | None) -> set[str]:
        if types is None:
            return set(self._enabled)
        return set(self._check_types(types))

    # ------------------------------------------------------------------ extraction
    def _prepare(self, text: str) -> tuple[str, RefangMap | None]:
        if self._defanged:
            return refang_with_map(text)
        return text, None

    def _keeps(self, wanted: set[str]) -> Callable[[Hit], bool]:
        """Whether a built-in hit is reported: a wanted type, and public unless private
        addresses are included."""
        if self._include_private:
            return lambda hit: hit[0] in wanted
        return lambda hit: hit[0] in wanted and (hit[0] not in _IP_TYPES or _is_public(hit[1]))

    def _hits(self, text: str, fanged: RefangMap | None, wanted: set[str]) -> list[Hit]:
        keeps = self._keeps(wanted)
        hits = [
            hit for hit in scan(text, fanged, url_components=self._url_components) if keeps(hit)
        ]
        customs = [c for name, c in self._custom.items() if name in wanted]
        if not customs:
            return hits
        extra: list[Hit] = []
        for custom in customs:
            extra.extend(custom.hits(text))
        return self._resolve(hits, extra)

    def _resolve(self, hits: list[Hit], extra: list[Hit]) -> list[Hit]:
        priority = {**BUILTIN_PRIORITIES, **{n: c.priority for n, c in self._custom.items()}}
        best: dict[tuple[int, int], int] = {}
        for kind, _value, start, end in hits + extra:
            span = (start, end)
            best[span] = min(best.get(span, priority[kind]), priority[kind])
        merged = [h for h in hits + extra if priority[h[0]] <= best[(h[2], h[3])]]
        merged.sort(key=lambda h: (h[2], h[3]))
        return merged

    def extract(self, text: str, *, types: Iterable[str] | None = None) -> dict[str, set[str]]:
        """Return the indicators in ``text`` as ``{type: {value, ...}}``.

        Every requested type is a key, with an empty set when nothing was found.

        Args:
            text: any text: prose, log lines, command lines, JSON...
            types: the types to report (default: the extractor's enabled types).

        Raises:
            InvalidInputError: an unknown type name, or ``text`` is not a ``str``.

        Examples:
            >>> IocExtractor().extract("admin[@]evil[.]com", types=["email", "dns"])
            {'email': {'admin@evil.com'}, 'dns': {'evil.com'}}
        """
        if not isinstance(text, str):
            raise InvalidInputError(f"text must be str, got {type(text).__name__}")
        wanted = self._wanted(types)
        order = [t for t in (types if types is not None else sorted(wanted)) if t in wanted]
        result: dict[str, set[str]] = {name: set() for name in dict.fromkeys(order)}
        scanned, fanged = self._prepare(text)
        if any(name in wanted for name in self._custom):
            for kind, value, _start, _end in self._hits(scanned, fanged, wanted):
                result[kind].add(value)
            return result
        # Built-in types only: no overlap to resolve, so each hit goes straight into its set
        # (text dense with indicators holds its distinct values, not a tuple per hit).
        keeps = self._keeps(wanted)

        def keep(hit: Hit) -> None:
            if keeps(hit):
                result[hit[0]].add(hit[1])

        scan(scanned, fanged, url_components=self._url_components, add=keep)
        return result

    def finditer(self, text: str, *, types: Iterable[str] | None = None) -> Iterator[IocMatch]:
        """Yield every indicator with its offsets in ``text``, in text order.

        Components are yielded too (a URL, then its host as ``dns``...), and a value is
        yielded each time it occurs.

        Examples:
            >>> [(m.type, m.value, m.raw) for m in IocExtractor().finditer("evil[.]com")]
            [('dns', 'evil.com', 'evil[.]com')]
        """
        if not isinstance(text, str):
            raise InvalidInputError(f"text must be str, got {type(text).__name__}")
        wanted = self._wanted(types)
        scanned, fanged = self._prepare(text)
        for kind, value, start, end in self._hits(scanned, fanged, wanted):
            if fanged is not None:
                start, end = fanged.to_original(start, end)
            yield IocMatch(kind, value, text[start:end], start, end)

    def validate(self, value: str, ioc_type: str) -> bool:
        """Whether ``value`` on its own is a syntactically valid ``ioc_type``.

        Raises:
            InvalidInputError: ``ioc_type`` is not a known type.

        Examples:
            >>> IocExtractor().validate("999.1.1.1", "ipv4")
            False
        """
        self._check_types([ioc_type])
        custom = self._custom.get(ioc_type)
        if custom is not None:
            if custom.validator is not None:
                return custom.validator(value)
            return custom.pattern.fullmatch(value) is not None
        return BUILTIN_VALIDATORS[ioc_type](value)

    def classify(self, value: str) -> str | None:
        """Return the type of a single indicator (refanged first), or ``None``.

        Examples:
            >>> IocExtractor().classify("hxxps://evil[.]com/x")
            'url'
        """
        value = refang(value.strip()) if self._defanged else value.strip()
        for name in CLASSIFY_ORDER:
            if name in self._enabled and BUILTIN_VALIDATORS[name](value):
                return name
        for name, _custom in self._custom.items():
            if name in self._enabled and self.validate(value, name):
                return name
        return None

    def __repr__(self) -> str:
        return (
            f"IocExtractor(types={list(self.types)!r}, defanged={self._defanged!r}, "
            f"include_private={self._include_private!r}, "
            f"url_components={self._url_components!r})"
        )


def validate(value: str, ioc_type: str) -> bool:
    """Whether ``value`` is a syntactically valid indicator of the built-in ``ioc_type``.

    Examples:
        >>> validate("evil.com", "dns"), validate("evil.notatld", "dns")
        (True, False)
    """
    return IocExtractor().validate(value, ioc_type)


def classify(value: str) -> str | None:
    """Return the built-in type of a single indicator (refanged first), or ``None``.

    Examples:
        >>> classify("d41d8cd98f00b204e9800998ecf8427e"), classify("hello")
        ('md5', None)
    """
    return IocExtractor().classify(value)
