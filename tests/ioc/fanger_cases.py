"""ioc-fanger's documented refanging cases (its own test suite), as data.

Shared by ``tests/ioc/test_refang_fanger.py`` and ``benchmarks/bench_ioc.py`` (which runs
ioc-fanger itself on them when it is installed).
"""

from __future__ import annotations

# ioc-fanger tests/test_ioc_fanger.py::test_fanging (one string of many spellings).
FANGING_IN = (
    "example[.]com hxxp://example[.]com hXXp://example[.]com example\\.com example.com "
    "http://example.com hxxp://example[.]com 1[.]2[.]3[.]4 bob[@]example[.]com "
    "mary[@]example.com carlos[at]example.com juanita(at)example.com http[:]//example.org "
    "https[:]//example.org hXxps[:]//example.org/test?target=bad[@]test.com bad-dot-com "
    "example-dot-ru 5[,]6[,]7(,)8"
)
FANGING_OUT = (
    "example.com http://example.com http://example.com example.com example.com "
    "http://example.com http://example.com 1.2.3.4 bob@example.com mary@example.com "
    "carlos@example.com juanita@example.com http://example.org https://example.org "
    "https://example.org/test?target=bad@test.com bad.com example.ru 5.6.7.8"
)

SAME_AS_IOC_FANGER = [
    (FANGING_IN, FANGING_OUT),
    ("bob[@]example.com", "bob@example.com"),
    ("bob(@)example.com", "bob@example.com"),
    ("bob[at]example.com", "bob@example.com"),
    ("bob(at)example.com", "bob@example.com"),
    ("bob@example[dot]com", "bob@example.com"),
    ("bob@example(dot)com", "bob@example.com"),
    ("bob@example DOT com", "bob@example.com"),
    ("me (arroba) example (punto) com", "me@example.com"),
    ("me(arroba)example(punto)com", "me@example.com"),
    ("me [arroba] example [punto] com", "me@example.com"),
    ("me[arroba]example[punto]com", "me@example.com"),
    ("me@example (punkt) com", "me@example.com"),
    ("me@example(punkt)com", "me@example.com"),
    ("me@example [punkt] com", "me@example.com"),
    ("me@example[punkt]com", "me@example.com"),
    ("www[.example.com", "www.example.com"),
    ("www(.)example(.)com", "www.example.com"),
    ("www[.[example[.[com", "www.example.com"),
    ("www].]example].]com", "www.example.com"),
    ("www].[example].[com", "www.example.com"),
    ("www[.example[.com", "www.example.com"),
    ("www\\.example\\.com", "www.example.com"),
    ("foo[-]bar.com", "foo-bar.com"),
    ("https://example.com\\/test.php", "https://example.com/test.php"),
    (
        "diota[-]ar.com:80/.well-known/acme-challenge/mxr.pdf",
        "diota-ar.com:80/.well-known/acme-challenge/mxr.pdf",
    ),
    (
        "xxxxs://proverka[.]host/ Email: silena[.]berillo(at)gmail[.]com, hto2018(at)yandex[.]ru",
        "https://proverka.host/ Email: silena.berillo@gmail.com, hto2018@yandex.ru",
    ),
    ("analysis), yo", "analysis), yo"),
    ("xxxx://example.com/test.php", "http://example.com/test.php"),
    ("xxxxx://example.com/test.php", "https://example.com/test.php"),
    ("xXxX://example.com/test.php", "http://example.com/test.php"),
    ("xXxXx://example.com/test.php", "https://example.com/test.php"),
    ("hxxp://example.com/test.php", "http://example.com/test.php"),
    ("hXXp://example.com/test.php", "http://example.com/test.php"),
    ("hxxps://example.com/test.php", "https://example.com/test.php"),
    ("hXXps://example.com/test.php", "https://example.com/test.php"),
    ("http ://example.com/test.php", "http://example.com/test.php"),
    ("https ://example.com/test.php", "https://example.com/test.php"),
    ("http:// example.com/test.php", "http://example.com/test.php"),
    ("https:// example.com/test.php", "https://example.com/test.php"),
    ("http//example.com/test.php", "http://example.com/test.php"),
    ("https//example.com/test.php", "https://example.com/test.php"),
    ("http:///example.com/test.php", "http://example.com/test.php"),
    ("https:/// example.com/test.php", "https://example.com/test.php"),
    ("foo @ bar.com", "foo@bar.com"),
    ("foo  @  bar.com", "foo@bar.com"),
    ("fooMATbar.com", "fooMATbar.com"),
    ("fooATAbar.com", "fooATAbar.com"),
    ("foo[AT]bar.com", "foo@bar.com"),
    ("foo(AT)bar.com", "foo@bar.com"),
    ("foo [at] bar.com", "foo@bar.com"),
    ("foo (AT) bar.com", "foo@bar.com"),
    ("foo[ET]bar.com", "foo@bar.com"),
    ("foo (et) bar.com", "foo@bar.com"),
]


# Where asisdk differs on purpose: (input, ioc-fanger's output, asisdk's output, why).
DELIBERATELY_DIFFERENT = [
    # A bare or glued upper-case AT is a word in prose ("SEE AT NOON", "AT&T"); asisdk only
    # reads a bracketed or spelled-out (``at ... dot ...``) one as ``@``.
    ("bob AT example.com", "bob@example.com", "bob AT example.com"),
    ("fooATbar.com", "foo@bar.com", "fooATbar.com"),
    ("foo@barDOTcom", "foo@bar.com", "foo@barDOTcom"),
    # Typos are not defanging: ioc-fanger reads any character before ``://`` as ``s``.
    (
        "http!://example.com/test.php",
        "https://example.com/test.php",
        "http!://example.com/test.php",
    ),
    (
        "httpA://example.com/test.php",
        "https://example.com/test.php",
        "httpA://example.com/test.php",
    ),
    # ``.[`` and ``.]`` are code (``obj.[0]``); asisdk takes a bracket dot only before a name.
    ("www.[example.[com", "www.example.com", "www.[example.[com"),
    # Comma-separated quads are CSV rows and version lists as often as addresses.
    ("9,10,11,12", "9.10.11.12", "9,10,11,12"),
]
