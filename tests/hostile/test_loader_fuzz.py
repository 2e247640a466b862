"""Any bytes, any format: the loader lists problems and never raises (Hypothesis)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asisdk.pipeline import load_events

_FORMATS = ["auto", "csv", "jsonl", "json", "winxml", "syslog", "auditd", "access", "iis", "text"]

#: Lines built from the pieces the readers look for, so the fuzzing reaches past sniffing.
_PIECES = st.sampled_from(
    [
        "<34>1 ",
        "Dec 10 06:55:46 ",
        "type=SYSCALL msg=audit(1550505632.285:9):",
        " a0=2F62696E",
        ' "GET / HTTP/1.1" 200 1',
        "[10/Oct/2000:13:55:36 -0700]",
        "#Fields: date time c-ip",
        "<Events>",
        "<Event><System><EventID>1</EventID>",
        "</Event>",
        '{"a": {"b": ',
        "}",
        "[",
        '"',
        ",",
        "\\ud800",
        "\u00e9",
        "\ufffd",
        "\t",
        "x",
        '[sd@1 a="b"]',
    ]
)
_LINES = st.lists(st.lists(_PIECES, max_size=8).map("".join), max_size=12).map("\n".join)


@pytest.mark.parametrize("input_format", _FORMATS)
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_LINES, noise=st.binary(max_size=64))
def test_the_loader_never_raises(input_format: str, text: str, noise: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "input.log"
        path.write_bytes(text.encode("utf-8") + noise)

        loaded = load_events([path], input_format=input_format)  # type: ignore[arg-type]

    lines = text.count("\n") + noise.count(b"\n") + 1
    if input_format not in ("winxml", "json", "auto"):  # XML and JSON: many events a line
        assert len(loaded.frame) <= lines
    assert {problem.file for problem in loaded.problems} <= {str(path)}
    if len(loaded.frame):
        assert set(loaded.frame["asi_file"]) == {str(path)}
