"""Feature helpers: msticpy parity values, scalar == vectorised, every documented column."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from asisdk.cluster import (
    PROCESS_FEATURE_COLUMNS,
    add_process_features,
    char_ord_score,
    crc32_hash,
    delim_count,
    delim_hash,
    token_count,
)
from asisdk.errors import InvalidInputError
from asisdk.executors import InlineExecutor

SENTENCE = "The quick & sly (as all foxes might be/or not) fox, jumped over a frog."


def test_scalar_values_match_msticpy_published_test_values() -> None:
    # The values msticpy's own test asserts for this sentence.
    assert token_count(SENTENCE) == 15
    assert char_ord_score(SENTENCE) == 6199
    assert delim_count(SENTENCE) == 20
    assert crc32_hash(SENTENCE) == 2011081507
    assert delim_hash(SENTENCE) == 2337396062


def test_char_ord_score_scale_and_bad_scale() -> None:
    assert char_ord_score("abc", scale=10) == 29
    with pytest.raises(InvalidInputError, match="scale"):
        char_ord_score("abc", scale=0)


def test_token_count_custom_delimiter_and_empty_delimiter() -> None:
    assert token_count("a,b,c", delimiter=",") == 3
    with pytest.raises(InvalidInputError, match="delimiter"):
        token_count("a b", delimiter="")


def test_series_form_keeps_index_and_treats_missing_as_empty() -> None:
    series = pd.Series([SENTENCE, None, np.nan, 42], index=[10, 11, 12, 13])
    scores = char_ord_score(series)
    assert list(scores.index) == [10, 11, 12, 13]
    assert scores.tolist() == [6199, 0, 0, ord("4") + ord("2")]
    assert delim_hash(series).tolist()[1] == delim_hash("")
    assert token_count(series).tolist() == [15, 1, 1, 1]


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


@given(st.lists(_text, max_size=12))
def test_vectorised_equals_scalar(values: list[str]) -> None:
    series = pd.Series(values, dtype=object)
    for func in (char_ord_score, token_count, delim_count, delim_hash, crc32_hash):
        assert func(series).tolist() == [func(v) for v in values]


def test_unicode_and_lone_surrogates_do_not_crash() -> None:
    text = "naïve \udc80 日本 /x"
    assert char_ord_score(text) == sum(map(ord, text))
    assert delim_count(text) == 4
    assert char_ord_score(pd.Series([text], dtype=object)).tolist() == [sum(map(ord, text))]


def _events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "NewProcessName": [r"C:\Windows\System32\cmd.exe", "/usr/bin/curl", None],
            "CommandLine": ["cmd.exe /c whoami /all", "curl -s http://x", np.nan],
            "SubjectLogonId": ["0x3e7", "0x1234", "-1"],
        },
        index=["a", "b", "c"],
    )


def test_add_process_features_computes_every_documented_column() -> None:
    out = add_process_features(_events())
    assert list(out.columns[-len(PROCESS_FEATURE_COLUMNS) :]) == list(PROCESS_FEATURE_COLUMNS)
    assert list(out.index) == ["a", "b", "c"]
    row = out.loc["a"]
    path, cmd = r"C:\Windows\System32\cmd.exe", "cmd.exe /c whoami /all"
    assert row["processName"] == "cmd.exe"
    assert row["processNameLen"] == 7
    assert row["processNameTokens"] == 4
    assert row["pathScore"] == sum(map(ord, path))
    assert row["pathLogScore"] == pytest.approx(math.log10(sum(map(ord, path))))
    assert row["pathHash"] == crc32_hash(path)
    assert row["commandlineLen"] == len(cmd)
    assert row["commandlineLogLen"] == pytest.approx(math.log10(len(cmd)))
    assert row["commandlineTokens"] == 4
    assert row["commandlineTokensFull"] == delim_count(cmd)
    assert row["commandlineScore"] == sum(map(ord, cmd))
    assert row["commandlineLogScore"] == pytest.approx(math.log10(sum(map(ord, cmd))))
    assert row["commandlineTokensHash"] == delim_hash(cmd)
    assert bool(row["isSystemSession"]) is True
    # A Linux path in the same frame splits at "/"; missing cells are empty strings.
    assert out.loc["b", "processName"] == "curl"
    assert not out.loc["b", "isSystemSession"]
    assert out.loc["c", "processName"] == ""
    assert out.loc["c", "commandlineLen"] == 0
    assert out.loc["c", "commandlineLogScore"] == 0.0
    assert bool(out.loc["c", "isSystemSession"]) is True


def test_explicit_path_separator() -> None:
    out = add_process_features(_events(), path_separator="/")
    assert out.loc["a", "processName"] == r"C:\Windows\System32\cmd.exe"
    assert out.loc["b", "processName"] == "curl"
    with pytest.raises(InvalidInputError, match="path_separator"):
        add_process_features(_events(), path_separator="::")


def test_missing_columns_are_named_and_missing_logon_column_means_not_system() -> None:
    with pytest.raises(InvalidInputError, match="NewProcessName"):
        add_process_features(pd.DataFrame({"CommandLine": ["x"]}))
    out = add_process_features(_events().drop(columns="SubjectLogonId"))
    assert not out["isSystemSession"].any()


def test_input_is_not_modified_and_rerun_replaces_features(host_processes: pd.DataFrame) -> None:
    before = host_processes.copy()
    once = add_process_features(host_processes, executor=InlineExecutor())
    twice = add_process_features(once)
    pd.testing.assert_frame_equal(host_processes, before)
    pd.testing.assert_frame_equal(once, twice)
    assert once["processName"].value_counts().index[0] == "cscript.exe"


def test_nul_characters_are_not_confused_with_empty_cells() -> None:
    # pandas 2's string hash tables stop at NUL; distinct texts must stay distinct.
    series = pd.Series(["", "\x00", "a\x00b", "a"], dtype=object)
    assert crc32_hash(series).tolist() == [crc32_hash(v) for v in series]
    frame = pd.DataFrame({"NewProcessName": ["x", "x"], "CommandLine": ["", "\x00"]})
    assert add_process_features(frame)["commandlineLen"].tolist() == [0, 1]
