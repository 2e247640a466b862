"""The bundled list of delegated top-level domains (no network at run time).

The list lives in ``data/tlds.txt`` next to this module: one TLD per line, lower case,
internationalised TLDs both as written (``рф``) and in their ``xn--`` form. It holds the
top-level labels of the ICANN section of the Public Suffix List, which tracks the IANA root
zone (https://data.iana.org/TLD/tlds-alpha-by-domain.txt).

Refresh it from a file you downloaded yourself (either format works)::

    curl -O https://publicsuffix.org/list/public_suffix_list.dat
    python -m asisdk.ioc._tlds --refresh public_suffix_list.dat

    curl -O https://data.iana.org/TLD/tlds-alpha-by-domain.txt
    python -m asisdk.ioc._tlds --refresh tlds-alpha-by-domain.txt
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Final

__all__ = ["NAME_TLDS", "TLDS", "TLD_FILE", "load_tlds", "parse_tld_source", "write_tld_file"]

#: Where the bundled list lives.
TLD_FILE: Final = Path(__file__).with_name("data") / "tlds.txt"

_ICANN_BEGIN: Final = "===BEGIN ICANN DOMAINS==="
_ICANN_END: Final = "===END ICANN DOMAINS==="
#: Listed by the Public Suffix List but special-use (RFC 6761/7686), not in the root zone.
_NOT_DELEGATED: Final = frozenset({"onion"})


def _ace(label: str) -> str | None:
    """Return the ``xn--`` form of a non-ASCII label (None if it cannot be encoded)."""
    try:
        return "xn--" + label.encode("punycode").decode("ascii")
    except UnicodeError:  # pragma: no cover - every delegated IDN TLD encodes
        return None


def _unicode(label: str) -> str | None:
    """Return the Unicode form of an ``xn--`` label (None if it does not decode)."""
    try:
        return label[4:].encode("ascii").decode("punycode")
    except UnicodeError:
        return None


def parse_tld_source(text: str) -> frozenset[str]:
    """Return the delegated TLDs named in a Public Suffix List or IANA ``tlds-alpha`` file.

    Only the ICANN section of a Public Suffix List counts (private suffixes such as
    ``github.io`` are not delegated TLDs). Both the Unicode and the ``xn--`` spelling of each
    internationalised TLD are returned.

    Examples:
        >>> sorted(parse_tld_source("# comment\\nCOM\\nXN--P1AI\\n"))
        ['com', 'xn--p1ai', 'рф']
    """
    if _ICANN_BEGIN in text:
        text = text.split(_ICANN_BEGIN, 1)[1].split(_ICANN_END, 1)[0]
    found: set[str] = set()
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("//", "#")):
            continue
        label = line.split()[0].lstrip("!*.").rsplit(".", 1)[-1].lower()
        if not label or label in _NOT_DELEGATED:
            continue
        found.add(label)
        other = _unicode(label) if label.startswith("xn--") else None
        if not label.isascii():
            other = _ace(label)
        if other:
            found.add(other)
    return frozenset(found)


def write_tld_file(tlds: Iterable[str], path: Path = TLD_FILE, *, source: str = "") -> None:
    """Write ``tlds`` to ``path`` in the bundled format (sorted, one per line)."""
    header = "# Delegated top-level domains (IANA root zone), one per line.\n"
    if source:
        header += f"# Generated from: {source}\n"
    path.write_text(header + "\n".join(sorted(set(tlds))) + "\n", encoding="utf-8")


def load_tlds(path: Path = TLD_FILE) -> frozenset[str]:
    """Read a TLD file in the bundled format."""
    return parse_tld_source(path.read_text(encoding="utf-8"))


#: The bundled delegated TLDs (immutable; read once at import).
TLDS: Final[frozenset[str]] = load_tlds()
#: The last labels a name may end in to be reported: the delegated TLDs, and ``onion``
#: (RFC 7686), which is not in the root zone but names Tor onion services, indicators in
#: their own right (ransomware leak sites, C2).
NAME_TLDS: Final[frozenset[str]] = TLDS | _NOT_DELEGATED


def main(argv: list[str] | None = None) -> int:
    """Command line entry: ``python -m asisdk.ioc._tlds --refresh FILE [--output PATH]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--refresh", type=Path, required=True, help="downloaded PSL/IANA file")
    parser.add_argument("--output", type=Path, default=TLD_FILE, help="file to write")
    args = parser.parse_args(argv)
    tlds = parse_tld_source(args.refresh.read_text(encoding="utf-8"))
    if len(tlds) < 500:
        print(f"refusing to write: only {len(tlds)} TLDs in {args.refresh}", file=sys.stderr)
        return 1
    write_tld_file(tlds, args.output, source=args.refresh.name)
    print(f"wrote {len(tlds)} TLDs to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
