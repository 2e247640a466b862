"""The cheap screens before the full decoder change no result (issue 19: decode speed)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from asisdk.decode import _unpack, unpack
from asisdk.decode._deobfuscate import SCRIPT_PREFILTER, SCRIPT_WORDS, may_hold_script

EVENTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "events"
_PIECES = st.sampled_from(
    [
        "'",
        '"',
        "+",
        " ",
        "-f",
        "-JOIN",
        "atob(",
        "Base64 -d",
        "`",
        "&",
        "#",
        ";",
        "\\u",
        "[",
        "-1",
        "..",
        "^",
        "$",
        "ShellId",
        "%",
        "!",
        ":~",
        "a",
        "Z",
        "7",
        "\u017f",
        "\u212a",
    ]
)


def _full_regex(text: str) -> bool:
    lowered = text.lower()
    return SCRIPT_PREFILTER.search(text) is not None or any(w in lowered for w in SCRIPT_WORDS)


@given(st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=12).map("".join))
def test_script_screen_is_the_one_pattern(text: str) -> None:
    assert may_hold_script(text) == _full_regex(text)


def _real_lines() -> list[str]:
    frame = pd.read_csv(EVENTS / "msticpy" / "mde_proc_cs1.csv")
    cells = frame["CreatedProcessCommandLine"].dropna().astype(str).tolist()
    return list(dict.fromkeys(cells))


def test_script_screen_on_real_command_lines() -> None:
    lines = _real_lines()
    assert lines
    assert [may_hold_script(t) for t in lines] == [_full_regex(t) for t in lines]


def test_remembered_noise_spans_change_no_result() -> None:
    lines = _real_lines()
    _unpack._NOISE_SPANS.clear()
    _unpack._NOISE_BLOCKS.clear()
    cold = [unpack(line) for line in lines]  # fills the memo as it goes
    assert _unpack._NOISE_SPANS
    assert _unpack._NOISE_BLOCKS
    warm = [unpack(line) for line in lines]  # answered from it
    assert warm == cold
    assert any(result.layers for result in warm)
