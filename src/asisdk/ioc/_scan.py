"""The scanning core: one pass of the combined regex, then a small decision per candidate.

:func:`scan` works on text that is already refanged and returns plain tuples
``(type, value, start, end)`` (offsets in the scanned text); the public classes wrap them.
Components are reported as their own hits: the host of a URL or UNC path, the domain of an
email, the IPv4 inside an IPv4-mapped / NAT64 IPv6 address, hashes inside paths and URLs.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable
from typing import Final, Literal
from urllib.parse import unquote

from asisdk.ioc._patterns import (
    AV_NAME_LABELS,
    CODE_MEMBER_TLDS,
    CODE_NAMES,
    CODE_NAMESPACES,
    CODE_RECEIVERS,
    FILE_EXTENSION_TLDS,
    HASH_IN,
    HASH_LABEL_BEFORE,
    HTTP_TARGET_BEFORE,
    LIN_MORE,
    MAX_SEGMENTS,
    NETWORK_TOOL_BEFORE,
    OID_ARCS,
    OID_BEFORE,
    REG_MORE,
    REVERSE_DNS_FIRST,
    SCANNER,
    SCANNER_KINDS,
    SCANNER_URL_SCHEMES,
    SEG_CHARS,
    SPACED_NAMES,
    URL_GLUED,
    URL_IN,
    URL_NESTED,
    URL_RUN,
    URL_SCAN_CAP,
    URL_START,
    VERSION_BEFORE,
    WIN_FWD_MORE,
    WIN_MORE,
)
from asisdk.ioc._refang import RefangMap, run_before
from asisdk.ioc._tlds import NAME_TLDS
from asisdk.ioc._validate import (
    canonical_ipv4,
    is_domain,
    is_host_name,
    is_ipv4,
    is_windows_path,
    numeric_host_ipv4,
    percent_decoded_host,
)

__all__ = ["MAX_URL_VALUE", "Hit", "UrlComponents", "scan"]

#: Which components of a URL are reported besides the URL itself.
UrlComponents = Literal["host", "all"]
_PATH_NAME: Final = re.compile(r"(?<![\w.%-])[\w-]{1,63}(?:\.[\w-]{1,63}){1,126}(?![\w-])")

#: ``(type, value, start, end)`` with offsets into the scanned text.
Hit = tuple[str, str, int, int]
_Add = Callable[[Hit], None]

_HASH_TYPES: Final = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}
# A labelled hash of the right length is of the labelled kind (an imphash is not an md5).
_LABELLED: Final = {("imphash", 32): "imphash", ("authentihash", 64): "authentihash"}
_TLSH_LEN: Final = 72
_SSDEEP_MIN_BLOCK: Final = 3
_SSDEEP_MIN_CHUNK: Final = 8
_MIN_HASH: Final = 32
_LOOKBACK: Final = 40
_URL_TRAIL: Final = ".,;:!?*'\">"
_PATH_TRAIL: Final = ".,;:!?'\"`"
_CLOSERS: Final = {")": "(", "]": "[", "}": "{"}
_OPENERS: Final = {"(": ")", "[": "]"}
_BRACKET_CHARS: Final = {"(": re.compile(r"[()]"), "[": re.compile(r"[\[\]]")}
_NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")
_MAX_PREFIX6: Final = 128
#: A CIDR prefix length after an address (ASCII digits: ``/²`` is not ``/2``).
_PREFIX: Final = re.compile(r"/([0-9]{1,3})")
_MAX_URL_DEPTH: Final = 2
#: Most URLs split out of one run of URL characters (``[a](http://b)](http://c)...``).
_MAX_GLUED: Final = 64
#: Longest URL value reported (longer URLs are found whole; their value is cut here).
MAX_URL_VALUE: Final = 8192
_MAX_HOST: Final = 253
#: Longest scheme written before ``://`` (``git+telnet``), to start a scheme search near it.
_LONGEST_SCHEME: Final = 16
_INNER_FILE_LABELS: Final = frozenset({"exe", "dll", "tar", "sys", "tmp", "bak", "bin", "old"})
_FULL_V6_COLONS: Final = 7
_V4_TAIL_COLONS: Final = 6
# Kana, CJK ideographs and Hangul: text in these scripts often runs into a name unspaced.
_CJK: Final = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_CJK_PREFIX: Final = re.compile(f"[{_CJK}]+(?=[A-Za-z0-9])")
_CJK_SUFFIX: Final = re.compile(f"(?<=[A-Za-z0-9])[{_CJK}]+$")
_MAC: Final = re.compile(r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}")
# The spaced names by their first word, longest first (``Program Files (x86)`` before
# ``Program Files``).
_SPACED: Final[dict[str, list[str]]] = {}
for _name in sorted(SPACED_NAMES, key=len, reverse=True):
    _SPACED.setdefault(_name.split(" ", 1)[0], []).append(_name)
#: The longest first word of a spaced name.
_SPACED_FIRST: Final = max(map(len, _SPACED))
_MORE: Final = {
    "win": WIN_MORE,
    "unc": WIN_MORE,
    "wfwd": WIN_FWD_MORE,
    "reg": REG_MORE,
    "lin": LIN_MORE,
}
_SEPARATOR: Final = {"lin": "/", "wfwd": "/", "win": "\\", "unc": "\\", "reg": "\\"}
# The rest of a path or key past the segment cap (a superset, matched without groups).
_RUNS: Final = {
    "lin": re.compile(r"[\w.+@%=,~/-]*"),
    "win": re.compile(r"[^\s:*?\"'<>|,;`]*"),
    "unc": re.compile(r"[^\s:*?\"'<>|,;`]*"),
    "wfwd": re.compile(r"[^\s\\:*?\"'<>|,;`]*"),
    "reg": re.compile(r"[^\s\"'<>|,;`]*"),
}


def _trim(value: str, trail: str) -> str:
    """Drop trailing punctuation and unbalanced closing brackets in one backward pass (a run
    of ``)`` after a URL costs its length, not its length squared)."""
    end = len(value)
    if not end or (value[-1] not in trail and value[-1] not in _CLOSERS):
        return value
    surplus = {
        closer: value.count(closer) - value.count(opener) for closer, opener in _CLOSERS.items()
    }
    while end:
        last = value[end - 1]
        if last in trail:
            end -= 1
        elif surplus.get(last, 0) > 0:
            surplus[last] -= 1
            end -= 1
        else:
            break
    return value[:end]


# The rest of a component after a well-known name with spaces (``Google Chrome.app``).
_SEG_REST: Final = {
    kind: re.compile(SEG_CHARS["win" if kind in ("unc", "wfwd") else kind] + "*")
    for kind in ("lin", "win", "unc", "wfwd", "reg")
}


# Words with single spaces that a registry key component holds when more of the key follows
# (``Session Manager\\BootExecute``, ``My App\\Settings``): a backslash right after the last.
# No word may start another key (``HKLM\\A and HKCU\\B``): none starts with ``HK``.
_REG_WORDS: Final = re.compile(r"(?: (?![hH][kK])[\w.()-]{1,64}){1,4}(?=\\[^\s\\])")


# In a Windows path the words are folder names (``Flash Player\\bin``): capitalised, no
# dots, after a component that is not a file name; prose (``C:\\Temp and Users\\x``,
# ``C:\\a.exe Temp\\b.exe``) stays out.
def _folder_words(sep: str) -> re.Pattern[str]:
    sep = re.escape(sep)
    return re.compile(rf"(?: [A-Z0-9][\w()-]{{0,63}}){{1,4}}(?={sep}[^\s{sep}])")


_WIN_WORDS: Final = _folder_words("\\")
_WORDS: Final = {
    "reg": _REG_WORDS,
    "win": _WIN_WORDS,
    "unc": _WIN_WORDS,
    "wfwd": _folder_words("/"),
}


def _words_on(text: str, start: int, value: str, kind: str) -> str:
    """Run a key or path on through components with spaces when it goes on after them
    (``HKLM\\SOFTWARE\\My Company\\App``, ``C:\\Users\\bob\\Flash Player\\x.exe``): a word
    list with a backslash right after it is a component, not prose."""
    words_re = _WORDS[kind]
    more = _MORE[kind]
    sep = _SEPARATOR[kind]
    end = start + len(value)
    separators = value.count(sep)
    while separators < MAX_SEGMENTS and text.startswith(" ", end):
        words = words_re.match(text, end)
        if words is None:
            break
        if kind != "reg" and text.find(".", text.rfind(sep, start, end), end) >= 0:
            break  # the component before the space is a file name
        tail = more.match(text, words.end())
        if tail is None or tail.end() == words.end():
            break
        separators += text.count(sep, words.end(), tail.end())
        end = tail.end()
    return text[start:end]


# A macOS bundle whose name has spaces (``/Applications/Google Chrome.app/Contents``): the
# capitalised words after a path up to a bundle extension, then the end of the component.
_BUNDLE_WORDS: Final = re.compile(
    r"(?: [A-Z0-9][\w+@%=,~-]{0,62}){1,4}?"
    rf"\.(?:app|appex|bundle|framework|kext|plugin|prefPane|xpc)(?=/|(?!{SEG_CHARS['lin']}))"
)
_BUNDLE_EXE: Final = ".app/Contents/MacOS/"
_LIN_CHAR: Final = re.compile(SEG_CHARS["lin"])


def _bundle_on(text: str, start: int, value: str) -> str:
    """Run a Unix path on through a bundle name with spaces, and through the executable
    inside it, which is named as the bundle (``Google Chrome.app/Contents/MacOS/Google
    Chrome``). Other words after a path are prose (``/tmp/x and then``)."""
    end = start + len(value)
    seg_at = value.rfind("/") + 1
    exe = value.rfind(_BUNDLE_EXE)
    if exe >= 0 and seg_at == exe + len(_BUNDLE_EXE):
        stem = value[value.rfind("/", 0, exe) + 1 : exe]
        stem_end = start + seg_at + len(stem)
        if (
            " " in stem
            and len(stem) > len(value) - seg_at
            and text.startswith(stem, start + seg_at)
            and not _LIN_CHAR.match(text, stem_end)
        ):
            return text[start:stem_end]
        return value
    if "." in value[seg_at:] or not value[seg_at : seg_at + 1].isupper():
        # the component before the space is a file name, or no capitalised name starts there
        return value
    words = _BUNDLE_WORDS.match(text, end)
    if words is None:
        return value
    tail = LIN_MORE.match(text, words.end())
    return text[start : tail.end() if tail else words.end()]


def _run_on(text: str, start: int, value: str, kind: str) -> str:
    """A path or key followed by a space, run on through spaced components of either kind
    (``Program Files (x86)\\Foo Bar\\x.exe``: a well-known name, then folder words). Each
    step runs as far as it can, so the well-known names are tried again only after folder
    words moved the end."""
    words = _WORDS.get(kind)
    for _ in range(MAX_SEGMENTS):
        value = _spaced(text, start, value, kind)
        end = start + len(value)
        if kind == "lin" and text.startswith(" ", end):
            longer = _bundle_on(text, start, value)
            if len(longer) == len(value):
                return value
            value = longer
            continue
        if words is None or not text.startswith(" ", end) or words.match(text, end) is None:
            return value  # the common case: a switch, prose or another indicator follows
        longer = _words_on(text, start, value, kind)
        if len(longer) == len(value) or not text.startswith(" ", start + len(longer)):
            return longer
        value = longer
    return value


def _registry(text: str, start: int, value: str, add: _Add) -> None:
    # ``HKLM\\.``: the trimmed dot leaves a separator with no component after it.
    value = _trim(value, _PATH_TRAIL).rstrip("\\")
    end = start + len(value)
    gt = value.find(">", 3, 5)  # right after a short hive (``HKU``, ``HKLM``...) only
    if gt > 0:
        # ``<HKLM>\\SOFTWARE\\...``: a hive in angle brackets, as some sandboxes write it
        if start == 0 or text[start - 1] != "<":
            return
        value = value[:gt] + value[gt + 1 :]
    if "\\" in value:
        add(("registry_key", value, start, end))


def _spaced(text: str, start: int, value: str, kind: str) -> str:
    """Run a path or key on through well-known components with spaces (``Windows NT``)."""
    sep = _SEPARATOR[kind]
    seg = value[value.rfind(sep) + 1 :]
    if len(seg) > _SPACED_FIRST or seg.lower() not in _SPACED:
        return value  # the last component starts no spaced name (the common case)
    more = _MORE[kind]
    end = start + len(value)
    seg_start = start + value.rfind(sep) + 1
    while text.startswith(" ", end):
        stop = 0
        for name in _SPACED.get(text[seg_start:end].lower(), ()):
            after = seg_start + len(name)
            if text[seg_start:after].lower() == name and not text[after : after + 1].isalnum():
                stop = after
                break
        if not stop:
            break
        # the rest of the component (``Google Chrome.app``), then more components
        stop = _SEG_REST[kind].match(text, stop).end()  # type: ignore[union-attr]
        tail = more.match(text, stop)
        end = tail.end() if tail else stop
        if end > stop:  # the last segment of the run just matched
            seg_start = text.rfind(sep, stop, end) + 1 or stop
    return text[start:end]


def _hash(text: str, start: int, value: str, add: _Add) -> None:
    kind = _HASH_TYPES[len(value)]
    label = HASH_LABEL_BEFORE.match(_line_before(text, start)[::-1])
    if label:
        kind = _LABELLED.get((label.group(1)[::-1].lower(), len(value)), kind)
    add((kind, value.lower(), start, start + len(value)))


def _tlsh(text: str, start: int, value: str, add: _Add) -> None:
    label = HASH_LABEL_BEFORE.match(_line_before(text, start)[::-1])
    if len(value) == _TLSH_LEN or (label and label.group(1).lower() == "hslt"):
        add(("tlsh", value.upper(), start, start + len(value)))


def _ssdeep(start: int, value: str, add: _Add) -> None:
    """Report ``blocksize:chunk:double_chunk``: the block size is 3 times a power of two."""
    block, chunk, _double = value.split(":")
    size = int(block)
    if size < _SSDEEP_MIN_BLOCK or size % 3 or (size // 3) & (size // 3 - 1):
        return
    if len(chunk) < _SSDEEP_MIN_CHUNK or chunk.isdigit():
        return  # times (``12:30:45``) and short colon runs
    add(("ssdeep", value, start, start + len(value)))


_MAX_LOCAL: Final = 64
_LAST_NON_LOCAL: Final = re.compile(r"(?s:.*)[^\w.+-]")
_LOCAL_CHAR: Final = re.compile(r"[\w.+-]")
#: A local part written with escapes, three characters an escape: the widest run looked at.
_MAX_ESCAPED_LOCAL: Final = 3 * _MAX_LOCAL
_LAST_NON_ESCAPED: Final = {
    "%": re.compile(r"(?s:.*)[^\w.+%-]"),
    "=": re.compile(r"(?s:.*)[^\w.+=-]"),
}
#: One character of a local part as written: an escape (double-encoded ``%25XX`` too) or itself.
_LOCAL_TOKEN: Final = {
    "%": re.compile(r"%(?:25)?([0-9A-Fa-f]{2})|(?s:.)"),
    "=": re.compile(r"=([0-9A-Fa-f]{2})|(?s:.)"),
}


def _decoded_local(raw: str, mark: str) -> tuple[int, str]:
    """Undo the escapes of an e-mail local part as written (``%2B`` -> ``+``) and cut it after
    the last character a local part cannot hold (``mailto%3Aadmin`` -> ``admin``).

    Returns where the kept part starts in ``raw`` and its decoded text (``""``: none kept).
    """
    kept: list[tuple[int, str]] = []  # (where it is written, the character)
    for token in _LOCAL_TOKEN[mark].finditer(raw):
        hexa = token.group(1)
        char = chr(int(hexa, 16)) if hexa else token.group()
        if char.isascii() and _LOCAL_CHAR.fullmatch(char):
            kept.append((token.start(), char))
        else:  # ``:`` of ``mailto:``, a space, a bare ``%``: the address starts after it
            kept.clear()
    while kept and kept[0][1] == ".":
        del kept[0]  # a local part never starts with a dot
    if not kept or len(kept) > _MAX_LOCAL:
        return len(raw), ""
    return kept[0][0], "".join(char for _pos, char in kept)


def _local_before(text: str, end: int, mark: str | None = None) -> tuple[int, str]:
    """The e-mail local part ending at ``end`` and where it starts: the run of ``[\\w.+-]``
    before it, at most 64 characters, not starting with a dot; ``""`` when there is none.

    ``mark`` is the escape character of the ``@`` at ``end`` (``%`` of ``%40``, ``=`` of
    quoted-printable ``=40``): the local part may be written with the same escapes
    (``mailto%3Aadmin%40evil.com``), which are decoded rather than reported.
    """
    pos = run_before(text, end, _LAST_NON_LOCAL, _MAX_LOCAL)
    if mark is not None and pos and text[pos - 1] == mark:
        wide = run_before(text, end, _LAST_NON_ESCAPED[mark], _MAX_ESCAPED_LOCAL)
        offset, local = _decoded_local(text[wide:end], mark)
        return wide + offset, local
    if pos == end - _MAX_LOCAL and pos and _LOCAL_CHAR.match(text, pos - 1):
        return end, ""  # the run is longer than a local part may be
    if pos == end or text[pos] == ".":
        return end, ""
    return pos, text[pos:end]


def _escaped(text: str, start: int, token: str, fanged: RefangMap | None, add: _Add) -> bool:
    """Decode an escaped ``@`` before a name: the e-mail and the domain, not ``40evil.com``."""
    if not start or token[0] not in "24":
        return False  # the common case, decided without slicing
    mark = text[start - 1]
    if mark == "%":  # ``%40`` or, double-encoded, ``%2540``
        digits = 4 if token.startswith("2540") else 2 if token.startswith("40") else 0
    elif mark == "=":  # quoted-printable ``=40``
        digits = 2 if token.startswith("40") else 0
    else:
        return False
    if not digits or not token[digits : digits + 1].isalpha():
        return False
    _at_escape(text, start - 1, start + digits, token[digits:], fanged, add, mark)
    return True


def _at_escape(
    text: str,
    esc: int,
    start: int,
    token: str,
    fanged: RefangMap | None,
    add: _Add,
    mark: str | None = None,
) -> None:
    if "." not in token:
        return
    if is_domain(token):  # cached, and cheaper than finding the local part
        local_start, local = _local_before(text, esc, mark)
        if local and not local.endswith("."):
            add(("email", f"{local}@{token.lower()}", local_start, start + len(token)))
    _dotted(text, start, token, fanged, add)


def _hashes(text: str, start: int, end: int, add: _Add) -> None:
    for m in HASH_IN.finditer(text, start, end):
        value = m.group()
        add((_HASH_TYPES[len(value)], value.lower(), m.start(), m.end()))


def _line_before(text: str, pos: int) -> str:
    start = max(0, pos - _LOOKBACK)
    chunk = text[start:pos]
    cut = chunk.rfind("\n")
    return chunk[cut + 1 :] if cut >= 0 else chunk


def _host(text: str, host: str, start: int, add: _Add, end: int | None = None) -> None:
    """Report a host (URL, UNC, /dev/tcp) as ipv4, ipv6 or dns; ``end`` when the host as
    written is longer than ``host`` (percent-encoded)."""
    end = start + len(host) if end is None else end
    if host.startswith("["):
        _ipv6(text, host[1:-1], start + 1, end - 1, add, cidr=False)
    elif is_ipv4(host):
        add(("ipv4", canonical_ipv4(host), start, end))
    elif (numeric := numeric_host_ipv4(host)) is not None:
        add(("ipv4", numeric, start, end))  # ``http://2130706433/``: 127.0.0.1 in disguise
    elif is_domain(host):
        add(("dns", host.lower(), start, end))


def _url(
    text: str, start: int, raw: str, add: _Add, depth: int = 0, *, inside: bool = False
) -> None:
    """Report a URL match, split where markup ends it: ``[url](url)``, BBCode, glued links."""
    end = start + len(raw)
    for _ in range(_MAX_GLUED):  # a loop, not recursion: ``a](b](c...`` can repeat a long way
        body = raw.index("://") + 3
        link = raw.find("](", body)
        if raw.find("://", body) >= 0:  # another URL glued on: ``...,https://``?
            glued = URL_GLUED.search(raw, body, link if link >= 0 else len(raw))
            link = glued.start() if glued is not None else link
        part = _cut_markup(text, start, raw[:link] if link >= 0 else raw)
        if start and text[start - 1] in ",;":
            # ``url,https://a.com/x,next field``: a URL that starts a CSV field ends with it
            field_end = part.find(text[start - 1])
            part = part[:field_end] if field_end > 0 else part
        _one_url(text, start, part, add, depth, inside=inside)
        if len(part) == len(raw):
            return
        # Every character up to ``end`` is a URL character: the next URL runs to ``end`` too.
        # ``str.find`` first: a long tail without ``://`` (``http://a.com]]]]...``) is
        # skipped at memchr speed instead of trying the scheme pattern at every character.
        colon = text.find("://", start + len(part), end)
        if colon < 0:
            return
        inner = URL_START.search(text, max(start + len(part), colon - _LONGEST_SCHEME), end)
        if inner is None:
            return
        start, raw = inner.start(), text[inner.start() : end]


def _close_at(value: str, opener: str) -> str:
    """Cut ``value`` at the first bracket that closes the ``opener`` written before it."""
    closer = _OPENERS[opener]
    if opener not in value:
        cut = value.find(closer)
        return value if cut < 0 else value[:cut]
    depth = 0
    for found in _BRACKET_CHARS[opener].finditer(value):
        pos, char = found.start(), found.group()
        if char == opener:
            depth += 1
        elif char == closer:
            if depth == 0:
                return value[:pos]
            depth -= 1
    return value


def _cut_markup(text: str, start: int, raw: str) -> str:
    prefix = text[start - 1] if start else ""
    tag = raw.find("[/")
    if tag >= 0:
        raw = raw[:tag]  # ``[url]http://a.com/x[/url]``: a BBCode closing tag
    if raw.endswith("$") and text.startswith("{", start + len(raw)):
        raw = raw[:-1]  # ``${jndi:ldap://a.com/${env:KEY}}``: a nested Log4j lookup
    if prefix in _OPENERS and _OPENERS[prefix] in raw:
        raw = _close_at(raw, prefix)  # ``(http://a.com)[b]``: glued markdown links
    if "]" in raw:
        raw = _close_at(raw, "[")  # ``[url=http://a.com/x]text[/url]``: BBCode
    return raw


def _one_url(text: str, start: int, raw: str, add: _Add, depth: int, *, inside: bool) -> None:
    prefix = text[start - 1] if start else ""
    value = _trim(raw, _URL_TRAIL + ("_" if prefix == "_" else ""))
    if "://" not in value:
        return
    scheme_end = value.index("://") + 3
    rest = value[scheme_end:]
    cut = len(rest)
    for sep in "/?#":
        pos = rest.find(sep)
        if 0 <= pos < cut:
            cut = pos
    authority = rest[:cut]
    hostport = authority.rsplit("@", 1)[-1]
    host_start = start + scheme_end + len(authority) - len(hostport)
    if hostport.startswith("["):
        close = hostport.find("]")
        host = hostport[: close + 1] if close > 0 else ""
    elif hostport.count(":") > 1:
        # ``http://2001:db8::1/``: an IPv6 written without brackets is no URL, but an address
        if _valid_v6(hostport):
            _ipv6(text, hostport, host_start, host_start + len(hostport), add, cidr=False)
        return
    else:
        host = hostport.split(":", 1)[0]
    if not host and value[:scheme_end].lower() == "file://" and value[scheme_end:].strip("/"):
        _hostless(text, start, value, add)  # ``file:///etc/passwd``: a local file
        return
    if not host or len(host) > _MAX_HOST:
        return
    # the host a browser connects to: ``%38%31%2e%34...`` is ``81.4...``
    named = percent_decoded_host(host) if "%" in host else host
    if not (host.startswith("[") or is_host_name(named)):
        return
    if host.startswith("[") and not _valid_v6(host[1:-1]):
        return
    host_off = host_start - start
    lowered = (
        value[:scheme_end].lower()
        + value[scheme_end:host_off]
        + host.lower()
        + value[host_off + len(host) :]
    )
    end = start + len(value)
    # The whole URL is found and its span kept; only the value stored is shortened, and so
    # that it stays a URL of the same host: over-long user info goes, then the path is cut.
    if len(lowered) > MAX_URL_VALUE:
        lowered = lowered[:scheme_end] + lowered[host_off:]
        lowered = lowered[:MAX_URL_VALUE]
    add(("url", lowered, start, end))
    _host(text, named, host_start, add, host_start + len(host))
    path_start = host_start + len(host)
    if end - path_start >= _MIN_HASH:
        _hashes(text, path_start, end, add)
    if inside and "." in value[path_start - start :]:
        # ``url_components="all"``: names and addresses in the path and query too.
        for piece in _PATH_NAME.finditer(text, path_start, end):
            _dotted(text, piece.start(), piece.group(), None, add)
    if depth >= _MAX_URL_DEPTH:
        return
    if "://" in value[scheme_end:]:
        for inner in URL_NESTED.finditer(text, start + scheme_end, end):
            _url(text, inner.start(), inner.group(), add, depth + 1, inside=inside)
    if "%3a%2f%2f" in value.lower():
        decoded = unquote(value[scheme_end:])
        for inner in URL_IN.finditer(decoded):
            sub: list[Hit] = []
            _url(decoded, inner.start(), inner.group(), sub.append, depth + 1, inside=inside)
            # decoded text has its own offsets: report the whole outer URL as the span.
            for kind, val, _s, _e in sub:
                add((kind, val, start, end))


_HEX_PAIR: Final = re.compile(r"[0-9A-Fa-f]{2}")
_PCT_SCHEME_SEP: Final = re.compile(r"%3[aA]%2[fF]%2[fF]")
_NOT_URL_CHAR: Final = re.compile(r"(?s:.*)[\s<>\"'`|{}\\^]")
_URL_RUN: Final = re.compile(r"[^\s<>\"'`|{}\\^]*")
_URL_RUN_LOOKBACK: Final = 2048


def _encoded_urls(text: str, add: _Add, *, inside: bool) -> bool:
    """``href="http%3A%2F%2Fevil.com%2Fa.hta"``: a percent-encoded URL on its own (one in a
    URL's query is decoded with that URL) is reported decoded, with its encoded span.
    Whether any was found.

    Each run of URL characters is measured once, whatever the number of separators in it:
    the first decoded URL takes the rest of the run, and a run with a ``://`` before a
    separator is a URL already scanned.
    """
    found = False
    run_end = covered = 0
    plain = -1  # where the first ``://`` of the current run is (-1: none)
    for sep in _PCT_SCHEME_SEP.finditer(text):
        pos = sep.start()
        if pos < covered:
            continue  # inside the encoded URL just decoded
        if pos >= run_end:
            run = run_before(text, pos, _NOT_URL_CHAR, _URL_RUN_LOOKBACK)
            run_end = _URL_RUN.match(text, pos).end()  # type: ignore[union-attr]
            plain = text.find("://", run, run_end)
        if 0 <= plain < pos:
            covered = run_end  # inside a URL: decoded with it
            continue
        start = pos
        while start > pos - _LONGEST_SCHEME and start > 0 and text[start - 1].isalnum():
            start -= 1
        if text[start:pos].lower() not in SCANNER_URL_SCHEMES:
            continue
        covered = run_end
        decoded = unquote(text[start:run_end])
        sub: list[Hit] = []
        for inner in URL_IN.finditer(decoded):
            _url(decoded, inner.start(), inner.group(), sub.append, 1, inside=inside)
        for kind, value, _s, _e in sub:
            add((kind, value, start, run_end))
            found = True
    return found


#: The host of an authority without user information or a bracketed address (the scanner
#: finds those itself), and the character that may follow it.
_BARE_HOST: Final = re.compile(r"[\w-]{1,63}(?:\.[\w-]{1,63}){1,126}(?=[/:?#]|(?![\w@\[.-]))")


def _scheme_host(text: str, start: int, fanged: RefangMap | None, add: _Add) -> None:
    """Report the host after the ``://`` of an unknown scheme as a bare name would be: the
    scanner does not start a name right after a slash (``/mirror/foo.com/`` is a path)."""
    host = _BARE_HOST.match(text, start)
    if host is not None:
        _dotted(text, start, host.group(), fanged, add)


def _hostless(text: str, start: int, value: str, add: _Add) -> None:
    end = start + len(value)
    add(("url", value[:7].lower() + value[7:], start, end))
    if len(value) >= _MIN_HASH:
        _hashes(text, start, end, add)


def _valid_v6(address: str) -> bool:
    try:
        ipaddress.IPv6Address(address.split("%", 1)[0])
    except ValueError:
        return False
    return address != "::"


def _ipv6(text: str, cand: str, start: int, end: int, add: _Add, *, cidr: bool = True) -> None:
    address = cand.split("%", 1)[0]  # the zone index is dropped
    span_end = start + len(address)
    head, _, tail = address.rpartition(":")
    if "." in tail and is_ipv4(tail):
        address = f"{head}:{canonical_ipv4(tail)}"  # ``::ffff:010.001.002.003``
    if "::" not in address:
        colons = address.count(":")
        # Without ``::`` an address has 8 groups, or 6 groups and a dotted IPv4 tail.
        if colons != _FULL_V6_COLONS and not (colons == _V4_TAIL_COLONS and "." in address):
            if _MAC.fullmatch(address):  # six colon-separated octets: a MAC, not IPv6
                add(("mac", address.lower(), start, span_end))
            return  # times (10:30:45) and other colon runs
    if address == "::":
        return
    parsed = _v6_address(address)
    if parsed is None:
        return
    ip, embedded = parsed
    value = address.lower()
    prefix = _PREFIX.match(text, end) if cidr else None
    if prefix:
        digits = prefix.group(1)
        if int(digits) <= _MAX_PREFIX6:
            network = ipaddress.IPv6Network(f"{address}/{digits}", strict=False)
            if network.network_address != ip:
                value = network.network_address.compressed
    if value == "::":
        return  # ``::/0`` and the like: ``::`` alone is never reported
    add(("ipv6", value, start, span_end))
    if embedded is not None:
        add(("ipv4", embedded, start, span_end))


@functools.lru_cache(maxsize=4096)
def _v6_address(address: str) -> tuple[ipaddress.IPv6Address, str | None] | None:
    """The parsed address and the IPv4 inside it (mapped or NAT64), or ``None`` when it is
    not one. Cached: parsing costs microseconds and addresses recur (``::1``, ``fe80::1``)."""
    try:
        ip = ipaddress.IPv6Address(address)
    except ValueError:
        return None
    groups = [g for g in address.split(":") if g]
    if "::" in address and len(groups) <= 2 and all(g.isalpha() for g in groups):
        return None  # a C++/Rust-style scope such as ``ab::cd``, not an address
    embedded = ip.ipv4_mapped
    if embedded is None and ip in _NAT64:
        embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip, None if embedded is None else str(embedded)


_LEADING_DASH: Final = re.compile(r"-[a-z0-9_]")
#: What may come before a name written with a stray leading dash.
_OPEN: Final = frozenset(" \t\r\n\"'([{<")


def _dotted(text: str, start: int, token: str, fanged: RefangMap | None, add: _Add) -> None:
    if start and text[start - 1] == "%" and _HEX_PAIR.match(token):
        # ``%2Fevil.com``, ``%2010.0.0.1``: the two hex digits belong to the escape
        token = token[2:]
        start += 2
        if not token[:1].isalnum():
            return
    if token[0] == "-" and _LEADING_DASH.match(token) and (not start or text[start - 1] in _OPEN):
        # ``-bad.example.com`` in a list or after a space: no label starts with ``-``. A
        # capital or a second dash after it is a switch (``-Duser.home``, ``--log.level``).
        token = token[1:]
        start += 1
    if token.endswith("_"):  # markdown emphasis: ``_evil.com_``
        core = token.rstrip("_")
        if token.startswith("_"):
            start += len(core) - len(core.lstrip("_"))
            core = core.lstrip("_")
        token = core
        if "." not in token:
            return
    if not token.isascii():
        glued = _CJK_PREFIX.match(token)
        if glued:  # ``访问evil.com``: CJK text runs into the name without a space
            start += glued.end()
            token = token[glued.end() :]
        tail = _CJK_SUFFIX.search(token)
        if tail:  # ``evil.com后下载``: and out of it
            token = token[: tail.start()]
    end = start + len(token)
    if text.startswith("\\", end):
        return  # a segment of a relative Windows path
    last = token[token.rfind(".") + 1 :]
    if last.isdigit():
        if is_ipv4(token) and not _version_or_oid(text, start, end, token):
            add(("ipv4", canonical_ipv4(token), start, end))
        return
    if len(token) >= _MIN_HASH:
        _hashes(text, start, end, add)
    tld = last.lower()
    if tld not in NAME_TLDS or text.startswith("(", end):
        return
    labels = token.split(".")
    if last[0].isupper() and not last.isupper():
        # ``dropped.It``: a sentence with a missing space; ``WebClient.Run``: code.
        for label in labels[:-1]:
            if label.islower() or (label[1:] != label[1:].lower() and not label.isupper()):
                return
    lowered = token.lower()
    if (
        tld in FILE_EXTENSION_TLDS
        and (
            len(labels) == 2
            or any(lab.lower().split("-", 1)[0] in _INNER_FILE_LABELS for lab in labels[1:-1])
        )
        and (fanged is None or not fanged.touches(start, end))
    ):
        return
    if (fanged is None or not fanged.touches(start, end)) and (
        lowered in CODE_NAMES
        or _code_name(text, start, end, labels)
        or _identifier_name(text, start, token, labels)
    ):
        return
    if is_domain(token):
        add(("dns", lowered, start, end))


def _hex_address(text: str, start: int, value: str, add: _Add) -> None:
    # ``ping 0x7f000001``: a hexadecimal address given to a network tool (anywhere else a
    # hex number is a constant, a flag or a handle)
    if NETWORK_TOOL_BEFORE.search(_line_before(text, start)) is None:
        return
    address = numeric_host_ipv4(value)
    if address is not None:
        add(("ipv4", address, start, start + len(value)))


def _version_or_oid(text: str, start: int, end: int, token: str) -> bool:
    """Whether a dotted quad is a version (``FileVersion 4.0.0.1``) or an OID (``2.5.4.3``)."""
    if (
        start > 1
        and text[start - 1] == "~"
        and (text[start - 2] == "~" or text[start - 2].isalnum())
    ):
        return True  # a Windows component identity: ``Package_for_KB123~token~amd64~~6.1.1.0``
    before = _line_before(text, start)[::-1]
    if VERSION_BEFORE.match(before) or OID_BEFORE.match(before):
        return True
    if not token.startswith(OID_ARCS):
        return False
    # ``2.5.29.17 (subjectAltName)``, ``2.5.4.3=CN``: an OID named or assigned right after.
    return bool(_OID_AFTER.match(text, end))


_OID_AFTER: Final = re.compile(r"\s*(?:\(\s*[A-Za-z][\w-]*\s*\)|=\s*[A-Za-z])")
_CODE_CHARS: Final = re.compile(r"[(){};$\[\]]")
#: Characters on each side of a name examined to tell code from prose.
_CODE_WINDOW: Final = 48
#: Code characters in that window that make it code.
_CODE_MIN: Final = 3


def _code_name(text: str, start: int, end: int, labels: list[str]) -> bool:
    """Whether a dotted name is property access in script code, not a domain."""
    first = labels[0].lower()
    if first in CODE_RECEIVERS or any(label == "prototype" for label in labels):
        return True
    if labels[-1].lower() not in CODE_MEMBER_TLDS:
        return False
    if text.startswith("=", end) and not text.startswith("==", end):
        return True  # the key of ``key=value`` (``user.name=curi``, ``os.name=Linux``)
    window = text[max(0, start - _CODE_WINDOW) : end + _CODE_WINDOW]
    return len(_CODE_CHARS.findall(window)) >= _CODE_MIN


def _identifier_name(text: str, start: int, token: str, labels: list[str]) -> bool:
    """Whether a dotted name is a reverse-DNS identifier, a namespace or an AV detection name.

    ``com.tencent.mm`` (an Android package, a macOS bundle id) starts with a TLD-like label
    that never begins a host name (and has no hyphen); ``Backdoor.Linux.Gafgyt.gu`` and
    ``HEUR:Trojan.Win32.Agent.bz`` follow the anti-virus naming scheme (category, platform,
    family, variant) and are written in capitals, which domains in reports are not.
    """
    if (
        len(labels) >= _MIN_IDENT_LABELS
        and labels[0] in REVERSE_DNS_FIRST
        and "-" not in token
        and labels[-1].lower() not in _LEGACY_TLDS
    ):
        # package names are identifiers: no hyphen, and they end in a name (``mm``, ``ac``),
        # not in ``.com`` as a host does (``net.anydesk.com``)
        return True
    if token.islower():
        return False
    if labels[0].lower() in CODE_NAMESPACES and labels[-1].lower() not in _LEGACY_TLDS:
        # ``Microsoft.Storage/storageAccounts``, ``MICROSOFT.NETWORK/...``: an Azure resource
        # provider; ``Microsoft.Windows.Kernel.Power``: an ETW provider (``Microsoft.com``
        # is still a domain)
        return True
    if len(labels) < _MIN_IDENT_LABELS:
        return False
    if any(label.lower() in AV_NAME_LABELS for label in labels[:-1]):
        return True
    return bool(_AV_PREFIX.search(text, max(0, start - _AV_PREFIX_LOOK), start))


#: TLDs a capitalised ``Microsoft.`` or ``System.`` name, or a name starting with ``net.``
#: or ``com.``, is still a domain in.
_LEGACY_TLDS: Final = frozenset({"com", "net", "org"})
#: Labels a reverse-DNS identifier or an AV detection name has at least.
_MIN_IDENT_LABELS: Final = 3
#: A verdict prefix right before an AV name (``HEUR:``, ``Trojan:``, ``Gen:``).
_AV_PREFIX: Final = re.compile(r"(?<![\w-])(?:HEUR|Trojan|Gen|Generic|not-a-virus)(?::[\w-]+)*:\Z")
_AV_PREFIX_LOOK: Final = 40


def _email(text: str, start: int, value: str, add: _Add) -> None:
    local, domain = value.rsplit("@", 1)
    dstart = start + len(local) + 1
    if not is_domain(domain):
        if is_ipv4(domain):
            # ``ssh root@10.0.0.5``, ``admin@192.0.2.1``: a user at a host, no e-mail (an
            # address literal of an e-mail is bracketed), but the address is an indicator
            add(("ipv4", canonical_ipv4(domain), dstart, dstart + len(domain)))
        return
    if local.startswith("-"):
        # ``-----bob@evil.com``, ``--to=...``: a rule or option dash, not the address
        cut = len(local) - len(local.lstrip("-"))
        local = local[cut:]
        start += cut
    if "%" in local:
        # ``mailto%3Aadmin@evil.com``, ``bob%2Balice@evil.com``: escapes, not the address
        offset, local = _decoded_local(local, "%")
        start += offset
    if local:
        add(("email", f"{local}@{domain.lower()}", start, dstart + len(domain)))
    add(("dns", domain.lower(), dstart, dstart + len(domain)))


def _windows(text: str, start: int, raw: str, add: _Add, *, quoted: bool) -> None:
    value = raw if quoted else _trim(raw, _PATH_TRAIL)
    if quoted:
        value = value.rstrip()
        if value[1:3] == ":/":
            value = value.rstrip("\\")  # ``\"C:/Users/x/\"`` in JSON: the escape of the quote
    if len(value) < 3 or value.endswith((":\\", "%\\", ":/")):
        return
    end = start + len(value)
    if not quoted and "\\\\" in value[2:]:
        value = value[:2] + value[2:].replace("\\\\", "\\")  # JSON-escaped separators
    if not is_windows_path(value):  # e.g. "\\\\http://": a UNC prefix with no host
        return
    add(("windows_path", value, start, end))
    if value.startswith("\\\\"):
        host = value[2:].split("\\", 1)[0].split("@", 1)[0]
        _host(text, host, start + 2, add)
    if len(value) >= _MIN_HASH:
        _hashes(text, start, end, add)


def _linux(text: str, start: int, raw: str, add: _Add) -> None:
    value = _trim(raw, _PATH_TRAIL)
    end = start + len(value)
    if value.count("/") < 2 or (value.endswith("/") and value.count("/") < 3):
        return
    if text.startswith(" HTTP/", end) or (
        start  # a request target follows its method and a space
        and text[start - 1].isspace()
        and HTTP_TARGET_BEFORE.match(_line_before(text, start)[::-1])
    ):
        return
    add(("linux_path", value, start, end))
    if value.startswith(("/dev/tcp/", "/dev/udp/")):
        host = value[9:].split("/", 1)[0]
        _host(text, host, start + 9, add)
    if len(value) >= _MIN_HASH:
        _hashes(text, start, end, add)


def scan(
    text: str,
    fanged: RefangMap | None = None,
    *,
    url_components: UrlComponents = "host",
    add: _Add | None = None,
) -> list[Hit]:
    """Return every built-in hit in ``text`` (already refanged), in text order.

    Args:
        text: the (refanged) text.
        fanged: the offset map of the refanging, used by the "unless defanged" rule.
        url_components: ``"host"`` reports a URL's host; ``"all"`` also the domains and
            addresses in its path and query (``?redirect=evil.com``, ``/foo.com/``).
        add: called with each hit instead of collecting them (the list returned is then
            empty): a caller that keeps only distinct values holds those, not every hit.
    """
    inside = url_components == "all"
    hits: list[Hit] = []
    if add is None:
        add = hits.append
    covered = 0  # the end of the last path run on through spaced names
    search = SCANNER.search
    kinds = SCANNER_KINDS
    position = 0
    while True:
        m = search(text, position)
        if m is None:
            break
        position = m.end()
        kind, before, after = kinds[m.lastgroup or ""]
        start = m.start() + before
        value = text[start : position - after] if before or after else m.group()
        if kind == "url" and value[: value.index("://")].lower() not in SCANNER_URL_SCHEMES:
            # Not a scheme we know (``android-app://``, ``x[://]evil.com``): not a URL, but its
            # host is still a name; the rest is scanned again from the next character.
            position = m.start() + 1
            _scheme_host(text, start + value.index("://") + 3, fanged, add)
            continue
        if kind == "url" and len(value) > URL_SCAN_CAP:
            # the scanner's match stops after URL_SCAN_CAP characters of body: run it on
            run = URL_RUN.match(text, position)
            if run is not None and run.end() > position:
                position = run.end()
                value = text[start:position]
        if (
            len(value) >= MAX_SEGMENTS  # it holds at least as many characters as separators
            and kind in _RUNS
            and value.count(_SEPARATOR[kind]) >= MAX_SEGMENTS
        ):
            # A path longer than the pattern's segment cap: skip the rest of it in one step
            # instead of trying every position inside it.
            run = _RUNS[kind].match(text, position)
            position = run.end() if run else position
        if start < covered:
            continue
        if kind in _MORE and text.startswith(" ", start + len(value)):
            value = _run_on(text, start, value, kind)
            covered = start + len(value)
        if kind == "dotted":
            if not _escaped(text, start, value, fanged, add):
                _dotted(text, start, value, fanged, add)
        elif kind == "url":
            _url(text, start, value, add, inside=inside)
        elif kind == "lin":
            _linux(text, start, value, add)
        elif kind == "win" or kind == "unc" or kind == "wfwd":
            _windows(text, start, value, add, quoted=False)
        elif kind == "hash":
            _hash(text, start, value, add)
        elif kind == "v6":
            _ipv6(text, value, start, start + len(value), add)
        elif kind == "xdom":
            _at_escape(text, start - before, start, value, fanged, add)
        elif kind == "tlsh":
            _tlsh(text, start, value, add)
        elif kind == "ssdeep":
            _ssdeep(start, value, add)
        elif kind == "qwin" or kind == "cqwin":
            _windows(text, start, value, add, quoted=True)
        elif kind == "email":
            _email(text, start, value, add)
        elif kind == "mac":
            add(("mac", value.lower(), start, start + len(value)))
        elif kind == "cmac":
            if not VERSION_BEFORE.match(
                _line_before(text, start)[::-1]
            ):  # ``build 2021.0415.1200``
                add(("mac", value.lower(), start, start + len(value)))
        elif kind == "cve":
            add(("cve", f"CVE-{value[4:8]}-{value[9:]}", start, start + len(value)))
        elif kind == "reg":
            _registry(text, start, value, add)
        elif kind == "hexip":
            _hex_address(text, start, value, add)
    if "%3" in text and _encoded_urls(text, add, inside=inside) and hits:
        hits.sort(key=lambda hit: hit[2])  # stable: hits of one start keep their order
    return hits
