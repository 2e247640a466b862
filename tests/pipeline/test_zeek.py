"""Zeek logs: TSV with its ``#`` header and JSON lines, typed columns, missing values, times."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from asisdk.cli import EXIT_OK, main
from asisdk.pipeline import load_events
from asisdk.pipeline._load import detect_format

T = "\t"


def _header(path: str, fields: str, types: str) -> str:
    """A Zeek ASCII writer header; ``fields`` and ``types`` are space-separated."""
    return (
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
        f"#path\t{path}\n#open\t2024-05-01-10-00-00\n"
        f"#fields\t{T.join(fields.split())}\n#types\t{T.join(types.split())}\n"
    )


CONN_FIELDS = (
    "ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes "
    "resp_bytes conn_state local_orig local_resp missed_bytes history orig_pkts orig_ip_bytes "
    "resp_pkts resp_ip_bytes tunnel_parents"
)
CONN_TYPES = (
    "time string addr port addr port enum string interval count count string bool bool count "
    "string count count count count set[string]"
)
CONN_ROWS = [
    "1714557600.123456\tCAbc1\t10.0.0.5\t51234\t93.184.216.34\t80\ttcp\thttp\t0.512003\t120"
    "\t4500\tSF\tT\tF\t0\tShADadfF\t6\t440\t5\t4700\t(empty)",
    "1714557601.000001\tCAbc2\t10.0.0.5\t5353\t224.0.0.251\t5353\tudp\t-\t-\t-\t-\tS0\tT\tF"
    "\t0\tD\t1\t80\t0\t0\tCt1,Ct2",
]


def _conn(tmp_path: Path) -> Path:
    path = tmp_path / "conn.log"
    body = _header("conn", CONN_FIELDS, CONN_TYPES) + "\n".join(CONN_ROWS)
    path.write_text(body + "\n#close\t2024-05-01-11-00-00\n", encoding="utf-8")
    return path


DNS = _header(
    "dns",
    "ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto trans_id rtt query qclass "
    "qclass_name qtype qtype_name rcode rcode_name AA TC RD RA Z answers TTLs rejected",
    "time string addr port addr port enum count interval string count string count string "
    "count string bool bool bool bool count vector[string] vector[interval] bool",
) + (
    "1714557602.5\tCd1\t10.0.0.5\t40000\t10.0.0.1\t53\tudp\t4242\t0.01\tevil.example\t1\tC_INTERNET"
    "\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t198.51.100.7,198.51.100.8\t300.0,300.0\tF\n"
)

HTTP = _header(
    "http",
    "ts uid id.orig_h id.orig_p id.resp_h id.resp_p trans_depth method host uri referrer "
    "version user_agent request_body_len response_body_len status_code status_msg tags "
    "resp_fuids resp_mime_types",
    "time string addr port addr port count string string string string string string count "
    "count count string set[enum] vector[string] vector[string]",
) + (
    "1714557603.25\tCh1\t10.0.0.5\t51234\t93.184.216.34\t80\t1\tGET\texample.com\t/a.ps1\t-"
    "\t1.1\tcurl/8.0\t0\t1024\t200\tOK\t(empty)\tFf1\ttext/plain\n"
)

SSL = _header(
    "ssl",
    "ts uid id.orig_h id.orig_p id.resp_h id.resp_p version cipher curve server_name resumed "
    "established cert_chain_fps",
    "time string addr port addr port string string string string bool bool vector[string]",
) + (
    "1714557604.0\tCs1\t10.0.0.5\t51300\t203.0.113.9\t443\tTLSv13\tTLS_AES_128_GCM_SHA256"
    "\tx25519\tbad.example\tF\tT\tfp1,fp2\n"
)

FILES = _header(
    "files",
    "ts fuid uid id.orig_h id.orig_p id.resp_h id.resp_p source depth analyzers mime_type "
    "filename duration is_orig seen_bytes total_bytes missing_bytes md5 sha1",
    "time string string addr port addr port string count set[string] string string interval "
    "bool count count count string string",
) + (
    "1714557605.75\tFf1\tCh1\t93.184.216.34\t80\t10.0.0.5\t51234\tHTTP\t0\tMD5,SHA1\ttext/plain"
    "\t-\t0.0\tF\t1024\t1024\t0\td41d8cd98f00b204e9800998ecf8427e\tda39a3ee\n"
)

X509 = _header(
    "x509",
    "ts fingerprint certificate.version certificate.serial certificate.subject "
    "certificate.issuer certificate.not_valid_before certificate.not_valid_after "
    "san.dns basic_constraints.ca",
    "time string count string string string time time vector[string] bool",
) + (
    "1714557606.0\tfp1\t3\t0A1B\tCN=bad.example\tCN=R3,O=Let's Encrypt\t1711929600.0"
    "\t1719705600.0\tbad.example,www.bad.example\tF\n"
)

NOTICE = _header(
    "notice",
    "ts uid id.orig_h id.orig_p id.resp_h id.resp_p note msg sub src dst p actions suppress_for",
    "time string addr port addr port enum string string addr addr port set[enum] interval",
) + (
    "1714557607.0\t-\t-\t-\t-\t-\tScan::Port_Scan\t10.0.0.5 scanned 15 ports\t-\t10.0.0.5\t-"
    "\t-\tNotice::ACTION_LOG\t3600.0\n"
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_conn_tsv_types_missing_values_and_exact_times(tmp_path: Path) -> None:
    path = _conn(tmp_path)
    assert detect_format(path) == "zeek"
    loaded = load_events([path])
    assert loaded.problem_count == 0
    frame = loaded.frame
    assert frame["ts"][0] == pd.Timestamp(datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC))
    assert frame["ts"][1].microsecond == 1
    assert frame["Timestamp"].equals(frame["ts"])
    assert str(frame["id.orig_p"].dtype) == "Int64"
    assert str(frame["orig_bytes"].dtype) == "Int64"
    assert pd.isna(frame["orig_bytes"][1])  # "-" is unset
    assert frame["duration"][0] == pytest.approx(0.512003)
    assert pd.isna(frame["duration"][1])
    assert pd.isna(frame["service"][1])
    assert frame["local_orig"].tolist() == [True, True]
    assert frame["local_resp"].tolist() == [False, False]
    assert frame["tunnel_parents"].tolist() == ["", "Ct1,Ct2"]  # (empty) is ""
    assert frame["Message"].tolist() == [
        "10.0.0.5:51234 -> 93.184.216.34:80 tcp http",
        "10.0.0.5:5353 -> 224.0.0.251:5353 udp",
    ]
    assert frame["asi_row"].tolist() == [9, 10]


@pytest.mark.parametrize(
    ("name", "text", "message", "typed"),
    [
        ("dns.log", DNS, "dns evil.example A 198.51.100.7,198.51.100.8", ("trans_id", "Int64")),
        ("http.log", HTTP, "GET example.com/a.ps1 200", ("status_code", "Int64")),
        (
            "ssl.log",
            SSL,
            "ssl bad.example TLSv13 10.0.0.5 -> 203.0.113.9:443",
            ("resumed", "boolean"),
        ),
        (
            "files.log",
            FILES,
            "file text/plain d41d8cd98f00b204e9800998ecf8427e da39a3ee",
            ("seen_bytes", "Int64"),
        ),
        (
            "x509.log",
            X509,
            "x509 CN=bad.example issuer CN=R3,O=Let's Encrypt",
            ("certificate.version", "Int64"),
        ),
        (
            "notice.log",
            NOTICE,
            "Scan::Port_Scan 10.0.0.5 scanned 15 ports 10.0.0.5",
            ("suppress_for", "float64"),
        ),
    ],
)
def test_each_log_type(
    tmp_path: Path, name: str, text: str, message: str, typed: tuple[str, str]
) -> None:
    loaded = load_events([_write(tmp_path, name, text)])
    assert loaded.problem_count == 0
    frame = loaded.frame
    assert frame["Message"][0] == message
    assert str(frame[typed[0]].dtype) == typed[1]
    assert frame["ts"][0].year == 2024
    assert str(frame["ts"].dtype) == "datetime64[ns, UTC]"


def test_x509_validity_times_are_utc(tmp_path: Path) -> None:
    frame = load_events([_write(tmp_path, "x509.log", X509)]).frame
    assert frame["certificate.not_valid_after"][0] == pd.Timestamp("2024-06-30", tz="UTC")
    assert frame["san.dns"][0] == "bad.example,www.bad.example"


def test_notice_unset_fields_are_missing(tmp_path: Path) -> None:
    frame = load_events([_write(tmp_path, "notice.log", NOTICE)]).frame
    assert pd.isna(frame["uid"][0])
    assert pd.isna(frame["id.orig_p"][0])


def test_concatenated_logs_and_a_bad_row(tmp_path: Path) -> None:
    text = _conn(tmp_path).read_text(encoding="utf-8") + DNS + "1714557609.0\tonly-two\n"
    loaded = load_events([_write(tmp_path, "all.log", text)])
    frame = loaded.frame
    assert len(frame) == 3
    assert frame["_path"].tolist() == ["conn", "conn", "dns"]
    assert frame["query"].tolist()[2] == "evil.example"
    assert pd.isna(frame["query"][0])
    assert loaded.skipped_rows == 1
    assert "expected 24 fields" in loaded.problems[0].message


def test_json_lines_ts_is_utc_not_1970(tmp_path: Path) -> None:
    lines = [
        {
            "ts": 1714557600.123456,
            "uid": "CAbc1",
            "id.orig_h": "10.0.0.5",
            "id.orig_p": 51234,
            "id.resp_h": "93.184.216.34",
            "id.resp_p": 80,
            "proto": "tcp",
            "conn_state": "SF",
            "tunnel_parents": ["Ct1", "Ct2"],
        },
        {
            "ts": 1714557601.5,
            "uid": "Cd1",
            "query": "evil.example",
            "qtype_name": "A",
            "answers": ["198.51.100.7"],
        },
    ]
    path = _write(tmp_path, "conn.json", "\n".join(map(json.dumps, lines)) + "\n")
    assert detect_format(path) == "zeek"
    frame = load_events([path]).frame
    assert frame["ts"][0] == pd.Timestamp(datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC))
    assert frame["Timestamp"][1] == pd.Timestamp("2024-05-01 10:00:01.5", tz="UTC")
    assert frame["tunnel_parents"][0] == "Ct1,Ct2"
    assert frame["Message"].tolist() == [
        "10.0.0.5:51234 -> 93.184.216.34:80 tcp",
        "dns evil.example A 198.51.100.7",
    ]


def test_plain_json_lines_are_not_zeek(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.jsonl", '{"ts": 1714557600.0, "CommandLine": "whoami"}\n')
    assert detect_format(path) == "jsonl"


def test_triage_a_conn_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _conn(tmp_path)
    code = main(["triage", str(path), "--out", str(tmp_path / "out"), "--workers", "1"])
    assert code == EXIT_OK, capsys.readouterr()
    assert (tmp_path / "out" / "report.html").is_file()
