"""The regular expressions of the built-in indicator types.

One combined scanner (:data:`SCANNER`) finds every candidate in a single pass; which
alternative matched (:data:`SCANNER_KINDS`) says what shape was found, and
:mod:`asisdk.ioc._scan` decides what it is (TLD check, octet range, file-name and version
traps) and pulls out the components (the host of a URL, the domain of an email, a hash inside
a path...).

Backtracking is bounded by construction: every branch checks, right after its first character,
a lookbehind that fails inside a run of its own characters (so a run of dots, digits, hyphens,
colons, slashes or backslashes has one starting point), repetitions are unambiguous (segments
are separated by a character they cannot contain, label runs are possessive) and lengths are
capped.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "AV_NAME_LABELS",
    "BUILTIN_PRIORITIES",
    "BUILTIN_TYPES",
    "CODE_MEMBER_TLDS",
    "CODE_NAMES",
    "CODE_NAMESPACES",
    "CODE_RECEIVERS",
    "FILE_EXTENSION_TLDS",
    "HASH_IN",
    "HASH_LABEL_BEFORE",
    "HTTP_TARGET_BEFORE",
    "LIN_MORE",
    "MAX_SEGMENTS",
    "NETWORK_TOOL_BEFORE",
    "OID_ARCS",
    "OID_BEFORE",
    "REG_MORE",
    "REVERSE_DNS_FIRST",
    "SCANNER",
    "SCANNER_KINDS",
    "SCANNER_URL_SCHEMES",
    "SEG_CHARS",
    "SPACED_NAMES",
    "TYPO_PUNCT",
    "URL_GLUED",
    "URL_IN",
    "URL_NESTED",
    "URL_RUN",
    "URL_SCAN_CAP",
    "URL_SCHEMES",
    "URL_SCHEME_PREFIX",
    "URL_START",
    "VERSION_BEFORE",
    "WIN_FWD_MORE",
    "WIN_MORE",
]

#: The URL schemes recognised: the web, file transfer, and the schemes of lateral movement,
#: C2 channels and JNDI injection (``${jndi:ldap://...}``). Matched case-insensitively.
URL_SCHEMES: Final = (
    "dns",
    "file",
    "ftp",
    "ftps",
    "git",
    "http",
    "https",
    "iiop",
    "irc",
    "ldap",
    "ldaps",
    "rdp",
    "rmi",
    "s3",
    "sftp",
    "smb",
    "ssh",
    "tcp",
    "telnet",
    "udp",
    "vnc",
    "ws",
    "wss",
)
#: Scheme prefixes of version-control transports (``git+ssh://``, ``svn+ssh://``).
URL_SCHEME_PREFIX: Final = r"(?:(?i:git|svn|bzr|hg)\+)?"
# Longest first, so that ``https`` is not cut to ``http`` (the ``://`` would fail anyway).
_URL_SCHEME = (
    URL_SCHEME_PREFIX + "(?i:" + "|".join(sorted(URL_SCHEMES, key=len, reverse=True)) + ")://"
)
#: Typographic punctuation that word processors put around indicators: curly and low quotes,
#: primes, guillemets, dashes, ellipsis, bullets, ¡ ¿ § ¶ ·, CJK and full-width punctuation,
#: and the invisible format characters editors slip in (zero-width space, joiners, direction
#: marks, byte order mark). Never part of an indicator: always a boundary.
TYPO_PUNCT: Final = (
    "\u00a1\u00a7\u00ab\u00b6\u00b7\u00bb\u00bf\u200b-\u200f\u2010-\u2027\u2030-\u2064"
    "\u3000-\u303f\ufe10-\ufe6f\ufeff\uff00-\uffef"
)
_OPEN_QUOTES = "\u201c\u2018\u00ab\u201e"  # “ ‘ « „
_CLOSE_QUOTES = "\u201d\u2019\u00bb\u201c"  # ” ’ » “
# What a URL may contain: no whitespace, quotes, backticks, angle brackets, pipes, braces,
# backslashes, carets, and never typographic punctuation.
_URL_CHAR = rf"[^\s<>\"'`|{{}}\\^{TYPO_PUNCT}]"
_URL_BODY = _URL_CHAR + r"+"
#: Most characters of a URL's body the scanner takes in one match; the scan runs a longer URL
#: on with :data:`URL_RUN`. A scheme the scan then rejects (``foo://``) costs at most this
#: much, not the rest of its run: ``foo://a/`` repeated a megabyte would cost its length
#: squared.
URL_SCAN_CAP: Final = 256
#: The rest of a run of URL characters.
URL_RUN: Final = re.compile(_URL_CHAR + "*")
# A placeholder component written in a report (``C:\Users\<username>\AppData``,
# ``HKEY_USERS\<USER SID>\Software``): only between separators, so ``C:\Temp\<br>`` is not
# one. It starts with ``<``, which no other component holds: the two never compete.
_PLACEHOLDER = r"<\w[\w -]{0,63}>(?=\\)"
#: The characters of one component of a Windows path, a registry key and a Unix path.
SEG_CHARS: Final = {
    "win": rf"[^\s\\/:*?\"'<>|,;`{TYPO_PUNCT}]",
    "reg": rf"[^\s\\\"'<>|,;`{TYPO_PUNCT}]",
    "lin": r"[\w.+@%=,~-]",
}
_WIN_SEG = rf"(?:{_PLACEHOLDER}|{SEG_CHARS['win']}{{1,255}})"
_REG_SEG = rf"(?:{_PLACEHOLDER}|{SEG_CHARS['reg']}{{1,255}})"
_LIN_SEG = SEG_CHARS["lin"] + r"{1,255}"
_HEX = "[0-9A-Fa-f]"
# Hyphen, non-breaking hyphen, figure dash, en and em dash.
_DASHES = "\u2010-\u2014"
#: Most segments of one path or key matched: the regex engine keeps state per repetition, so
#: an unbounded ``(?:/seg)+`` over ``"/a" * 5_000_000`` costs hundreds of bytes a character.
MAX_SEGMENTS: Final = 512
_HASH = f"{_HEX}{{128}}|{_HEX}{{64}}|{_HEX}{{40}}|{_HEX}{{32}}"
_LABEL = r"[\w-]{1,63}"
# How a quoted Windows path starts (inside quotes it may hold spaces).
_QUOTED_ROOT = r"(?:[A-Za-z]:[\\/]|\\\\[\w.$@-]|%\w{1,64}%\\|\$[eE][nN][vV]:\w{1,64}\\)"

# Each alternative of the scanner starts with the character class of its first character and
# checks what must not come before it only after that character (a lookbehind one character
# wider): the regex engine then skips, at C speed, every alternative whose first character
# does not fit, instead of entering each one to fail. Each alternative ends with an empty
# group whose name says what was found (``m.lastgroup``); the match is the candidate.
_G = r"(?<![A-Za-z0-9])"
# What an indicator starting here must show within its first characters: a separator
# (``.``, ``@``, ``:``, ``\``, ``/``) after at most a label's worth of name characters, or
# the shape of a hash, MAC or CVE. A plain word fails this one check instead of every
# alternative (the bound keeps runs such as ``-a-a-a...`` linear). Only a name (``_dmarc``)
# starts with ``_``, and never right after a word character: a run of ``_`` fails at once.
# Every alternative leads with a character class or a literal, which the engine tests before
# entering it (a group of alternatives or an optional ``(?:T1)?`` would be entered at every
# word start: 10% of the scan).
_STARTS = (
    rf"(?=[\w+%-](?<!\w_)[\w+%-]{{0,69}}+[.@:\\/$~]|[:\\/$~]"
    rf"|{_HEX}(?:{_HEX}{{31}}|{_HEX}-{_HEX}{{2}}-)|T1{_HEX}{{32}}|[cC][vV][eE][-\ {_DASHES}]"
    r"|HK(?:LM|CU|CR|U|CC)>|0[xX][0-9A-Fa-f])"
)
_V6_TAIL = rf"(?:{_HEX}{{1,4}}|\d{{1,3}}(?:\.\d{{1,3}}){{3}})?(?:%[\w.-]{{1,32}})?(?![\w:]|\.\w)"
_WIN_TAIL = rf"(?:\\{{1,2}}{_WIN_SEG}){{1,{MAX_SEGMENTS}}}\\?"
_WIN_FWD_TAIL = rf"(?:/{_WIN_SEG}){{1,{MAX_SEGMENTS}}}/?"
_DOTTED_TAIL = rf"(?:\.{_LABEL}+){{1,126}}+(?![\w@-]|\.[\w-])"
_LIN_TAIL = rf"(?:/{_LIN_SEG}){{1,{MAX_SEGMENTS}}}/?"
_LIN_BEFORE = r"(?<![\w./\\~$+-].)(?<!\b[A-Za-z]:.)"
_BARE = rf"""
    # The scheme is checked against URL_SCHEMES by the caller (a table, not 23 branches).
      [A-Za-z][A-Za-z0-9+]{{0,15}}://{_URL_CHAR}{{1,{URL_SCAN_CAP}}}(?P<url>)
    # A UNC path; ``\\.\C:\...`` is a drive behind the device prefix, not the host ``.``.
    | \\(?<![\w\\].)\\(?!\.\\[A-Za-z]:)[\w.$@-]{{1,255}}
          (?:\\{_WIN_SEG}){{1,{MAX_SEGMENTS}}}\\?(?P<unc>)
    # A drive, also after the NT and Win32 device prefixes (``\??\C:\Windows\...``, as
    # Windows writes conhost's command line, ``\\?\C:\...``, ``\\.\C:\...``): the path
    # starts at the drive letter.
    # Also with forward slashes, as PowerShell, Python, Java and browsers accept them
    # (``C:/Users/bob/AppData/x.exe``), but not inside a path or a ``file:///C:/`` URL.
    | [A-Za-z](?:(?<![\w\\].)|(?<=\\\?\?\\.|\\\\\?\\.|\\\\\.\\.)):
          (?:{_WIN_TAIL}(?P<win>)|(?<![\w\\/.]..){_WIN_FWD_TAIL}(?P<wfwd>))
    | %(?<![\w\\].)\w{{1,64}}%{_WIN_TAIL}(?P<win_pct>)
    | \$(?<![\w\\].)[eE][nN][vV]:\w{{1,64}}{_WIN_TAIL}(?P<win_env>)
    # A hive starts a key, also after regedit's ``Computer\\`` address bar prefix.
    | H(?:(?<![\w\\].)|(?<=[cC]omputer\\.))
          (?:KEY_(?:LOCAL_MACHINE|CURRENT_USER|CLASSES_ROOT|USERS|CURRENT_CONFIG)
          |K(?:LM|CU|CR|U|CC))[:>]?(?:\\{_REG_SEG}){{1,{MAX_SEGMENTS}}}(?P<reg>)
    | [\w+%-](?<![\w.+%-].)[\w+%-]{{0,63}}+(?:\.[\w+%-]{{1,64}}+){{0,16}}+
          @{_LABEL}+(?:\.{_LABEL}+){{1,126}}+(?![\w-]|\.[\w-])(?P<email>)
    | {_HEX}(?<![\w-].){_HEX}(?:-{_HEX}{{2}}){{5}}(?![\w-])(?P<mac>)
    | {_HEX}(?<![\w.-].){_HEX}{{3}}\.{_HEX}{{4}}\.{_HEX}{{4}}(?![\w@-]|\.[\w-])(?P<cmac>)
    # ``CVE 2021-44228`` too, and the dashes word processors put in (non-breaking, en, em).
    | [cC](?<![\w-].)[vV][eE][-\ {_DASHES}]\d{{4}}[-{_DASHES}]\d{{4,7}}(?![\w-])(?P<cve>)
    | T1{_HEX}{{70}}(?![0-9A-Za-z])(?P<tlsh_t1>)
    | {_HEX}{{70}}(?![0-9A-Za-z])(?P<tlsh>)
    | \d(?<![\w:].)\d{{0,7}}:[A-Za-z0-9+/]{{1,64}}:[A-Za-z0-9+/]{{1,64}}(?![\w+/:])(?P<ssdeep>)
    # Not inside a word, a colon run or a dotted name (``file.c:12:34``), but after the end
    # of a sentence (``...2001:db8::1``) and after an ``IPv6:`` label (``[IPv6:2001:db8::1]``).
    | {_HEX}(?:(?<![\w:].)(?<![\w:]\..)|(?<=[pP][vV]6:.))
          {_HEX}{{0,3}}:(?:{_HEX}{{0,4}}:){{1,6}}{_V6_TAIL}(?P<v6>)
    # An address that starts with a colon starts with ``::`` and a digit (``::`` alone is
    # never one): a run of ``[::`` or ``:::`` gives no candidate to parse.
    | :(?<![\w:.].)(?=:{_HEX})(?:{_HEX}{{0,4}}:){{1,6}}{_V6_TAIL}(?P<v6_colon>)
    | {_HEX}(?:{_HEX}{{127}}|{_HEX}{{63}}|{_HEX}{{39}}|{_HEX}{{31}})(?![0-9A-Za-z])(?P<hash>)
    # An address in hexadecimal (``ping 0x7f000001``, ``0xC0.0xA8.1.1``): decided by the tool.
    | 0(?<![\w.].)[xX]{_HEX}{{1,8}}
          (?:\.(?:0[xX]{_HEX}{{1,8}}|\d{{1,10}})){{0,3}}(?![\w.])(?P<hexip>)
    | [\w-](?<![\w\\/$-].)(?<!(?<!\*)\..)[\w-]{{0,62}}+{_DOTTED_TAIL}(?P<dotted>)
    | ~{_LIN_BEFORE}{_LIN_TAIL}(?P<lin_tilde>)
    | /{_LIN_BEFORE}{_LIN_SEG}{_LIN_TAIL}(?P<lin>)
