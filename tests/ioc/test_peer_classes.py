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


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        (
            r"Persistence under HKCU\Software\Acme Updater\Settings\AutoStart was seen",
            {r"HKCU\Software\Acme Updater\Settings\AutoStart"},
        ),
        (
            r"HKLM\SOFTWARE\Contoso Ltd\Remote Agent Service\Parameters",
            {r"HKLM\SOFTWARE\Contoso Ltd\Remote Agent Service\Parameters"},
        ),
        (
            r"it writes HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\KnownDLLs now",
            {r"HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\KnownDLLs"},
        ),
        # A key then prose: the words are not followed by more of the key.
        (
            r"HKCU\Software\Classes\ms-settings was modified on the host",
            {r"HKCU\Software\Classes\ms-settings"},
        ),
        # Two keys in a sentence stay two keys.
        (
            r"HKLM\Software\Foo and HKCU\Software\Bar\Baz",
            {r"HKLM\Software\Foo", r"HKCU\Software\Bar\Baz"},
        ),
        # reg.exe switches are not words of a component.
        (
            r"reg add HKCU\Software\Microsoft\Windows\CurrentVersion\Run /v upd /d C:\x\a.exe",
            {r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run"},
        ),
    ],
)
def test_registry_component_with_spaces_when_the_key_goes_on(text: str, keys: set[str]) -> None:
    assert _found(text, "registry_key") == keys


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (r"HKLM\System\CurrentControlSet\Control\Session Manager", None),
        (r"values under HKCU\Volatile Environment.", None),
        (r"HKCU\Software\Microsoft\Command Processor", None),
        (r"HKLM\Software\Microsoft\Windows\CurrentVersion\Explorer\Browser Helper Objects", None),
    ],
)
def test_registry_key_ending_in_a_well_known_spaced_name(text: str, key: str | None) -> None:
    expected = text.split("under ")[-1].rstrip(".")
    assert _found(text, "registry_key") == {key or expected}


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (r"<HKLM>\SOFTWARE\Microsoft\Windows\CurrentVersion\Run", None),
        (r"Key: <HKCU>\Software\Classes\exefile\shell\open\command", None),
        (r"<HKU>\S-1-5-21-100\Software\Run (value: svc)", None),
    ],
)
def test_registry_hive_in_angle_brackets(text: str, key: str | None) -> None:
    raw = text[text.index("<") + 1 :].split(" ")[0]
    value = raw.replace(">", "", 1)
    matches = [m for m in IocExtractor().finditer(text) if m.type == "registry_key"]
    assert [(m.value, m.raw) for m in matches] == [(key or value, raw)]
    assert validate(matches[0].value, "registry_key")


def test_registry_hive_with_a_stray_angle_bracket_is_not_a_key() -> None:
    assert _found(r"HKLM>\SOFTWARE\Foo", "registry_key") == set()


@pytest.mark.parametrize(
    ("text", "ioc_type", "value"),
    [
        (
            r"dropped to C:\Users\<username>\AppData\Local\Temp\upd.exe then ran it",
            "windows_path",
            r"C:\Users\<username>\AppData\Local\Temp\upd.exe",
        ),
        (
            r"%SystemDrive%\Users\<user name>\Desktop\readme.txt",
            "windows_path",
            r"%SystemDrive%\Users\<user name>\Desktop\readme.txt",
        ),
        (
            r"It was set in HKEY_USERS\<USER SID>\Software\Microsoft\Windows\CurrentVersion\Run.",
            "registry_key",
            r"HKEY_USERS\<USER SID>\Software\Microsoft\Windows\CurrentVersion\Run",
        ),
    ],
)
def test_placeholder_component_in_a_path_or_key(text: str, ioc_type: str, value: str) -> None:
    assert _found(text, ioc_type) == {value}
    assert validate(value, ioc_type)


