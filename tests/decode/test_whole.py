"""Values that are asked for: a text that is one expression, and ``-bxor`` over a byte list.

A text that is nothing but ``chr(65)`` or ``"first " + "second"`` (a field an analyst copies
out of a script, a token a parser cut out) asks what it stands for; the same pieces inside a
statement are ordinary code and stay alone. An explicit ``-bxor`` with a constant key over a
list of bytes computes its value whatever that value shows.
"""

from __future__ import annotations

import time

import pytest

from asisdk.decode import unpack

from .builders import check_offsets


def shown(text: str) -> list[tuple[str, str | None]]:
    result = unpack(text)
    check_offsets(text, result)
    return [(layer.encoding, layer.text) for layer in result.layers]


# -- a text that is one expression -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chr(65)", ("vba_chr", "A")),
        ("ChrW(34)", ("vba_chr", '"')),
        ("ChrB(&H41)", ("vba_chr", "A")),
        ("Chr(60 + 5)", ("vba_chr", "A")),
        ("  Chr(72)Chr(105)  ", ("vba_chr", "Hi")),
        ('Chr(72) + "ello"', ("vba_chr", "Hello")),
        ('"first " + "second" + " third"', ("ps_concat", "first second third")),
        ("'it''s' + ' fine'", ("ps_concat", "it's fine")),
        ("'''' + ''''", ("ps_concat", "''")),
        ('"""" + """"', ("ps_concat", '""')),
        ('"say \\"hi\\"" + "!"', ("js_concat", 'say "hi"!')),
        ("[char]72 + 'i'", ("ps_concat", "Hi")),
    ],
)
def test_a_text_that_is_one_expression_gives_its_value(
    text: str, expected: tuple[str, str]
) -> None:
    assert shown(text) == [expected]


def test_the_value_is_still_unpacked_further() -> None:
    # base64 of "Invoke-Expression" cut in two: the join is the layer, its base64 the next.
    result = unpack("'SW52b2tlLUV4cHJl' + 'c3Npb24='")
    assert [layer.encoding for layer in result.layers] == ["ps_concat", "base64"]
    assert result.layers[-1].text == "Invoke-Expression"


@pytest.mark.parametrize(
    "text",
    [
        # the same pieces inside a statement or a call are ordinary code
        '$s = "first " + "second"',
        "Write-Host ('Processed ' + 'items')",
        'MsgBox "Hello" & Chr(13)',
        # cmd chains two quoted programs with &: no expression
        '"C:\\Tools\\a.exe" & "C:\\Tools\\b.exe"',
        # a lone literal, an empty call, a dangling operator, a code out of range
        '"just a literal"',
        "chr()",
        '"a" +',
        "+ 'a'",
        "chr(1114112)",
        "chr(55296)",
        # literals side by side are no expression (only Chr calls may stand so)
        '"a" "b"',
        "'a' chr(65)",
    ],
)
def test_pieces_that_are_not_one_whole_expression_stay_alone(text: str) -> None:
    assert shown(text) == []


# -- -bxor over a bare list of bytes --------------------------------------------------------------


def _listed(data: bytes) -> str:
    return ", ".join(hex(byte) for byte in data)


def test_bxor_after_a_bare_byte_list() -> None:
    key = 0x23
    line = "$b = " + _listed(bytes(byte ^ key for byte in b"http://198.51.100.7/a")) + " -bxor 0x23"
    assert ("ps_bxor", "http://198.51.100.7/a") in shown(line)


def test_bxor_whose_value_is_blank_is_still_its_value() -> None:
    # 0x61 ^ 65 is a space: the operation is explicit, so its value is reported as it is.
    line = _listed(b"a" * 600) + " -bxor 65"
    assert shown(line) == [("ps_bxor", " " * 600)]


def test_a_list_without_bxor_is_only_its_bytes() -> None:
    assert [encoding for encoding, _ in shown(_listed(b"cmd.exe /c whoami"))] == ["hex"]


# -- bounded on hostile input -------------------------------------------------------------------

MB = 1_000_000
ADVERSARIAL = {
    "bare_list_then_bxor": "1, " * (MB // 3) + "-bxor 1",
    "bare_lists_each_with_bxor": "1, 2, 3 -bxor 1 " * (MB // 16),
    "bare_list_spaced_no_bxor": "1,   " * (MB // 5) + "x",
    "quotes_at_the_cap": "'" * 65_536,
    "doubled_quotes_then_plus": '"' * 65_000 + " + ",
    "escaped_literal_at_the_cap": '"' + "\\" * 65_530 + '" + "a"',
    "plus_chain_at_the_cap": "'a' + " * 10_900 + "'a'",
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_input_is_bounded(name: str) -> None:
    text = ADVERSARIAL[name]
    started = time.perf_counter()
    unpack(text)
    # Linear scans take about a second here; catastrophic backtracking would take hours.
    assert time.perf_counter() - started < 30
