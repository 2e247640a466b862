"""The shared real data: msticpy's own fixtures and the OTRF Empire launchers."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from asisdk.decode import unpack, unpack_frame
from asisdk.executors import InlineExecutor


@pytest.fixture(scope="module")
def otrf(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / "events" / "otrf" / "otrf_process_logon_events.csv")


def test_msticpy_base64msg_fixture(shared_data: Path) -> None:
    text = (shared_data / "events" / "msticpy" / "base64msg.txt").read_text()
    result = unpack(text)
    assert result.error is None
    summary = [
        (layer.index, layer.encoding, layer.file_type, layer.file_name) for layer in result.layers
    ]
    assert summary == [
        ("1", "base64", "tar", None),
        ("1.1", "tar", "text", "dllenc.txt"),
        ("1.2", "tar", "text", "txtenc.txt"),
        ("1.2.1", "base64", "text", None),
        ("1.3", "tar", "gzip", "txtenc.txt.gz"),
        ("1.3.1", "gzip", "text", "txtfileenc.txt"),
        ("1.3.1.1", "base64", "text", None),
        ("2", "base64", "zip", None),
        ("2.1", "zip", "text", "dllenc.txt"),
        ("2.2", "zip", "text", "txtenc.txt"),
        ("2.2.1", "base64", "text", None),
        ("2.3", "zip", "gzip", "txtenc.txt.gz"),
        ("2.3.1", "gzip", "text", "txtfileenc.txt"),
        ("2.3.1.1", "base64", "text", None),
    ]
    # txtenc.txt holds base64 of UTF-16LE (with BOM) text, inside PEM armour.
    assert result.layers[3].text == "text\r\nfile\r\n"
    assert result.text.startswith("There should be a tar file here:[tar member dllenc.txt]")
    assert result.text.rstrip().endswith("And this is the end.")


def test_msticpy_zip_in_pem_fixture(shared_data: Path) -> None:
    text = (shared_data / "events" / "msticpy" / "b64text_inzip.txt").read_text()
    result = unpack(text)
    assert [(layer.encoding, layer.file_name) for layer in result.layers] == [
        ("base64", None),
        ("zip", "txtenc.txt"),
        ("base64", None),
    ]
    assert result.layers[-1].text == "text\r\nfile\r\n"


#: What Empire's launcher cuts in two against signatures: AMSI and script-block logging.
SPLIT_NAMES = {
    "System.Management.Automation.AmsiUtils",
    "amsiInitFailed",
    "NonPublic,Static",
    "ScriptBlockLogging",
    "EnableScriptBlockLogging",
    "HKEY_LOCAL_MACHINE\\Software\\Policies\\Microsoft\\Windows\\PowerShell\\ScriptBlockLogging",
}


def test_empire_launchers_decode_end_to_end(otrf: pd.DataFrame) -> None:
    launchers = otrf[otrf["CommandLine"].str.contains(" -enc ", na=False)]
    assert len(launchers) == 6
    out = unpack_frame(launchers, "CommandLine", executor=InlineExecutor())
    assert set(out["src_index"]) == set(launchers.index)
    for label, rows in out.groupby("src_index"):
        script = rows.iloc[0]
        assert script["encoding"] == "base64"
        assert script["depth"] == 1
        # Readable PowerShell: the AMSI bypass and the stager's web client.
        assert "System.Management.Automation" in script["decoded_text"]
        assert "New-ObJECt SYsTEM.NeT.WebCLienT".lower() in script["decoded_text"].lower()
        full = script["full_decoded_string"]
        assert full.startswith(otrf.loc[label, "CommandLine"].split(" -enc ")[0])
        assert re.search(r"-enc\s+if\(\$psversiontable", full, re.IGNORECASE)
        # The C2 address is base64 of UTF-16LE again, one level down.
        inner = rows[(rows["depth"] == 2) & (rows["encoding"] == "base64")]
        assert len(inner) == 1
        # Empire's AMSI and script-block-logging bypasses cut the names that signatures
        # look for in two ('ScriptB'+'lockLogging').
        joined = rows[rows["encoding"] == "ps_concat"]["decoded_text"].tolist()
        assert joined[-2:] == ["System.Management.Automation.AmsiUtils", "amsiInitFailed"]
        assert set(joined) == SPLIT_NAMES
        assert inner["decoded_text"].iloc[0].startswith("http://10.10.10.5")
        assert re.search(r"frombase64string\('http://10\.10\.10\.5", full, re.IGNORECASE)


def test_every_field_of_the_empire_vbs_dataset(shared_data: Path) -> None:
    """2,067 raw events (Sysmon, Security, PowerShell): only the launcher decodes.

    Inside it, the C2 address is base64 again and the AMSI and logging bypasses hide names by
    concatenation.
    """
    import json

    path = shared_data / "events" / "otrf" / "empire_launcher_vbs_2020-09-04160940.json"
    texts = set()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            for value in json.loads(line).values():
                if isinstance(value, str):
                    texts.update(layer.text for layer in unpack(value).layers)
    inner = {"http://10.10.10.5"} | SPLIT_NAMES
    assert len(texts) == len(inner) + 1
    assert inner <= texts
    (script,) = texts - inner
    assert script is not None
    assert script.startswith("If($PSVERSiOnTaBlE.PSVErSIOn.MajOR -gE 3)")
