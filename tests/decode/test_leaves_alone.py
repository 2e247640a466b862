"""What unpack must leave alone: hashes, GUIDs, paths, identifiers, noise."""

from __future__ import annotations

import base64
import hashlib
import random

import pandas as pd
import pytest

from asisdk.decode import unpack

NOT_ENCODED = [
    # hex digests
    hashlib.md5(b"x").hexdigest(),
    hashlib.sha1(b"x").hexdigest(),
    hashlib.sha256(b"x").hexdigest(),
    hashlib.sha512(b"x").hexdigest().upper(),
    f"certutil -hashfile a.exe SHA256 -> {hashlib.sha256(b'a').hexdigest()}",
    # GUIDs
    "{6F9619FF-8B86-D011-B42D-00C04FC964FF}",
    "msiexec /x {AC76BA86-7AD7-1033-7B44-AC0F074E4100} /qn",
    "c2f5e4f1-3b2a-4c8e-9d0a-7b6e5f4a3c2d",
    # file and registry paths
    r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe -NoProfile",
    r"C:\Program Files (x86)\Microsoft\EdgeUpdate\MicrosoftEdgeUpdate.exe /c",
    "/usr/lib/x86_64-linux-gnu/libcrypto.so.1.1 /opt/microsoft/omsagent/plugin/filter",
    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\SecurityHealthSystray",
    r"reg add HKCU\Software\Classes\ms-settings\Shell\Open\command /ve /d cmd.exe",
    # Azure resource ids
    "/subscriptions/40dcc8bf-0478-4f3b-b275-ed0a94f2c013/resourceGroups/Security-RG/"
    "providers/Microsoft.Compute/virtualMachines/WindowsServerDomainController01",
    "/subscriptions/0000/resourcegroups/rg/providers/Microsoft.OperationalInsights/"
    "workspaces/SecurityInsightsWorkspaceProduction",
    # CamelCase identifiers and long words
    "SystemManagementAutomationAmsiUtils ScriptBlockLoggingEnableScriptBlockInvocationLogging",
    "Get-ItemPropertyValueFromRegistryKeyPath -ErrorAction SilentlyContinue",
    "Antidisestablishmentarianism floccinaucinihilipilification",
    "supercalifragilisticexpialidocious pneumonoultramicroscopicsilicovolcanoconiosis",
    # runs of one character and long numbers
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "================================ ---------------------------------",
    "////////////////////////////////////////////////////////////////",
    "12345678901234567890123456789012 4294967295000000000000",
    "--field-trial-handle=1732,i,16014851254434343870,17932416946154117934,131072",
    # Chromium switches with binary base64 blobs (decode to noise, not text)
    "--gpu-preferences=SAAAAAAAAADgAAAwAAAAAAAAAAAAAAAAAABgAAAAAAAwAAAAAAAAAAAAAAAAAAAAAAAAAAAQ"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAEAAAAAAAAAAgAAAAAAAAA"
    "CAAAAAAAAAA= --mojo-platform-channel-handle=2076",
    # a hash at the end of a line, a short word on the next (Sysmon's Message field)
    "IMPHASH=8461651332BA942E21A64DBF3E9E80F8\r\nSigned: true\r\nSignature: Microsoft Windows",
    # -e switches of other tools
    "grep -e root /etc/passwd && sed -e s/x/y/g file && perl -e exit",
    # file names after -e and -enc switches (certutil -encode, as in SigmaHQ's regression
    # captures): no PowerShell payload "file"
    "certutil  -encode file.bat file_.base64",
    "tool -enc file.bat && x -e file && y -e name",
    # version strings, timestamps, IP lists
    "10.0.17763.1 2019-01-10T12:34:56.789Z 192.168.1.1,10.0.0.1,172.16.0.1",
]


@pytest.mark.parametrize("text", NOT_ENCODED)
def test_left_alone(text: str) -> None:
    result = unpack(text)
    assert result.layers == ()
    assert result.text == text
    assert result.error is None


def test_random_tokens_that_decode_to_noise_are_not_layers() -> None:
    rng = random.Random(20240601)
    for _ in range(300):
        raw = rng.randbytes(rng.randint(12, 96))
        for token in (
            base64.b64encode(raw).decode(),
            base64.urlsafe_b64encode(raw).decode().rstrip("="),
            raw.hex(),
        ):
            assert unpack(f"session={token};").layers == (), token


def test_short_decodes_mixing_scripts_are_noise() -> None:
    # 12 bytes that happen to be valid UTF-8: Greek, Cyrillic and Latin letters mixed.
    assert base64.b64decode("4b231JjJmWgnOypY").decode() == "\u1f77\u0518\u0259h';*X"
    assert unpack("https://cdn.example.com/4b231JjJmWgnOypY/x").layers == ()
    # One script is text, as in a base64 user name.
    assert unpack("user=" + base64.b64encode("Jörg Müller-Lüdenscheid".encode()).decode()).layers


def test_real_command_lines_give_no_false_positives(shared_data: object) -> None:
    from pathlib import Path

    assert isinstance(shared_data, Path)
    frame = pd.read_csv(shared_data / "events" / "msticpy" / "processes_on_host.csv")
    found = []
    for line in frame["CommandLine"].dropna():
        result = unpack(line)
        found.extend(layer.text for layer in result.layers)
    # The -enc line is the only encoded content; four more lines hide names and a URL
    # with backticks, string concatenation and cmd carets (msticpy's obfuscation samples).
    assert found
    assert set(found) == {
        ".\\pOWErSHElL.eXe -ExEcUtIoNpOliCy BYpasS imPOrT-MoDuLE biTsTrANSFeR;"
        "Start-bITSTRanSfER -SOURCE 'http://somedomain/best-kitten-names-1.jpg' -dEStINAtIOn "
        "'C:\\Users\\",
        "$t = 'dir';\r\n& ('Invoke'+'-Expression') $t",
        "Invoke-Expression",
        "nEW-obJEcT",
        ".WebClient",
        "DownloadString(('ht'+'tp://paste'+ 'bin/'+'raw/'+'pqCwEm17'))",
        "http://pastebin/raw/pqCwEm17",
        "http://pastebbin/raw/pqCwEm17",
        # ("{2}{0}{1}"-f ':/','/paste','tp') and ("{1}{0}"-f'Em17','pqCw'): shuffled placeholders
        "tp://paste",
        "pqCwEm17",
        # cmd /c ".\n^e^t u^se^r": carets cutting words are obfuscation whatever they hide
        ".\\net user",
    }


def test_mde_command_lines_decode_only_real_payloads(shared_data: object) -> None:
    from pathlib import Path

    assert isinstance(shared_data, Path)
    frame = pd.read_csv(shared_data / "events" / "msticpy" / "mde_proc_cs1.csv")
    lines = frame["CreatedProcessCommandLine"].dropna().tolist()
    texts = set()
    rows_with_layers = 0
    for line in lines:
        result = unpack(line)
        rows_with_layers += bool(result.layers)
        texts.update(layer.text for layer in result.layers if layer.encoding != "percent")
    # 1,564 real command lines full of GUIDs, hashes, pseudonymised ids and Chromium
    # base64 blobs: only a Zoom join link (percent-encoded base64 parameters) and an
    # Omaha update request (base64url XML) hold encoded text.
    assert rows_with_layers == 3
    assert all(text is not None for text in texts)
    assert any(text.startswith('<?xml version="1.0"') for text in texts)
    assert any(text.startswith("utid=UTID_") for text in texts)
