"""Every value the extractor reports passes its own validator for that type (issue 22).

Hypothesis builds text from indicator-shaped pieces (schemes, hosts, keys, paths, hashes,
brackets, escapes, defanged markers) glued by random separators, so the scanner's edge
cases (a trailing ``\\``, a host over 253 characters, a bracket run) are reached often.
"""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from asisdk.ioc import IocExtractor, validate

PIECES = [
    "http://",
    "https://",
    "hxxp://",
    "ldap://",
    "file:///",
    "evil.com",
    "a.b.co.uk",
    "xn--p1ai.ru",
    "10.0.0.1",
    "010.001.002.003",
    "[::1]",
    "2001:db8::1",
    "::ffff:1.2.3.4",
    "aa:bb:cc:dd:ee:ff",
    "aabb.ccdd.eeff",
    "HKLM\\",
    "HKEY_LOCAL_MACHINE\\",
    "Software\\",
    "Windows NT\\",
    "C:\\",
    "\\\\srv\\",
    "%APPDATA%\\",
    "$env:TEMP\\",
    "Program Files\\",
    "/etc/",
    "/tmp/",
    "~/",
    "Application Support/",
    "user@",
    "%40",
    "%2540",
    "=40",
    "\\x40",
    "[.]",
    "[dot]",
    "(.)",
    "[@]",
    "[:]//",
    "d41d8cd98f00b204e9800998ecf8427e",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "CVE-2021-44228",
    "96:abcdefghij:klmnopqrst",
    "${jndi:ldap://",
    "](",
    "[[",
    "]]",
    "<",
    ">",
    "]",
    ")",
    "(",
    "\\",
    "/",
    ".",
    ":",
    "@",
    "-",
    "_",
    "?q=",
    "#",
    "\u201d",
    "'",
    '"',
    "a",
    "x" * 70,
    "a." * 130,
    "version ",
]
SEPARATORS = st.sampled_from(["", "", "", " ", "\n", "\t", "\\", "/", ".", "\x00"])
TEXT = st.lists(
    st.tuples(st.sampled_from(PIECES), SEPARATORS).map("".join)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=6),
    max_size=24,
).map("".join)

EX = IocExtractor()
EX_ALL = IocExtractor(url_components="all")


def _check(extractor: IocExtractor, text: str) -> None:
    bad = [(m.type, m.value) for m in extractor.finditer(text) if not validate(m.value, m.type)]
    assert not bad, bad
    for kind, values in extractor.extract(text).items():
        assert all(validate(value, kind) for value in values), (kind, values)


@given(TEXT)
@example("HKLM\\Software\\Run\\ next")
@example("see HKCU\\Software\\Microsoft\\Windows NT\\ here")
@example("http://" + "a." * 130 + "com/x")
@example("http://" + "a" * 300 + ".com/")
def test_reported_values_pass_their_validator(text: str) -> None:
    _check(EX, text)


@given(TEXT)
def test_reported_values_pass_their_validator_all_components(text: str) -> None:
    _check(EX_ALL, text)


def test_a_trimmed_dot_leaves_no_bare_registry_root() -> None:
    # ``HKLM\.``: the dot is trailing punctuation; ``HKLM\`` alone is not a key.
    assert EX.extract("HKLM\\. and HKCU\\Software\\Run.", types=["registry_key"]) == {
        "registry_key": {"HKCU\\Software\\Run"}
    }
