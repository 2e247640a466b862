"""PowerShell SecureStrings whose AES key is written in the same script.

``ConvertFrom-SecureString -Key`` exports a SecureString as the header
``76492d1116743f0423413b16050a5345`` and the base64 of a UTF-16 ``2|<IV in base64>|<cipher
in hex>``: AES-CBC of the UTF-16 text with that key (16, 24 or 32 bytes), PKCS#7-padded.
Scripts keep credentials that way, and Invoke-Obfuscation's SecureString encoding hides a
whole script so (``'76492d...' | ConvertTo-SecureString -Key (1..32)``). Without the key the
blob is opaque; with the key in the text it is the plaintext, which is a layer whatever it
shows.

The key is read where ``ConvertTo-SecureString`` (or ``-Key``) names it: a list or a range
written inline (``-Key (1..16)``, ``-Key 86,123,...``), or a variable assigned one
(``$k = (3,4,...)``, ``[byte[]]$k = @(...)``, ``$k = '77,52,...' -split ','``, ``$k = "96 99
..."`` then ``$k.Split(" ")``). Every blob is tried with every key found (a script has one or
two); a wrong key fails the padding or the UTF-16 check.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final

from asisdk.decode._powershell import Found

__all__ = ["SECURESTRING_HEADER", "find_securestring"]

#: What every key-encrypted SecureString export starts with.
SECURESTRING_HEADER: Final = "76492d1116743f0423413b16050a5345"
#: Most blobs and keys tried in one text (a script holds a few; a dump, hostile text, more).
_MOST_BLOBS: Final = 64
_MOST_KEYS: Final = 8
_MAX_BLOB: Final = 1 << 20
_AES_KEY_SIZES: Final = frozenset({16, 24, 32})
_BYTE_MAX: Final = 0xFF

_BLOB: Final = re.compile(rf"{SECURESTRING_HEADER}(?P<body>[A-Za-z0-9+/\r\n]{{16,{_MAX_BLOB}}}=*)")
# ``-Key``, ``-K``, ``-Ke``: PowerShell takes any prefix of a parameter's name.
_KEY_PARAMETER: Final = re.compile(r"-(?i:k(?:ey?)?)\s*[:\s]\s*")
# A key as scripts write it: a range or 16, 24 or 32 numbers, in parentheses, ``@()``, a cast
# or quotes (a string that ``-split`` or ``.Split`` cuts). Possessive separators: a run of
# spaces is read one way.
_KEY_EXPRESSION: Final = re.compile(
    r"(?:\[(?i:byte)\[\]\]\s*)?\(?\s*@?\(?\s*['\"]?\s*"
    r"(?:(?P<low>\d{1,3})\s*\.\.\s*(?P<high>\d{1,3})"
    r"|(?P<list>\d{1,3}(?:(?:\s*+,\s*+|\s++)\d{1,3}){15,31})(?![\d.]))"
)
_NUMBER: Final = re.compile(r"\d{1,3}")
_VARIABLE: Final = re.compile(r"\$(?P<name>\w{1,64})")


def _key_at(text: str, position: int) -> bytes | None:
    """A key written inline at ``position`` of ``text``, or ``None``."""
    match = _KEY_EXPRESSION.match(text, position)
    if match is None:
        return None
    if match.group("list") is not None:
        numbers = [int(n) for n in _NUMBER.findall(match.group("list"))]
    else:
        low, high = int(match.group("low")), int(match.group("high"))
        numbers = list(range(low, high + 1))
    if len(numbers) not in _AES_KEY_SIZES or max(numbers) > _BYTE_MAX:
        return None
    return bytes(numbers)


def _assigned(text: str, name: str) -> list[bytes]:
    """The keys assigned to ``$name`` anywhere in ``text``."""
    keys: list[bytes] = []
    pattern = re.compile(rf"\$(?i:{re.escape(name)})\s*=\s*")
    for match in pattern.finditer(text):
        key = _key_at(text, match.end())
        if key is not None:
            keys.append(key)
    return keys


def _keys(text: str) -> list[bytes]:
    """Every key a ``-Key`` argument names, inline or through a variable."""
    keys: dict[bytes, None] = {}
    looked_up: set[str] = set()
    for match in _KEY_PARAMETER.finditer(text):
        key = _key_at(text, match.end())
        if key is not None:
            keys[key] = None
        else:
            variable = _VARIABLE.search(text, match.end(), match.end() + 64)
            name = None if variable is None else variable.group("name").lower()
            if name is not None and name not in looked_up and len(looked_up) < _MOST_KEYS:
                looked_up.add(name)
                keys.update(dict.fromkeys(_assigned(text, name)))
        if len(keys) >= _MOST_KEYS:
            break
    return list(keys)


def _decrypt(body: str, key: bytes) -> str | None:
    """The text of one exported SecureString (without its header), or ``None``."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    try:
        fields = base64.b64decode("".join(body.split())).decode("utf-16-le").split("|")
        if len(fields) != 3 or fields[0] != "2":
            return None
        iv, cipher = base64.b64decode(fields[1]), bytes.fromhex(fields[2])
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        padded = decryptor.update(cipher) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        plain = unpadder.update(padded) + unpadder.finalize()
        return plain.decode("utf-16-le")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def find_securestring(text: str) -> list[Found]:
    """Key-encrypted SecureStrings of ``text`` decrypted with a key written in ``text``.

    Examples:
        >>> find_securestring("$s = '76492d1116743f0423413b16050a5345' | ConvertTo-SecureString")
        []
    """
    if SECURESTRING_HEADER not in text:
        return []
    keys = _keys(text)
    if not keys:
        return []
    found: list[Found] = []
    for match in list(_BLOB.finditer(text))[:_MOST_BLOBS]:
        for key in keys:
            plain = _decrypt(match.group("body"), key)
            if plain is not None:
                found.append(
                    Found(match.start(), match.end(), "ps_securestring", plain, True, True)
                )
                break
    return found
