"""The default variable masks of template mining: regexes whose matches become ``<*>``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from asisdk.errors import InvalidInputError

__all__ = ["DEFAULT_MASKS", "compile_masks"]

_TLDS = (
    "com|net|org|edu|gov|mil|int|io|info|biz|local|lan|corp|internal|localdomain|home|"
    "arpa|cloud|onion|uk|de|fr|ru|cn|jp|nl|us|ca|au|in|br|it|es|se|ch|pl"
)

#: Name -> regex of the parts of a line that vary between events of one kind. Applied in
#: this order; each match is replaced by ``<*>``. Copy and extend it to add your own:
#: ``group_patterns(lines, masks={**DEFAULT_MASKS, "ticket": r"TCK-\\d+"})``.
DEFAULT_MASKS: Mapping[str, str] = MappingProxyType(
    {
        "datetime": (
            r"\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+)?"
            r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},?"
            r"(?:\s+\d{4})?(?:\s+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:\s+\d{4})?\b"
            r"|\b\d{4}-\d{2}-\d{2}"
            r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
            r"|\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"
        ),
        "url": r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,15}://[^\s\"'<>]+",
        "guid": r"\{?\b[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\b\}?",
        "email": r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)++\b",
        "mac": r"\b[0-9a-fA-F]{2}(?:[:-][0-9a-fA-F]{2}){5}\b",
        "ipv4": r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?![\d.])",
        "ipv6": r"(?<![\w:])(?:[0-9a-fA-F]{1,4}:){3,7}[0-9a-fA-F]{1,4}(?![\w:])",
        "host": (
            rf"\b(?:[a-zA-Z0-9-]{{1,63}}+\.)++(?:{_TLDS})\b(?!\.\w)"
            r"|\b(?:[a-zA-Z0-9-]{1,63}+\.){2,}+[a-z]{2}\b(?!\.\w)"
        ),
        "user": (
            r"(?i)(?<=\\users\\)[^\\/\s\"']+|(?<=/home/)[^/\s\"']+"
            r"|(?<=\buser )[^\s\"',;]+"
        ),
        "hex": (
            r"\b0[xX][0-9a-fA-F]+\b"
            r"|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b"
        ),
        "size": (r"\b\d+(?:\.\d+)?\s?(?:bytes|B|[KMGT]i?B)\b(?:\s\(\d+(?:\.\d+)?\s?[KMGT]i?B\))?"),
        "duration": r"<?\b\d+(?:\.\d+)?\s?(?:ms|msec|secs?|seconds?|mins?|minutes?|hours?)\b",
        "number": r"(?<![A-Za-z0-9])[-+]?\d+(?:[.,:]\d+)*",
    }
)


#: Every default mask starts at a word start (``\b``, a lookbehind, or after ``_``), so
#: positions right after a letter or digit can be skipped with one check instead of one per
#: mask: that makes masking about twice as fast.
_WORD_START_GATE = r"(?<![A-Za-z0-9])"


def compile_masks(masks: Mapping[str, str | re.Pattern[str]]) -> re.Pattern[str]:
    """Combine the masks into one alternation, scanned once per line.

    At any position the leftmost match wins; at the same position, the earlier mask.
    Runs of default masks share one word-start gate (see ``_WORD_START_GATE``); your own
    masks are tried at every position.

    Raises:
        InvalidInputError: a mask is not a valid regular expression.
    """
    groups: list[tuple[bool, list[str]]] = []
    for name, pattern in masks.items():
        text = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
        ignore_case = text.startswith("(?i)") or (
            isinstance(pattern, re.Pattern) and bool(pattern.flags & re.IGNORECASE)
        )
        text = text.removeprefix("(?i)")
        try:
            re.compile(text)
        except re.error as exc:
            raise InvalidInputError(f"mask {name!r} is not a valid regex: {exc}") from exc
        part = f"(?i:{text})" if ignore_case else f"(?:{text})"
        gated = DEFAULT_MASKS.get(name) == pattern
        if groups and groups[-1][0] == gated:
            groups[-1][1].append(part)
        else:
            groups.append((gated, [part]))
    if not groups:
        return re.compile(r"(?!)")
    alternatives = [
        f"{_WORD_START_GATE}(?:{'|'.join(parts)})" if gated else "|".join(parts)
        for gated, parts in groups
    ]
    return re.compile("|".join(alternatives))
