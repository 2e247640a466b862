"""Classes of error found by running the extractor on real long text (issue 19).

Threat reports, advisories and Loghub log excerpts were read by hand; each test holds
sentences of our own for one class of wrong or missed value (no document's text is copied).
"""

from __future__ import annotations

import pytest

from asisdk.ioc import IocExtractor


def _found(text: str, ioc_type: str) -> set[str]:
    return IocExtractor().extract(text, types=[ioc_type])[ioc_type]


@pytest.mark.parametrize(
    "text",
    [
        "| Kaspersky | `HEUR:Backdoor.Linux.Tsunami.gu` |",
        "flagged as Trojan.Win32.Zbot.bz by two engines",
        "Trojan-Downloader.Win32.Small.ad and Backdoor.MSIL.Quasar.ac were dropped",
        "BitDefender reports Trojan.GenericKD.4471.ws, others Gen:Variant.Midie.Evil.com",
        "the APK is Android.Trojan.SmsSend.ae (HEUR:Trojan-Banker.AndroidOS.Cerberus.me)",
        "Backdoor.Win64.CobaltStrike.ai and Trojan.PS1.Loader.ml on the second host",
    ],
)
def test_av_detection_names_are_not_domains(text: str) -> None:
    assert _found(text, "dns") == set()


def test_av_like_names_that_are_domains_still_count() -> None:
    text = "the kit sits on trojan.win32.example.com, Mail.Google.com and cdn.linux-mirror.net"
    assert _found(text, "dns") == {
        "trojan.win32.example.com",
        "mail.google.com",
        "cdn.linux-mirror.net",
    }
    assert _found("beacons to Backdoor.Linux[.]Example[.]gu", "dns") == {
        "backdoor.linux.example.gu"
    }


@pytest.mark.parametrize(
    "text",
    [
        "the dropper installs com.wechat.mm alongside the real app",
        "bundle com.apple.private.ac was denied the entitlement",
        "sideloaded package org.signal.messenger.app (version 5)",
        "services: com.vendor.health, net.sourceforge.tool.ml",
    ],
)
def test_reverse_dns_identifiers_are_not_domains(text: str) -> None:
    assert _found(text, "dns") == set()


def test_reverse_dns_lookalikes_that_are_hosts_still_count() -> None:
    assert _found("the lure came from com.br-promo.net and com[.]evil[.]mm", "dns") == {
        "com.br-promo.net",
        "com.evil.mm",
    }
    assert _found("GET https://com.tencent.mm/update", "dns") == {"com.tencent.mm"}
    assert _found("the remote tool relays through net.anydesk.com and org.example.net", "dns") == {
        "net.anydesk.com",
        "org.example.net",
    }


def test_windows_component_identity_version_is_not_an_ip() -> None:
    line = "applicability for package: Package_for_KB4012212~31bf3856ad364e35~amd64~~6.1.2.0"
    assert _found(line, "ipv4") == set()
    assert _found("Microsoft-Windows-Net~31bf3856ad364e35~x86~en-US~10.0.17763.1", "ipv4") == set()
    assert _found("ping ~ 203.0.113.7 then ~198.51.100.9", "ipv4") == {
        "203.0.113.7",
        "198.51.100.9",
    }


def test_java_properties_file_and_key_names_are_not_domains() -> None:
    assert _found("loaded properties from metrics2.properties and log4j.properties", "dns") == set()
    assert _found("Client environment:user.name=svc, os.name=Linux", "dns") == set()
    assert _found("the portal john.name and the key build.name=nightly", "dns") == {"john.name"}
    assert _found("the site shop[.]properties hosts the kit", "dns") == {"shop.properties"}


@pytest.mark.parametrize(
    "text",
    [
        "the actor ran reg save HKLM\\SAM C:\\Temp\\sam.hiv and copied security.save",
        "a unit with WantedBy=multi-user.target and After=network-online.target",
        "the miner writes its PID to xmrig.pid before forking",
        "the loader registers filter.ax as a DirectShow filter",
    ],
)
def test_more_file_extensions_that_are_tlds(text: str) -> None:
    assert _found(text, "dns") == set()


def test_microsoft_namespaces_are_not_domains() -> None:
    text = (
        "operationName: MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMAND/ACTION, then "
        "Microsoft.Storage/storageAccounts/listKeys/action; the ETW provider "
        "Microsoft.Windows.Kernel.Security was disabled"
    )
    assert _found(text, "dns") == set()
    assert _found("see Microsoft.com, update.microsoft and System.Security.Evil.com", "dns") == {
        "microsoft.com",
        "update.microsoft",
        "system.security.evil.com",
    }


def test_base64_is_not_a_linux_path() -> None:
    # a Meterpreter or PowerShell blob logged in an event: ``+/`` sits inside the base64 run
    blob = "Q2FsbCBtZQ+/9XkpTYr1lcJZrGct3axIEHRYSyvSJ+VdMP+bknkvEnti/MfcFcUnGpav+/oMwxi65B29rY"
    assert _found(f'"ScriptBlockText": "{blob}"', "linux_path") == set()
    assert _found("dropped to /tmp/.x/agent and key=/etc/ssh/sshd_config", "linux_path") == {
        "/tmp/.x/agent",
        "/etc/ssh/sshd_config",
    }
