"""Context-free checks: is a string, on its own, a syntactically valid indicator of a type?

The extractor applies extra context rules while scanning text (version markers, file names,
sentence breaks); these validators only look at the value, so every value the extractor
reports passes the validator of its type.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable
from typing import Final
from urllib.parse import unquote

from asisdk.ioc._patterns import URL_SCHEME_PREFIX, URL_SCHEMES
from asisdk.ioc._tlds import NAME_TLDS

__all__ = [
    "BUILTIN_VALIDATORS",
    "canonical_ipv4",
    "is_domain",
    "is_host_name",
    "is_ipv4",
    "is_ipv6",
    "numeric_host_ipv4",
    "percent_decoded_host",
    "split_host",
]

_MAX_DOMAIN: Final = 253
_IPV4_OCTETS: Final = 4
_MAX_OCTET: Final = 255
_MAX_OCTET_DIGITS: Final = 3


@functools.lru_cache(maxsize=8192)
def is_ipv4(value: str) -> bool:
    """Four dot-separated decimal octets 0-255 (one to three digits each)."""
    parts = value.split(".")
    return len(parts) == _IPV4_OCTETS and all(
        p.isascii() and p.isdigit() and len(p) <= _MAX_OCTET_DIGITS and int(p) <= _MAX_OCTET
        for p in parts
    )


def canonical_ipv4(value: str) -> str:
    """Return a valid IPv4 address without leading zeros (``010.001.002.003`` -> ``10.1.2.3``).

    Leading zeros are read as decimal, as ``ipaddress`` and most log producers mean them;
    ``inet_aton`` would read ``010`` as octal 8, which is why some payloads use them to hide.

    Examples:
        >>> canonical_ipv4("010.001.002.003")
        '10.1.2.3'
    """
    if not value.startswith("0") and ".0" not in value:
        return value  # no octet has a leading zero (the common case)
    return ".".join(str(int(part)) for part in value.split("."))


_NUMERIC_HOST_RE: Final = re.compile(
    r"(?:0[xX][0-9a-fA-F]{0,8}|[0-9]{1,12})(?:\.(?:0[xX][0-9a-fA-F]{0,8}|[0-9]{1,12})){0,3}\.?"
)
_THIS_NETWORK: Final = 1 << 24  # 0.0.0.0/8 is no destination: ``http://1/`` is no address


@functools.lru_cache(maxsize=4096)
def numeric_host_ipv4(host: str) -> str | None:
    """The IPv4 address that a URL, UNC or ``/dev/tcp`` host written in numbers other than
    four decimal octets stands for, or ``None``.

    Browsers (the WHATWG URL standard), curl, ``inet_aton`` and Windows all read such a host as
    an address: one to four parts, each decimal, ``0x`` hexadecimal or ``0`` octal, the last
    filling the bytes that are left. Phishing and payload URLs use it to hide the address.
    Taken here: one integer, any parts with a ``0x`` one among them, four parts with octal
    ones, and two or three parts whose last is over 255 (``81.4.31754``). Not taken: four
    decimal octets (:func:`is_ipv4`'s, leading zeros read as decimal by
    :func:`canonical_ipv4`), two or three octets (``http://1.2.3`` is a version or a typo far
    more often than 1.2.0.3), and addresses in 0.0.0.0/8.

    Examples:
        >>> numeric_host_ipv4("2130706433"), numeric_host_ipv4("0xC0.0xA8.0x01.0x01")
        ('127.0.0.1', '192.168.1.1')
        >>> numeric_host_ipv4("0300.0250.1.1"), numeric_host_ipv4("0x7f.1")
        ('192.168.1.1', '127.0.0.1')
        >>> numeric_host_ipv4("81.4.31754"), numeric_host_ipv4("012101076012")
        ('81.4.124.10', '81.4.124.10')
        >>> numeric_host_ipv4("10.1.2.3"), numeric_host_ipv4("172.16.5"), numeric_host_ipv4("1")
        (None, None, None)
    """
    if _NUMERIC_HOST_RE.fullmatch(host) is None:
        return None
    parts = host[:-1].split(".") if host.endswith(".") else host.split(".")
    if len(parts) == _IPV4_OCTETS and is_ipv4(".".join(parts)):
        return None
    if (
        1 < len(parts) < _IPV4_OCTETS
        and not any(p[:2] in ("0x", "0X") for p in parts)
        and int(parts[-1]) <= _MAX_OCTET
    ):
        return None  # ``http://1.2.3``: a version or a typo far more often than an address
    numbers: list[int] = []
    for part in parts:
        if part[:2] in ("0x", "0X"):
            numbers.append(int(part[2:] or "0", 16))
        elif len(part) > 1 and part[0] == "0":
            if part.strip("01234567"):
                return None  # ``08``: neither octal nor (with its zero) a decimal part
            numbers.append(int(part, 8))
        else:
            numbers.append(int(part))
    *leading, last = numbers
    if any(n > _MAX_OCTET for n in leading) or last >= 1 << (8 * (_IPV4_OCTETS - len(leading))):
        return None
    address = last
    for position, number in enumerate(leading):
        address += number << (8 * (_IPV4_OCTETS - 1 - position))
    if address < _THIS_NETWORK:
        return None
    return str(ipaddress.IPv4Address(address))


def is_ipv6(value: str) -> bool:
    """Any RFC 4291 text form (zone index allowed), but never ``::`` alone."""
    address = value.split("%", 1)[0]
    if address == "::" or ":" not in address or not address.isascii():
        return False
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        return False
    return True


#: Dot-separated labels of word characters and hyphens, none starting or ending with ``-``
#: (one regex for the whole name: a per-label loop in Python cost most of the check).
_NAME_RE: Final = re.compile(r"(?:(?!-)[\w-]{1,63}(?<!-)\.)+(?!-)[\w-]{1,63}(?<!-)")


@functools.lru_cache(maxsize=8192)
def is_domain(value: str) -> bool:
    """Two or more labels ending in a delegated IANA TLD or ``onion`` (no trailing dot).

    Cached: the same names recur all through logs and reports.
    """
    if len(value) > _MAX_DOMAIN or "." not in value:
        return False
    lowered = value.lower()
    if lowered[lowered.rfind(".") + 1 :] not in NAME_TLDS:
        return False
    return _NAME_RE.fullmatch(lowered) is not None


def split_host(authority: str) -> str:
    """Return the host of a URL authority (``user:pw@host:port`` -> ``host``)."""
    hostport = authority.rsplit("@", 1)[-1]
    if hostport.startswith("["):
        end = hostport.find("]")
        return hostport[: end + 1] if end > 0 else ""
    return hostport.split(":", 1)[0]


#: A URL host name: one or more labels, none empty or starting or ending with ``-`` (one
#: trailing dot allowed: ``http://evil.com./``). ``http://..``, ``http://-a.b.co`` and
#: ``http://.www.x.com`` are not URLs.
_HOST_NAME_RE: Final = re.compile(r"(?!-)[\w-]{1,63}(?<!-)(?:\.(?!-)[\w-]{1,63}(?<!-))*\.?")
_DOTTED_DIGITS_RE: Final = re.compile(r"[0-9]+(?:\.[0-9]+)+\.?")


_HOST_ESCAPES: Final = re.compile(r"(?:[\w.-]|%[0-9A-Fa-f]{2})+")


def percent_decoded_host(host: str) -> str:
    """A percent-encoded URL host decoded, as browsers decode it before they connect, or
    ``""`` when it holds anything but name characters and escapes, or decodes to a ``%``.

    Examples:
        >>> percent_decoded_host("%38%31%2e%34%2e%31%32%34%2e%31%30")
        '81.4.124.10'
        >>> percent_decoded_host("%65vil.com"), percent_decoded_host("ev%ZZil.com")
        ('evil.com', '')
    """
    if _HOST_ESCAPES.fullmatch(host) is None:
        return ""
    named = unquote(host)
    return "" if "%" in named or "\ufffd" in named else named


@functools.lru_cache(maxsize=8192)
def is_host_name(host: str) -> bool:
    """Whether ``host`` (not bracketed) can be the host of a URL: a name of well-formed
    labels, and, when it is only dotted digits, an IPv4 address (four decimal octets, or
    octal ones: :func:`numeric_host_ipv4`; ``http://1.2.3`` is no host). A percent-encoded
    host is judged decoded (:func:`percent_decoded_host`).

    Cached: URL hosts recur.
    """
    if "%" in host:
        host = percent_decoded_host(host)
    if len(host) > _MAX_DOMAIN or _HOST_NAME_RE.fullmatch(host) is None:
        return False
    if _DOTTED_DIGITS_RE.fullmatch(host):
        return is_ipv4(host.rstrip(".")) or numeric_host_ipv4(host) is not None
    return True


_URL_RE: Final = re.compile(
    URL_SCHEME_PREFIX
    + "(?i:"
    + "|".join(URL_SCHEMES)
    + r")://(?P<auth>[^/?#\s]*)[^\s<>\"'`|{}\\^]*",
    re.DOTALL,
)


def _is_url(value: str) -> bool:
    match = _URL_RE.fullmatch(value)
    if match is None:
        return False
    host = split_host(match.group("auth"))
    if not host and value[: len("file://")].lower() == "file://":
        return bool(value[7:].strip("/"))  # ``file:///C:/x``: a local file, no host
    if host.startswith("["):
        return is_ipv6(host[1:-1])
    return is_host_name(host)


_EMAIL_RE: Final = re.compile(r"[\w+%-]{1,64}(?:\.[\w+%-]{1,64}){0,16}@(?P<domain>[^@\s]+)")


def _is_email(value: str) -> bool:
    match = _EMAIL_RE.fullmatch(value)
    return match is not None and is_domain(match.group("domain"))


def _hex(length: int) -> Callable[[str], bool]:
    pattern = re.compile(f"[0-9a-fA-F]{{{length}}}")
    return lambda value: pattern.fullmatch(value) is not None


_WIN_ROOT = r"(?:[A-Za-z]:[\\/]|\\\\[\w.$@-]+\\|%\w+%\\|\$env:\w+\\)"
_WIN_RE: Final = re.compile(_WIN_ROOT + r"[^\r\n\"<>|*?]+", re.IGNORECASE)
# With placeholder components (``C:\Users\<username>\AppData``): tried only on a ``<``.
_WIN_PLACEHOLDER_RE: Final = re.compile(
    _WIN_ROOT + r"(?=.)[^\r\n\"<>|*?]*(?:<\w[\w -]{0,63}>(?=\\)[^\r\n\"<>|*?]*)*",
    re.IGNORECASE,
)
_LIN_RE: Final = re.compile(r"(?:~|/[\w.+@%=,~-]+)(?:/[\w.+@%=,~() -]+)+/?")
_SSDEEP_RE: Final = re.compile(r"\d{1,8}:[A-Za-z0-9+/]{1,64}:[A-Za-z0-9+/]{1,64}")
_TLSH_RE: Final = re.compile(r"(?:T1)?[0-9A-Fa-f]{70}")
_CVE_RE: Final = re.compile(r"CVE-\d{4}-\d{4,7}")
_MAC_RE: Final = re.compile(
    r"[0-9a-f]{2}(?:([:-])[0-9a-f]{2})(?:\1[0-9a-f]{2}){4}|[0-9a-f]{4}(?:\.[0-9a-f]{4}){2}"
)
_REG_RE: Final = re.compile(
    r"(?:HKEY_(?:LOCAL_MACHINE|CURRENT_USER|CLASSES_ROOT|USERS|CURRENT_CONFIG)"
    r"|HK(?:LM|CU|CR|U|CC)):?(?:\\(?:<\w[\w -]{0,63}>|[^\t\r\n\\\"'<>|,;`]++))+"
)


def is_windows_path(value: str) -> bool:
    """Whether ``value`` is an absolute Windows path (drive, UNC, ``%VAR%\\``, ``$env:``)."""
    if _WIN_RE.fullmatch(value) is not None:
        return True
    return "<" in value and _WIN_PLACEHOLDER_RE.fullmatch(value) is not None


def _matcher(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    return lambda value: pattern.fullmatch(value) is not None


#: Validator of each built-in type.
BUILTIN_VALIDATORS: Final[dict[str, Callable[[str], bool]]] = {
    "cve": _matcher(_CVE_RE),
    "dns": is_domain,
    "email": _is_email,
    "ipv4": is_ipv4,
    "ipv6": is_ipv6,
    "linux_path": _matcher(_LIN_RE),
    "mac": lambda value: _MAC_RE.fullmatch(value.lower()) is not None,
    "md5": _hex(32),
    "imphash": _hex(32),
    "authentihash": _hex(64),
    "sha512": _hex(128),
    "ssdeep": _matcher(_SSDEEP_RE),
    "tlsh": _matcher(_TLSH_RE),
    "registry_key": _matcher(_REG_RE),
    "sha1": _hex(40),
    "sha256": _hex(64),
    "url": _is_url,
    "windows_path": is_windows_path,
}