def test_angle_brackets_at_the_end_of_a_path_are_markup() -> None:
    assert _found(r"<td>C:\Temp\<br>", "windows_path") == {"C:\\Temp\\"}


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("The last hop was unknown...2001:db8:4:1::17 answered", "2001:db8:4:1::17"),
        ("(see above).fe80::a00:27ff:fe4e:66a1", "fe80::a00:27ff:fe4e:66a1"),
        ("Received: from mx [IPv6:2001:db8:9::25] by relay", "2001:db8:9::25"),
        ("client ipv6:2a00:1450:4001:82a::200e connected", "2a00:1450:4001:82a::200e"),
        ("beacon http://2001:db8:77::9/gate.php (no brackets)", "2001:db8:77::9"),
    ],
)
def test_ipv6_after_sentence_dots_a_label_or_an_unbracketed_url(text: str, address: str) -> None:
    assert _found(text, "ipv6") == {address}


@pytest.mark.parametrize(
    "text",
    ["src/main.c:12:34: warning", "obj.ab:cd:ef", "at 12:30:45..", "x:2001:db8::1"],
)
def test_no_ipv6_inside_dotted_names_or_colon_runs(text: str) -> None:
    assert _found(text, "ipv6") == set()


def test_url_with_an_unbracketed_ipv6_host_is_not_a_url() -> None:
    assert _found("http://2001:db8:77::9/gate.php", "url") == set()


@pytest.mark.parametrize(
    ("text", "cves"),
    [
        ("Patch CVE 2023-23397 (Outlook) now", {"CVE-2023-23397"}),
        ("exploited cve 2017-11882 and cve-2018-0802", {"CVE-2017-11882", "CVE-2018-0802"}),
        (
            "Citrix CVE\u20132019\u201319781, F5 CVE\u20112020\u20115902.",
            {"CVE-2019-19781", "CVE-2020-5902"},
        ),
        ("the CVE 2021 round-up and a CVE  2021-1234 typo", set()),
    ],
)
def test_cve_with_a_space_or_typographic_dashes(text: str, cves: set[str]) -> None:
    assert _found(text, "cve") == cves


@pytest.mark.parametrize(
    ("text", "emails"),
    [
        ("------billing@invoice-portal.com ------", {"billing@invoice-portal.com"}),
        ("sendmail --from=-ops@corp-mail.net", {"ops@corp-mail.net"}),
        ("x-ray-team@lab.example.org", {"x-ray-team@lab.example.org"}),
    ],
)
def test_leading_dashes_are_not_part_of_an_email(text: str, emails: set[str]) -> None:
    assert _found(text, "email") == emails
    for m in IocExtractor().finditer(text, types=["email"]):
        assert text[m.start : m.end] == m.raw == m.value


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        (
            "2024-05-01,https://drop.badcdn.net/a/b.zip,Emotet loader",
            {"https://drop.badcdn.net/a/b.zip"},
        ),
        (
            "id;http://198.51.100.7:8080/gate.php;POST;200",
            {"http://198.51.100.7:8080/gate.php"},
        ),
        (
            "phish,http://login.evil-bank.com/?a=1,b=2,http://tracker.ad-net.org/px,seen",
            {"http://login.evil-bank.com/?a=1", "http://tracker.ad-net.org/px"},
        ),
        # Not a CSV field: a comma inside a URL stays.
        (
            "see https://fonts.example.com/css?family=Roboto:400,700 here",
            {"https://fonts.example.com/css?family=Roboto:400,700"},
        ),
    ],
)
def test_url_that_starts_a_csv_field_ends_with_the_field(text: str, urls: set[str]) -> None:
    assert _found(text, "url") == urls


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        (
            '<meta http-equiv="refresh" content="0;url=https%3A%2F%2Fcred-harvest.net%2Flogin">',
            {"https://cred-harvest.net/login"},
        ),
        ("next=http%3a%2f%2f203.0.113.44%3a8080%2fstage", {"http://203.0.113.44:8080/stage"}),
        # Inside a URL's query it is decoded with that URL, once.
        (
            "https://t.mailer.example.com/c?u=https%3A%2F%2Fpay-verify.com%2Fx",
            {
                "https://t.mailer.example.com/c?u=https%3A%2F%2Fpay-verify.com%2Fx",
                "https://pay-verify.com/x",
            },
        ),
        ("notascheme%3A%2F%2Fhost.example.com", set()),
    ],
)
def test_percent_encoded_url_on_its_own(text: str, urls: set[str]) -> None:
    assert _found(text, "url") == urls


