"""HTML views of other packages' results, and their registration with IPython."""

from __future__ import annotations

import base64
import gzip
import re

import pandas as pd

from asisdk.decode import DecodeLimits, unpack, unpack_frame
from asisdk.notebook import format_unpacked, register_html_formatters


def _launcher_command(events: pd.DataFrame) -> str:
    return str(events[events["CommandLine"].str.contains("-enc ")]["CommandLine"].iloc[0])


def test_unpacked_view_shows_the_decoded_text_and_the_layer_tree(events: pd.DataFrame) -> None:
    result = unpack(_launcher_command(events))
    view = format_unpacked(result)
    assert "2 decoded layers" in view
    assert "System.Management.Automation.Amsi" in view  # the decoded script, escaped
    assert "http://10.10.10.5" in view  # the nested layer's text
    # layer 1.1 is nested inside layer 1's list item
    assert re.search(r"<li><b>1</b> base64 .*<ul><li><b>1\.1</b> base64", view, re.S)
    assert "<script" not in view.lower()


def test_unpacked_view_of_binary_layers_errors_and_nothing() -> None:
    payload = base64.b64encode(gzip.compress(b"MZ" + bytes(300))).decode()
    view = format_unpacked(unpack(f"blob {payload}"))
    assert "&rarr; gzip" in view
    assert "gzip &rarr;" in view
    assert format_unpacked(unpack("nothing here")).count("<li>") == 0
    limited = unpack("x" * 50, limits=DecodeLimits(max_input_chars=10))
    if limited.error:
        assert "error:" in format_unpacked(limited)


def test_deeply_nested_layers_render_without_recursion() -> None:
    text = "done"
    for _ in range(25):
        text = base64.b64encode(f"echo {text}".encode()).decode()
    result = unpack(text, max_depth=200)
    assert len(result.layers) >= 20
    view = format_unpacked(result, max_chars=50)
    assert view.count("<ul>") == view.count("</ul>") == len(result.layers)


def test_accessor_unpack_is_unpack_frame(events: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        events.asi.unpack("CommandLine"), unpack_frame(events, "CommandLine")
    )


def test_formatters_are_registered_with_the_shell(shell: object) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    assert isinstance(shell, InteractiveShell)
    assert register_html_formatters()
    result = unpack("powershell -enc ZABpAHIAIABDADoAXAA=")
    data, _ = shell.display_formatter.format(result)
    assert data["text/html"] == format_unpacked(result)


def test_without_a_shell_nothing_is_registered() -> None:
    assert register_html_formatters(object()) is False
