"""Classes of failure found by running other extraction projects' public test suites.

Each test holds cases of our own, written for the class (no peer's text is copied): an
upper-case defanged scheme, a URL whose host is not a host name, and so on.
"""

from __future__ import annotations

import pytest

from asisdk.ioc import IocExtractor, refang, validate


def _found(text: str, ioc_type: str) -> set[str]:
    return IocExtractor().extract(text, types=[ioc_type])[ioc_type]


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("Payload staged at HXXP://update-srv[.]ru/drop.bin", "http://update-srv.ru/drop.bin"),
        ("C2: HXXPS://198.51.100.23:8443/gate", "https://198.51.100.23:8443/gate"),
        ("hXXP://cdn.badhost.net/x.js", "http://cdn.badhost.net/x.js"),
        ("HXXP[:]//portal[.]phish-login[.]com", "http://portal.phish-login.com"),
    ],
)
def test_upper_case_defanged_scheme(text: str, url: str) -> None:
    assert _found(text, "url") == {url}


def test_parenthesised_slash_after_a_name_is_a_slash() -> None:
    assert _found("fetch evil(.)org(/)stage2(.)ps1 via http://evil(.)org(/)a", "url") == {
        "http://evil.org/a"
    }
    assert refang("mounted at the root (/) of the disk") == "mounted at the root (/) of the disk"


@pytest.mark.parametrize(
    "text",
    [
        "http://../",
        "see https://-bad-.example.com/x",
        "http://a.trailing-.net",
        "http://10.20.30.40.50/",
        "http://172.16.5/",
        "http://.leading.dot.org/",
        "ftp://..hidden/",
    ],
)
def test_url_whose_host_is_not_a_host_name_is_not_a_url(text: str) -> None:
    assert _found(text, "url") == set()


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("http://intranet-wiki/page", True),
        ("http://evil.com./", True),
        ("http://203.0.113.9/", True),
        ("http://xn--80ak6aa92e.com/", True),
        ("http://_dmarc.example.com/", True),
        ("http://a..b.com/", False),
        ("http://-x.com/", False),
        ("http://1.2.3/", False),
    ],
)
def test_url_validator_checks_the_host(value: str, valid: bool) -> None:
    assert validate(value, "url") is valid