def test_percent_encoded_url_keeps_its_encoded_span_in_text_order() -> None:
    text = "a 198.51.100.1 then u=http%3A%2F%2Fbad.example.org%2Fp and 198.51.100.2"
    matches = list(IocExtractor().finditer(text))
    assert [m.start for m in matches] == sorted(m.start for m in matches)
    url = next(m for m in matches if m.type == "url")
    assert (url.value, url.raw) == ("http://bad.example.org/p", "http%3A%2F%2Fbad.example.org%2Fp")


@pytest.mark.parametrize(
    ("text", "ioc_type", "values"),
    [
        ("/r?d=%2Fstatic.cdn-evil.com%2Fp", "dns", {"static.cdn-evil.com"}),
        ("host=%22update.badsite.io%22", "dns", {"update.badsite.io"}),
        ("cmd=ping%20192.0.2.77", "ipv4", {"192.0.2.77"}),
    ],
)
def test_name_after_a_percent_escape_loses_the_escape(
    text: str, ioc_type: str, values: set[str]
) -> None:
    assert _found(text, ioc_type) == values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            r"| c2 | hxxps\[:\]//panel\[.\]darkops\[.\]ru/gate |",
            "| c2 | https://panel.darkops.ru/gate |",
        ),
        (r"Sender: billing\[@\]pay-notice\[.\]com", "Sender: billing@pay-notice.com"),
        (
            r"resolver 203.0.113\[.\]53 and cdn\(.\)evil\(.\)net",
            "resolver 203.0.113.53 and cdn.evil.net",
        ),
        (r"escaped \[.\] alone and C:\[.]tmp stay", r"escaped \[.\] alone and C:\[.]tmp stay"),
    ],
)
def test_markdown_escaped_defang_markers(text: str, expected: str) -> None:
    assert refang(text) == expected


@pytest.mark.parametrize(
    ("text", "paths"),
    [
        (
            r"Dropped C:\Users\kim\AppData\Roaming\Adobe Sync\Cache Data\sync.exe at boot",
            {r"C:\Users\kim\AppData\Roaming\Adobe Sync\Cache Data\sync.exe"},
        ),
        (
            r"C:\Program Files (x86)\Acme Remote\Agent Service\agent.exe -install",
            {r"C:\Program Files (x86)\Acme Remote\Agent Service\agent.exe"},
        ),
        (
            r"\\fs01\Finance Share\Q3 Reports\book.xlsm",
            {r"\\fs01\Finance Share\Q3 Reports\book.xlsm"},
        ),
        # A file name, a lower-case word or a drive before the next backslash: prose or
        # another argument.
        (r"copy C:\Temp\a.exe Backup\a.exe", {r"C:\Temp\a.exe"}),
        (r"found in C:\Users\Public and Users\Default", {r"C:\Users\Public"}),
        (r"C:\Tools\Nmap C:\Tools\Ncat\ncat.exe", {r"C:\Tools\Nmap", r"C:\Tools\Ncat\ncat.exe"}),
    ],
)
def test_windows_folder_with_spaces_when_the_path_goes_on(text: str, paths: set[str]) -> None:
    assert _found(text, "windows_path") == paths


@pytest.mark.parametrize(
    ("text", "url"),
    [
        (
            r"rule url: hxxps://cdn\.stage-two\.biz/p/loader\.ps1",
            "https://cdn.stage-two.biz/p/loader.ps1",
        ),
        (r"http://update\.example-soft\.org/check", "http://update.example-soft.org/check"),
    ],
)
def test_backslash_escaped_dots_after_a_url_scheme(text: str, url: str) -> None:
    assert _found(text, "url") == {url}


def test_backslash_dot_in_a_windows_path_stays() -> None:
    assert refang(r"C:\Users\bob\.ssh\known_hosts") == r"C:\Users\bob\.ssh\known_hosts"
