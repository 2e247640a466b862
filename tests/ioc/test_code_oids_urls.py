"""OIDs are not IPs; code names are not domains; URL components; very long URLs."""

from __future__ import annotations

import pytest

from asisdk.errors import InvalidInputError
from asisdk.ioc import IocExtractor, validate


def found(text: str, **options: object) -> dict[str, set[str]]:
    return {k: v for k, v in IocExtractor(**options).extract(text).items() if v}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "Subject: 2.5.4.3 = example; OID 2.5.4.10",
        "X509v3 extension 2.5.29.17 (subjectAltName) critical",
        "2.5.29.37 (extKeyUsage): 1.3.6.1.5.5.7.3.1",
        'objectIdentifier: "2.5.4.6"',
        "2.5.4.3=CN, 2.5.4.11=OU",
        "algorithm 1.2.840.113549 with parameters",
    ],
)
def test_certificate_oids_are_not_addresses(text: str) -> None:
    assert "ipv4" not in found(text)


def test_a_dotted_quad_that_is_an_address_stays_one() -> None:
    assert found("beacon to 2.5.4.3 every minute") == {"ipv4": {"2.5.4.3"}}
    assert found("oid-like 1.3.6.1 host") == {"ipv4": {"1.3.6.1"}}


@pytest.mark.parametrize(
    "code",
    [
        "(New-Object System.Net.WebClient).DownloadString($u)",
        "Array.prototype.map.call(list, fn);",
        "this.name = name; self.run(); window.location.href = u;",
        "if (ok) { obj.data.id = user.email; }",
        "#include <util.cc>; int main() { return 0; }",
        "process.env.HOME; module.exports = { run };",
    ],
)
def test_property_access_in_code_is_not_a_domain(code: str) -> None:
    assert "dns" not in found(code)


def test_real_domains_in_code_and_prose_are_kept() -> None:
    script = 'window.location = "http://evil.cc/x"; fetch("https://c2.example.app/p");'
    assert found(script, types=["dns"]) == {"dns": {"evil.cc", "c2.example.app"}}
    assert found("contact admin.email or evil.cc, then bad.app and x.top") == {
        "dns": {"admin.email", "evil.cc", "bad.app", "x.top"}
    }


URL = "https://safe.example.org/go?redirect=evil.com&ip=203.0.113.9#/mirror/foo.net/"


def test_url_components_host_is_the_default() -> None:
    assert found(URL) == {"url": {URL}, "dns": {"safe.example.org"}}


def test_url_components_all_reports_names_in_path_and_query() -> None:
    got = found(URL, url_components="all")
    assert got["dns"] == {"safe.example.org", "evil.com", "foo.net"}
    assert got["ipv4"] == {"203.0.113.9"}
    # File names in a path stay files.
    assert found("http://a.example.com/dl/setup.zip/run.sh", url_components="all")["dns"] == {
        "a.example.com"
    }


def test_url_components_is_checked() -> None:
    with pytest.raises(InvalidInputError, match="url_components"):
        IocExtractor(url_components="path")  # type: ignore[arg-type]
    assert "url_components='all'" in repr(IocExtractor(url_components="all"))


def test_a_very_long_url_is_kept_and_its_host_reported() -> None:
    padding = "A" * 20_000
    text = f"click http://{padding}@evil.example.com/login now"
    matches = list(IocExtractor().finditer(text))
    url = next(m for m in matches if m.type == "url")
    assert url.end == text.index(" now")
    # The stored value is shortened (the padding of the user info goes) but stays a URL.
    assert url.value == "http://evil.example.com/login"
    assert validate(url.value, "url")
    long_path = f"http://evil.example.com/{padding}"
    (long_url,) = IocExtractor().extract(long_path, types=["url"])["url"]
    assert len(long_url) == 8192
    assert validate(long_url, "url")
    assert ("dns", "evil.example.com") in {(m.type, m.value) for m in matches}


def test_a_host_over_253_characters_is_not_a_url() -> None:
    host = "a" * 300 + ".com"
    assert "url" not in found(f"http://{host}/x")
