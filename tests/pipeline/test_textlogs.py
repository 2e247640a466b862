"""Text logs: syslog, auditd, Apache/nginx access, IIS W3C and plain lines, told by content.

Real lines where they exist: the Loghub-2k systems, whose raw lines are rebuilt from the
structured CSVs with each system's documented log format (the loghub benchmark's
``log_format``), and the msticpy auditd records rebuilt as auditd writes them. Access, IIS
and RFC 5424 lines are the examples of their own documentation (Apache's log-files page,
Microsoft's W3C page, RFC 5424 section 6.5).
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import os
import random
from pathlib import Path
from typing import Final

import pandas as pd
import pytest

from asisdk.cli import EXIT_OK, main
from asisdk.pipeline import detect_format, load_events

#: Each Loghub-2k system's raw line, from its structured columns (loghub's log_format).
_LOGHUB_FORMATS: Final = {
    "Android": "{Date} {Time}  {Pid}  {Tid} {Level} {Component}: {Content}",
    "Apache": "[{Time}] [{Level}] {Content}",
    "BGL": "{Label} {Timestamp} {Date} {Node} {Time} {NodeRepeat} {Type} {Component} {Level} "
    "{Content}",
    "HDFS": "{Date} {Time} {Pid} {Level} {Component}: {Content}",
    "HPC": "{LogId} {Node} {Component} {State} {Time} {Flag} {Content}",
    "Hadoop": "{Date} {Time} {Level} [{Process}] {Component}: {Content}",
    "HealthApp": "{Time}|{Component}|{Pid}|{Content}",
    "Linux": "{Month} {Date:>2} {Time} {Level} {Component}{PID}: {Content}",
    "Mac": "{Month} {Date:>2} {Time} {User} {Component}[{PID}]{Address}: {Content}",
    "OpenSSH": "{Date} {Day:>2} {Time} {Component} sshd[{Pid}]: {Content}",
    "OpenStack": "{Logrecord} {Date} {Time} {Pid} {Level} {Component} [{ADDR}] {Content}",
    "Proxifier": "[{Time}] {Program} - {Content}",
    "Spark": "{Date} {Time} {Level} {Component}: {Content}",
    "Thunderbird": "{Label} {Timestamp} {Date} {User} {Month} {Day} {Time} {Location} "
    "{Component}{PID}: {Content}",
    "Windows": "{Date} {Time}, {Level}                  {Component}    {Content}",
    "Zookeeper": "{Date} {Time} - {Level}  [{Node}:{Component}@{Id}] - {Content}",
}
_SYSLOG: Final = ("Linux", "Mac", "OpenSSH")
#: Systems whose lines start with a time the plain text reader reads.
_TIMED_TEXT: Final = ("Apache", "Hadoop", "Windows", "Zookeeper")


def _loghub_rows(shared_data: Path, system: str) -> list[dict[str, str]]:
    path = shared_data / "loghub2k" / system / f"{system}_2k.log_structured.csv"
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def _raw_line(system: str, row: dict[str, str]) -> str:
    fields = dict(row)
    for optional in ("PID",):  # written "[pid]" when present (Linux, Thunderbird)
        if system in ("Linux", "Thunderbird"):
            fields[optional] = f"[{row[optional]}]" if row.get(optional) else ""
    if system == "Mac":
        fields["Address"] = f" ({row['Address']})" if row.get("Address") else ""
    return _LOGHUB_FORMATS[system].format(**fields)


def _write_loghub(
    shared_data: Path, system: str, directory: Path
) -> tuple[Path, list[dict[str, str]]]:
    rows = _loghub_rows(shared_data, system)
    path = directory / f"{system}.log"
    path.write_text("".join(_raw_line(system, r) + "\n" for r in rows), encoding="utf-8")
    return path, rows


@pytest.mark.parametrize("system", sorted(_LOGHUB_FORMATS))
def test_every_loghub_system_reads_one_event_per_line(
    shared_data: Path, tmp_path: Path, system: str
) -> None:
    path, rows = _write_loghub(shared_data, system, tmp_path)

    loaded = load_events([path])

    assert detect_format(path) == ("syslog" if system in _SYSLOG else "text")
    assert loaded.problem_count == 0, loaded.problems[:3]
    frame = loaded.frame
    assert len(frame) == len(rows) == 2000
    assert frame["asi_row"].tolist() == list(range(1, 2001))
    if system in _SYSLOG:
        simple = [i for i, r in enumerate(rows) if " " not in r["Component"]]
        assert len(simple) > 1900
        assert frame["Message"].iloc[simple].tolist() == [rows[i]["Content"] for i in simple]
        assert frame["AppName"].iloc[simple].tolist() == [
            "sshd" if system == "OpenSSH" else rows[i]["Component"] for i in simple
        ]
        hosts = {"Linux": "Level", "Mac": "User", "OpenSSH": "Component"}[system]
        assert frame["Hostname"].tolist() == [r[hosts] for r in rows]
        times = pd.to_datetime(frame["Timestamp"], format="ISO8601")
        assert times.notna().all()
        assert [t.strftime("%H:%M:%S") for t in times] == [r["Time"] for r in rows]
    else:
        assert frame["Message"].tolist() == [_raw_line(system, r) for r in rows]
        if system in _TIMED_TEXT:
            times = pd.to_datetime(frame["Timestamp"], format="ISO8601")
            assert times.notna().all()


@pytest.mark.parametrize("system", ["OpenSSH", "Apache"])
def test_triage_runs_on_loghub_logs(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], system: str
) -> None:
    path, rows = _write_loghub(shared_data, system, tmp_path)

    code = main(["triage", str(path), "--out", str(tmp_path / "out"), "--workers", "1", "--no-geo"])

    assert code == EXIT_OK, capsys.readouterr().err
    assert len(pd.read_parquet(tmp_path / "out" / "events.parquet")) == len(rows)


#: RFC 5424 section 6.5, examples 1 to 4.
_RFC5424_EXAMPLES: Final = (
    "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
    "\ufeff'su root' failed for lonvick on /dev/pts/8",
    "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - "
    "%% It's time to make the do-nuts.",
    "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
    'iut="3" eventSource="Application" eventID="1011"] \ufeffAn application event log entry...',
    "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
    'iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]',
)


def test_rfc5424_examples_with_structured_data(tmp_path: Path) -> None:
    path = tmp_path / "messages"
    path.write_text("\n".join(_RFC5424_EXAMPLES) + "\n", encoding="utf-8")

    loaded = load_events([path])

    assert detect_format(path) == "syslog"
    assert loaded.problem_count == 0
    first, second, third, fourth = loaded.frame.to_dict("records")
    assert (first["Facility"], first["Severity"], first["MsgId"]) == (4, 2, "ID47")
    assert first["Message"] == "'su root' failed for lonvick on /dev/pts/8"
    assert first["Hostname"] == "mymachine.example.com"
    assert pd.isna(first["ProcessId"])
    assert (second["Facility"], second["Severity"], second["ProcessId"]) == (20, 5, "8710")
    assert pd.Timestamp(second["Timestamp"]) == pd.Timestamp("2003-08-24T12:14:15.000003Z")
    assert third["sd.exampleSDID@32473.eventID"] == "1011"
    assert third["Message"] == "An application event log entry..."
    assert fourth["sd.examplePriority@32473.class"] == "high"
    assert fourth["Message"] == ""


def test_rfc3164_priority_and_year_from_the_file_date(tmp_path: Path) -> None:
    path = tmp_path / "auth.log"
    path.write_text(
        "<38>Dec 31 23:59:59 gw sshd[1]: Accepted publickey for root\n"
        "<38>Jan  1 00:00:01 gw sshd[2]: Accepted publickey for bob\n"
    )
    stamp = dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC).timestamp()
    os.utime(path, (stamp, stamp))

    frame = load_events([path]).frame

    assert frame["Timestamp"].tolist() == [
        "2024-12-31T23:59:59+00:00",
        "2025-01-01T00:00:01+00:00",
    ]
    assert frame["Facility"].tolist() == [4, 4]
    assert frame["Severity"].tolist() == [6, 6]


def _auditd_lines(shared_data: Path) -> tuple[list[list[str]], pd.DataFrame]:
    """The msticpy auditd events as auditd writes them: one record per line."""
    frame = pd.read_csv(shared_data / "events" / "msticpy" / "linux_events.csv")
    events = []
    for _, row in frame.iterrows():
        records = ast.literal_eval(row["AuditdMessage"])
        events.append(
            [
                f"type={kind} msg=audit({row['mssg_id']}): {' '.join(fields)}\n"
                for record in records
                for kind, fields in record.items()
            ]
        )
    return events, frame


def test_auditd_records_of_one_event_are_one_row_with_decoded_command_line(
    shared_data: Path, tmp_path: Path
) -> None:
    events, source = _auditd_lines(shared_data)
    lines = [line for event in events for line in event]
    # Interleave two events' records, as auditd does under load.
    first, second = [i for i, e in enumerate(events) if len(e) > 2][:2]
    mixed = [line for pair in zip(events[first], events[second], strict=False) for line in pair]
    path = tmp_path / "audit.log"
    path.write_text("".join(lines) + "".join(mixed), encoding="utf-8")

    loaded = load_events([path])

    assert detect_format(path) == "auditd"
    assert loaded.problem_count == 0
    frame = loaded.frame
    assert len(frame) == len(source) + 2
    assert frame["AuditSerial"].tolist()[: len(source)] == [
        int(m.split(":")[1]) for m in source["mssg_id"]
    ]
    execs = frame[frame["RecordTypes"].str.startswith("SYSCALL,EXECVE")]
    assert len(execs) > 10
    shell = execs[execs["EXECVE.a2"] == "iptables --version"].iloc[0]
    assert shell["CommandLine"] == "/bin/sh -c iptables --version"
    assert shell["proctitle"] == "/bin/sh -c iptables --version"  # hex, NULs as spaces
    assert shell["exe"] == "/bin/dash"
    assert shell["Timestamp"] == pd.Timestamp("2019-02-18T16:00:32.285Z")
    logins = frame[frame["RecordTypes"] == "USER_END"]
    assert set(logins["acct"]) == {"root"}  # the fields inside msg='...'


def test_triage_runs_on_auditd(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events, source = _auditd_lines(shared_data)
    path = tmp_path / "audit.log"
    path.write_text("".join(line for event in events for line in event), encoding="utf-8")

    code = main(["triage", str(path), "--out", str(tmp_path / "out"), "--workers", "1", "--no-geo"])

    assert code == EXIT_OK, capsys.readouterr().err
    assert len(pd.read_parquet(tmp_path / "out" / "events.parquet")) == len(source)


#: Apache's log-files documentation (common and combined), and nginx's default "combined".
_ACCESS_LINES: Final = (
    '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
    '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 '
    '"http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"',
    '203.0.113.7 - - [04/Sep/2020:16:09:38 +0000] "GET /shell.php?cmd=powershell%20-enc%20'
    'SQBFAFgA HTTP/1.1" 404 153 "-" "curl/7.68.0"',
    '198.51.100.2 - - [04/Sep/2020:16:09:39 +0000] "-" 400 0 "-" "-"',
)


def test_access_log_common_and_combined(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "access.log"
    path.write_text("\n".join(_ACCESS_LINES) + "\n")

    loaded = load_events([path])

    assert detect_format(path) == "access"
    assert loaded.problem_count == 0
    common, combined, probe, empty = loaded.frame.to_dict("records")
    assert common["ClientIP"] == "127.0.0.1"
    assert common["User"] == "frank"
    assert common["Timestamp"] == pd.Timestamp("2000-10-10T20:55:36Z")
    assert (common["Method"], common["Url"], common["Status"], common["Bytes"]) == (
        "GET",
        "/apache_pb.gif",
        200,
        2326,
    )
    assert pd.isna(common["UserAgent"])
    assert combined["UserAgent"] == "Mozilla/4.08 [en] (Win98; I ;Nav)"
    assert combined["Referer"] == "http://www.example.com/start.html"
    assert probe["Url"].startswith("/shell.php?cmd=powershell")
    assert "curl/7.68.0" in probe["Message"]
    assert empty["Status"] == 400
    code = main(["triage", str(path), "--out", str(tmp_path / "out"), "--workers", "1", "--no-geo"])
    assert code == EXIT_OK, capsys.readouterr().err


_IIS_LOG: Final = (
    "#Software: Microsoft Internet Information Services 10.0\n"
    "#Version: 1.0\n"
    "#Date: 2021-03-03 00:00:00\n"
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n"
    "2021-03-03 00:00:01 10.0.0.4 POST /owa/auth/x.js - 443 - 203.0.113.9 "
    "Mozilla/5.0+(Windows+NT+10.0) - 200 0 0 15\n"
    "2021-03-03 00:00:02 10.0.0.4 GET /aspnet_client/shell.aspx cmd=whoami 443 - 203.0.113.9 "
    "curl/7.55 - 200 0 0 3\n"
    "#Fields: date time c-ip cs-method cs-uri-stem sc-status\n"
    "2021-03-03 00:01:00 198.51.100.1 GET / 200\n"
    "2021-03-03 00:01:01 198.51.100.1 GET / 200 extra\n"
)


def test_iis_w3c_with_fields_header_changing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "u_ex210303.log"
    path.write_text(_IIS_LOG)

    loaded = load_events([path])

    assert detect_format(path) == "iis"
    frame = loaded.frame
    assert len(frame) == 3
    (problem,) = loaded.problems
    assert (problem.row, problem.skipped) == (9, True)
    first, second, third = frame.to_dict("records")
    assert first["cs(User-Agent)"] == "Mozilla/5.0 (Windows NT 10.0)"
    assert pd.Timestamp(first["Timestamp"]) == pd.Timestamp("2021-03-03T00:00:01Z")
    assert first["ClientIP"] == "203.0.113.9"
    assert pd.isna(first["cs-uri-query"])
    assert second["Message"] == "GET /aspnet_client/shell.aspx?cmd=whoami 200 curl/7.55"
    assert third["c-ip"] == "198.51.100.1"
    assert pd.isna(third["s-ip"])
    code = main(["triage", str(path), "--out", str(tmp_path / "out"), "--workers", "1", "--no-geo"])
    assert code == EXIT_OK, capsys.readouterr().err


def test_content_not_the_name_tells_the_format(shared_data: Path, tmp_path: Path) -> None:
    syslog, _ = _write_loghub(shared_data, "OpenSSH", tmp_path)
    renamed = tmp_path / "events.csv"
    renamed.write_bytes(syslog.read_bytes())
    access = tmp_path / "access.json"
    access.write_text(_ACCESS_LINES[1] + "\n")

    assert detect_format(renamed) == "syslog"
    assert detect_format(access) == "access"
    assert len(load_events([renamed]).frame) == 2000


def test_random_text_lines_are_plain_messages(tmp_path: Path) -> None:
    generator = random.Random(7)
    words = ["alpha", "beta", "gamma,", "delta", "x=1", "[ok]", "{", "<b>"]
    lines = [
        " ".join(generator.choice(words) for _ in range(generator.randint(1, 9)))
        for _ in range(300)
    ]
    path = tmp_path / "notes.txt"
    path.write_text("\n".join(lines) + "\n\n")

    frame = load_events([path], input_format="text").frame

    assert frame["Message"].tolist() == lines


def test_triage_mixes_text_logs_with_other_formats(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    syslog, rows = _write_loghub(shared_data, "Linux", tmp_path)
    events, source = _auditd_lines(shared_data)
    audit = tmp_path / "audit.log"
    audit.write_text("".join(line for event in events for line in event), encoding="utf-8")
    otrf = shared_data / "events" / "otrf" / "otrf_process_logon_events.csv"

    code = main(
        [
            "triage",
            str(syslog),
            str(audit),
            str(otrf),
            "--out",
            str(tmp_path / "out"),
            "--workers",
            "1",
            "--no-geo",
        ]
    )

    assert code == EXIT_OK, capsys.readouterr().err
    frame = pd.read_parquet(tmp_path / "out" / "events.parquet")
    counts = frame["asi_file"].value_counts()
    assert counts[str(syslog)] == len(rows)
    assert counts[str(audit)] == len(source)
    assert counts[str(otrf)] == 642