"""

SCANNER: Final = re.compile(
    rf"""
      \\x40{_LABEL}+{_DOTTED_TAIL}(?P<xdom>)
    | \\u0040{_LABEL}+{_DOTTED_TAIL}(?P<udom>)
    # HTML's ``@`` (``admin&#64;evil.com``, ``&#x40;``, ``&commat;``)
    | &\#64;{_LABEL}+{_DOTTED_TAIL}(?P<edom_dec>)
    | &\#[xX]40;{_LABEL}+{_DOTTED_TAIL}(?P<edom_hex>)
    | &commat;{_LABEL}+{_DOTTED_TAIL}(?P<edom_name>)
    | "{_QUOTED_ROOT}[^"'\r\n<>|*?]{{1,260}}?"(?P<qwin>)
    | '{_QUOTED_ROOT}[^"'\r\n<>|*?]{{1,260}}?'(?P<qwin_single>)
    | [{_OPEN_QUOTES}]{_QUOTED_ROOT}
          [^"'\r\n<>|*?{_OPEN_QUOTES}{_CLOSE_QUOTES}]{{1,260}}?[{_CLOSE_QUOTES}](?P<cqwin>)
    # No indicator starts right after an ASCII letter or digit: one guard, first.
    | {_G}{_STARTS}(?:{_BARE})
    """,
    re.VERBOSE,
)
#: What each alternative of :data:`SCANNER` found, and how many characters of the match
#: come before and after the candidate (the ``\x40`` of an escaped domain, quotes).
SCANNER_KINDS: Final = {
    "url": ("url", 0, 0),
    "unc": ("unc", 0, 0),
    "win": ("win", 0, 0),
    "win_pct": ("win", 0, 0),
    "win_env": ("win", 0, 0),
    "wfwd": ("wfwd", 0, 0),
    "reg": ("reg", 0, 0),
    "email": ("email", 0, 0),
    "mac": ("mac", 0, 0),
    "cmac": ("cmac", 0, 0),
    "cve": ("cve", 0, 0),
    "tlsh_t1": ("tlsh", 0, 0),
    "tlsh": ("tlsh", 0, 0),
    "ssdeep": ("ssdeep", 0, 0),
    "v6": ("v6", 0, 0),
    "v6_colon": ("v6", 0, 0),
    "hash": ("hash", 0, 0),
    "hexip": ("hexip", 0, 0),
    "dotted": ("dotted", 0, 0),
    "lin_tilde": ("lin", 0, 0),
    "lin": ("lin", 0, 0),
    "xdom": ("xdom", 4, 0),
    "udom": ("xdom", 6, 0),
    "edom_dec": ("xdom", 5, 0),
    "edom_hex": ("xdom", 6, 0),
    "edom_name": ("xdom", 8, 0),
    "qwin": ("qwin", 1, 1),
    "qwin_single": ("qwin", 1, 1),
    "cqwin": ("cqwin", 1, 1),
}
#: URL schemes as the scanner's URL alternative must spell them, lower-cased, with the
#: version-control prefixes (``git+ssh``).
SCANNER_URL_SCHEMES: Final = frozenset(
    URL_SCHEMES + tuple(f"{vcs}+{s}" for vcs in ("git", "svn", "bzr", "hg") for s in URL_SCHEMES)
)

#: The rest of a path or key after a component with spaces (``Program Files``): more segments.
WIN_MORE: Final = re.compile(rf"(?:\\{{1,2}}{_WIN_SEG}){{0,{MAX_SEGMENTS}}}\\?")
WIN_FWD_MORE: Final = re.compile(rf"(?:/{_WIN_SEG}){{0,{MAX_SEGMENTS}}}/?")
REG_MORE: Final = re.compile(rf"(?:\\{_REG_SEG}){{0,{MAX_SEGMENTS}}}")
LIN_MORE: Final = re.compile(rf"(?:/{_LIN_SEG}){{0,{MAX_SEGMENTS}}}/?")

#: Well-known path and registry components that contain spaces, lower-cased. An unquoted
#: path or key runs on through one of these instead of stopping at the space (arbitrary
#: words after a path are prose, so only these names are taken).
SPACED_NAMES: Final = frozenset(
    {
        "active setup",
        "all users",
        "app paths",
        "application data",
        "application support",
        "browser helper objects",
        "command processor",
        "common files",
        "control panel",
        "default user",
        "documents and settings",
        "google chrome",
        "group policy",
        "image file execution options",
        "installed components",
        "internet explorer",
        "internet settings",
        "local settings",
        "local state",
        "local storage",
        "login data",
        "macintosh hd",
        "microsoft edge",
        "microsoft office",
        "microsoft shared",
        "microsoft visual studio",
        "mobile documents",
        "mozilla firefox",
        "my documents",
        "print processors",
        "program files",
        "program files (x86)",
        "real-time protection",
        "reference assemblies",
        "remote assistance",
        "saved application state",
        "security center",
        "session manager",
        "session storage",
        "shared tools",
        "shell extensions",
        "shell folders",
        "start menu",
        "system volume information",
        "temporary internet files",
        "terminal server",
        "terminal server client",
        "terminal services",
        "time zones",
        "user data",
        "user shell folders",
        "volatile environment",
        "web data",
        "windows defender",
        "windows error reporting",
        "windows kits",
        "windows mail",
        "windows media player",
        "windows messaging subsystem",
        "windows nt",
        "windows photo viewer",
        "windows powershell",
        "windows script host",
        "windows search",
        "windows sidebar",
        "windows x64",
    }
)

#: A command that takes a host as an argument, somewhere before a hexadecimal address on its
#: line (``ping 0x7f000001``, ``curl -s 0xC0.0xA8.0x01.0x01``): ``inet_aton`` reads it.
NETWORK_TOOL_BEFORE: Final = re.compile(
    r"(?i:(?<![\w-])(?:ping|tracert|traceroute|tcping|telnet|nc|ncat|netcat|curl|wget|ssh|scp"
    r"|sftp|ftp|tftp|nslookup|arp|test-connection|test-netconnection|tnc|iwr|invoke-webrequest"
    r"|irm|invoke-restmethod)(?:\.exe)?(?![\w-]))"
)

#: URLs inside a URL (query parameters, redirects).
URL_IN: Final = re.compile(rf"(?<![A-Za-z0-9])(?:{_URL_SCHEME}){_URL_BODY}")
#: A URL inside another URL's path or query. There a web scheme glued to a letter or digit
#: starts one too: an encoding or a redirector put it there (``...--~Chttp://evil.org/x``).
URL_NESTED: Final = re.compile(
    rf"(?:(?<![A-Za-z0-9])|(?=(?i:https?)://))(?:{_URL_SCHEME}){_URL_BODY}"
)

#: Where a URL starts (the body is not matched: callers know where it ends).
URL_START: Final = re.compile(rf"(?<![A-Za-z0-9]){_URL_SCHEME}")
#: A comma or semicolon right before another URL: a list of URLs, not one URL
#: (``http://a.com/x,https://b.org/y``).
URL_GLUED: Final = re.compile(rf"[,;](?={_URL_SCHEME})")

#: Hashes inside a path, file name or URL (``_`` and ``-`` are boundaries).
HASH_IN: Final = re.compile(rf"(?<![0-9A-Za-z])(?:{_HASH})(?![0-9A-Za-z])")

# The context checks below look at the line before a candidate, and each is written for that
# line *reversed* and matched at its start: ``label SEP $`` searched forwards tries every
# start in the line (3.5 us a call); reversed it is one anchored match (0.3 us). Read them
# backwards: ``hsahpmi`` is ``imphash``.

#: A label naming the kind of a hash right before it (``imphash: ...``, ``"tlsh": "...``);
#: group 1 is the label, reversed.
HASH_LABEL_BEFORE: Final = re.compile(
    r"""\s*["']?\s*[:=]?\s*["']?(hsahpmi|hsahitnehtua|hslt)\b""", re.IGNORECASE
)

#: A version marker right before a dotted quad, separated by spaces, tabs or NULs (PE
#: resource strings: ``FileVersion\x004.0.0.1``) (``version 1.2.3.4``, ``"version": "...``).
VERSION_BEFORE: Final = re.compile(
    r"""[\s\x00]*["']?[\s\x00]*[:=]?[\s\x00]*["']?(?:noisrev|\.?rev\b|\.?v\b|dliub\b)""",
    re.IGNORECASE,
)

#: An HTTP method right before a path: the path is a request target, not a file.
HTTP_TARGET_BEFORE: Final = re.compile(
    r"\s+(?:TEG|TSOP|TUP|DAEH|ETELED|SNOITPO|HCTAP|TCENNOC|ECART|DNIFPORP)\b"
)

#: TLDs that are also common file extensions: a bare two-label name ending in one of these
#: (``payload.zip``, ``install.sh``, ``README.md``) is a file, unless defanged or a URL host.
FILE_EXTENSION_TLDS: Final = frozenset(
    [
        "zip",
        "mov",
        "sh",
        "md",
        "py",
        "pl",
        "pm",
        "rs",
        "so",
        "ps",
        "cab",
        "cat",
        "run",
        "mk",
        "mo",
        "la",
        "pf",
        "pub",
        "one",
        "data",
        "download",
        "am",
        "ac",
        "tf",
        "java",
        "gs",
        "cr",
        "bz",
        "properties",
        "hiv",
        "save",
        "target",
        "pid",
        "ax",
    ]
)

#: Programming identifiers that happen to end in a delegated TLD (COM ProgIDs, .NET
#: namespaces): not domains unless defanged or a URL host. Compared lower-cased.
CODE_NAMES: Final = frozenset(
    {
        "wscript.shell",
        "wscript.network",
        "shell.application",
        "system.io",
        "system.net",
        "system.data",
        "system.web",
        "system.security",
        "system.management",
        "system.runtime",
    }
)

#: Receivers of property access in scripts: ``this.name``, ``window.location``, ``obj.id``
#: are code whatever their last label. Compared lower-cased, first label only.
CODE_RECEIVERS: Final = frozenset(
    {
        "this", "self", "window", "document", "console", "module", "exports", "process",
        "navigator", "globalthis", "math", "json", "event", "err", "req", "res", "ctx",
        "args", "argv", "props", "state", "opts", "obj", "elem", "el", "util", "utils",
        "location",
    }
)  # fmt: skip

#: First labels of .NET namespaces, Azure resource providers and ETW providers: written
#: capitalised (``Microsoft.Storage``, ``System.Security``) and ending in a TLD other than
#: com, net or org, such a name is not a domain. Compared lower-cased.
CODE_NAMESPACES: Final = frozenset({"microsoft", "system"})

#: First labels of reverse-DNS identifiers (``com.tencent.mm``, ``org.telegram.messenger``):
#: a host name never starts with one, so such a name of three labels or more is not a domain.
REVERSE_DNS_FIRST: Final = frozenset({"com", "org", "net", "edu", "gov", "mil"})

#: Category and platform labels of anti-virus detection names (``Backdoor.Linux.Gafgyt.gu``,
#: ``Trojan-Downloader.Win32.Agent.ad``): a capitalised name of three labels or more with one
#: of these before its TLD is a detection name, not a domain. Compared lower-cased.
AV_NAME_LABELS: Final = frozenset(
    {
        "trojan", "backdoor", "worm", "virus", "exploit", "hacktool", "riskware", "adware",
        "ransom", "ransomware", "rootkit", "spyware", "pua", "pup", "heur", "generic",
        "generickd", "trojandownloader", "trojandropper", "trojanspy", "trojan-downloader",
        "trojan-dropper", "trojan-spy", "trojan-banker", "trojan-psw", "trojan-ransom",
        "not-a-virus", "win32", "win64", "w32", "w64", "msil", "androidos", "elf", "w97m",
        "x97m", "o97m", "vbs", "ps1", "js", "html", "linux", "unix", "osx", "macos",
    }
)  # fmt: skip

#: TLDs that are also common member names or source-file extensions (``user.email``,
#: ``obj.data.id``, ``util.cc``): in code (brackets, braces, ``=`` and ``;`` around) a name
#: ending in one is not a domain unless defanged or a URL host.
CODE_MEMBER_TLDS: Final = frozenset(
    {
        "name", "id", "email", "call", "run", "data", "link", "style", "new", "next",
        "click", "play", "save", "zip", "sh", "py", "cc", "rs", "md", "pl", "so", "java",
    }
)  # fmt: skip

#: A label naming an object identifier before a dotted quad (``OID 2.5.4.3``), reversed.
OID_BEFORE: Final = re.compile(
    r"""\s*["']?\s*[:=]?\s*["']?"""
    r"""(?:dio\b|reifitnedi[\s_-]?tcejbo|ditcejbo|mhtirogla|uke\b|noisnetxe|ycilop)""",
    re.IGNORECASE,
)
#: Arcs that certificate OIDs start with (X.520 attributes, X.509 extensions, PKIX).
OID_ARCS: Final = ("2.5.4.", "2.5.29.", "1.3.6.1", "1.2.840.", "2.16.840.")

#: The built-in types with the priority that resolves a tie with a custom type on the same
#: span (lower wins, as in msticpy).
BUILTIN_PRIORITIES: Final = {
    "url": 0,
    "ipv4": 0,
    "ipv6": 0,
    "email": 1,
    "md5": 1,
    "sha1": 1,
    "sha256": 1,
    "sha512": 1,
    "imphash": 1,
    "authentihash": 1,
    "ssdeep": 1,
    "tlsh": 1,
    "cve": 1,
    "mac": 1,
    "dns": 2,
    "windows_path": 3,
    "registry_key": 3,
    "linux_path": 4,
}

#: Built-in type names, sorted.
BUILTIN_TYPES: Final = tuple(sorted(BUILTIN_PRIORITIES))
