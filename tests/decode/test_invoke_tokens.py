"""Invoke-Obfuscation's TOKEN and LAUNCHER spellings, on payloads of our own.

Format strings in single quotes or cmd's ``\\"`` quotes, placeholders shuffled; backticks
inside names; the automatic variables it picks ``iex`` from, braced and ticked, cast to
string, or found by a wildcard. Traps: the same syntax as scripts use it for output.
"""

from __future__ import annotations

import time

import pytest

from asisdk.decode import unpack

from .builders import layers


@pytest.mark.parametrize(
    ("line", "word"),
    [
        # Single-quoted format strings (the RUNDLL++ launcher writes them so).
        ("&( '{2}{0}{1}'-f 'ar','t-BitsTransfer','St' ) -Source $u", "Start-BitsTransfer"),
        ("( '{1}{0}' -F'ex','i' )", "iex"),
        # cmd's escaped quotes around the format string, inside ``cmd /c "..."``.
        (
            "cmd /c \"powershell .(\\\"{1}{2}{0}\\\" -f 'eRSHell','Po','W') -nop\"",
            "PoWeRSHell",
        ),
        # A shuffle of placeholders alone is obfuscation on its face, whatever it spells.
        ("$t = [type](\"{2}{0}{1}\" -F 'OrT','ER','rEp')", "rEpOrTER"),
    ],
)
def test_format_reordering(line: str, word: str) -> None:
    assert ("ps_format", word) in layers(line)


@pytest.mark.parametrize(
    "line",
    [
        "Write-Host ('{0}: {1}' -f 'Name', 'Value')",
        "$file = '{0}{1}' -f 'backup', '.zip'",
        "\"{1}, {0}\" -f 'Smith', 'John'",
        "'{0}{1}{2}' -f 'a','b','c'",
    ],
)
def test_output_format_strings_stay_alone(line: str) -> None:
    assert layers(line) == []


def test_backticks_inside_names() -> None:
    assert ("ps_backtick", "NeW-oBjeCt") in layers("$w = Ne`W-oB`jeCt Sys`Tem.Uri('x')")


@pytest.mark.parametrize(
    "line", ['Write-Host "Done`tOK`n"', '$row = "id`tname`tdept"', 'Write-Host "cost: `$5"']
)
def test_escape_backticks_stay_alone(line: str) -> None:
    assert layers(line) == []


@pytest.mark.parametrize(
    "line",
    [
        "& ( ${sH`El`lId}[1]+${SHe`LLid}[13]+'X' ) $payload",
        "$input | . ( ([StRiNg]$VeRbOsEpReFeReNcE)[1,3]+'x'-JoIn'')",
        "$input | . ( ${vE`RBosePR`efEreNCE}.ToString()[1,3]+'x'-join'')",
        "& ((Get-Variable '*MDR*').NaMe[3,11,2]-jOiN'') $script",
        "& ((gv '*mdr*').Name[3,11,2]-join'') $script",
        "$s | .( ${eNv:CoMsPeC}[4,15,25]-JoIn'')",
    ],
)
def test_iex_spelled_from_automatic_variables(line: str) -> None:
    assert "iex" in [(text or "").lower() for _, text in layers(line)]


@pytest.mark.parametrize(
    "line",
    [
        "Write-Host $ShellId $PSHome",
        "$p = ${env:ProgramFiles}[0] + 'x'",
        "$v = [string]$VerbosePreference; $v -join ''",
        "Get-Variable '*mdr*' | Format-List",
    ],
)
def test_automatic_variables_used_plainly_stay_alone(line: str) -> None:
    assert layers(line) == []


# -- -f inside -f (the CLIP launchers' argument spelling) ------------------------------------------


@pytest.mark.parametrize(
    ("line", "word"),
    [
        # an argument that is itself a shuffled format, in parentheses
        (
            "Add-Type -AssemblyName (\"{2}{0}{1}\" -f 'ntation','Core',(\"{1}{0}\" -f 'se','Pre'))",
            "PresentationCore",
        ),
        # two levels, spaces inside the parentheses, cmd's escaped quotes
        (
            "[Windows.Clipboard]::( \"{1}{0}\" -f 'xt',"
            "( \"{0}{1}\"-f 'Get',( '{1}{0}' -f 'e','T' ) ) )",
            "GetText",
        ),
        ("&( '{1}{0}' -f ('{1}{0}' -f 'ke','vo'),'In' ) $u", "Invoke"),
    ],
)
def test_format_inside_format(line: str, word: str) -> None:
    assert ("ps_format", word) in layers(line)


@pytest.mark.parametrize(
    "line",
    [
        # output templates that nest, as reports write them
        'Write-Host ("Total: {0}" -f ("{0} items" -f \'5\'))',
        "$m = '{0} ({1})' -f 'disk', ('{0} GB' -f '40')",
        # an inner argument that is no literal is not worked out
        "'{1}{0}' -f 'a',('{0}' -f $name)",
    ],
)
def test_nested_output_formats_stay_alone(line: str) -> None:
    assert layers(line) == []


MB = 1_000_000
ADVERSARIAL = {
    "nested_formats_open": "'{0}' -f (" * (MB // 10),
    "nested_formats_closed": "('{0}' -f ('{0}' -f 'a'))," * (MB // 26),
    "nested_formats_unclosed_literal": "'{0}' -f ('{0}' -f '" + "a" * MB,
    "braced_variables": "${a" * (MB // 3),
    "braced_index_concat": "${a}[1]+" * (MB // 8),
    "mdr_lookups": "(Get-Variable '*mdr*').Name[" * (MB // 28),
    "single_quoted_formats": "'{0}" * (MB // 4),
    "single_quoted_unclosed": "'" + "{0}" * (MB // 3) + " -f 'a'",
    "ticks_in_words": "a`B" * (MB // 3),
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_megabyte_is_bounded(name: str) -> None:
    started = time.perf_counter()
    unpack(ADVERSARIAL[name])
    assert time.perf_counter() - started < 30
