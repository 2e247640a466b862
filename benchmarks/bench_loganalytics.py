"""Log Analytics: a 500,000-row, 10-column response into a typed DataFrame, side by side.

Both clients fetch the *same* bytes from the *same* HTTPS server on 127.0.0.1 (a separate
process, self-signed certificate generated here and trusted by both clients), and both end with
a pandas DataFrame:

* asisdk: ``await LogAnalyticsClient.query(...)`` then ``QueryResult.to_frame()`` (typed:
  ``datetime64[ns, UTC]``, ``Int64``, ``float64``, ``boolean``, ``timedelta64[ns]``, parsed
  ``dynamic``, ``string``);
* azure-monitor-query 2.x: ``LogsQueryClient.query_workspace(...)`` (sync, requests transport)
  then ``pandas.DataFrame(table.rows, columns=table.columns)``, the recipe of its docs (its
  dtypes are mostly ``object``: timespans and dynamic stay strings, nullable ints are objects).

Each side runs ``--repeat`` times, alternating, and the medians are compared. azure-monitor-query
needs an azure-core ``TokenCredential``: a small class returning a fixed token stands in for one.

Run:  python benchmarks/bench_loganalytics.py [--rows 500000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import ipaddress
import json
import multiprocessing
import os
import ssl
import statistics
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

WORKSPACE = "0b1a7c6e-0000-4000-8000-000000000000"
COLUMNS = [
    {"name": "TimeGenerated", "type": "datetime"},
    {"name": "Computer", "type": "string"},
    {"name": "EventID", "type": "int"},
    {"name": "BytesSent", "type": "long"},
    {"name": "Score", "type": "real"},
    {"name": "IsAdmin", "type": "bool"},
    {"name": "SessionId", "type": "guid"},
    {"name": "Duration", "type": "timespan"},
    {"name": "Props", "type": "dynamic"},
    {"name": "Account", "type": "string"},
]


def payload(rows: int) -> bytes:
    start = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    data = []
    for i in range(rows):
        moment = start + dt.timedelta(milliseconds=137 * i)
        data.append(
            [
                moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "7Z",
                f"host-{i % 97:03d}.contoso.com",
                4624 + i % 7,
                None if i % 11 == 0 else i * 7919,
                None if i % 13 == 0 else (i % 1000) / 7,
                None if i % 17 == 0 else bool(i % 2),
                f"3f2b8e1c-9a4d-4c7e-8b1a-{i:012d}",
                f"{i % 3}.{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}.5000000",
                json.dumps({"Account": f"user{i % 50}", "Ports": [80, 443 + i % 5]}),
                f"CONTOSO\\user{i % 50}",
            ]
        )
    return json.dumps(
        {"tables": [{"name": "PrimaryResult", "columns": COLUMNS, "rows": data}]},
        separators=(",", ":"),
    ).encode()


def certificate(folder: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def serve(rows: int, cert_file: str, key_file: str, ready: Any) -> None:
    body = payload(rows)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            self.send_response(200)
            self.send_header("content-type", "application/json; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    ready.put((server.server_address[1], len(body)))
    server.serve_forever()


async def run_asisdk(port: int, cert_file: Path) -> tuple[float, pd.DataFrame]:
    from asisdk.loganalytics import LogAnalyticsClient, StaticTokenCredential

    context = ssl.create_default_context(cafile=str(cert_file))
    async with httpx.AsyncClient(verify=context, timeout=600) as http:
        client = LogAnalyticsClient(
            WORKSPACE,
            credential=StaticTokenCredential("bench-token"),
            base_url=f"https://127.0.0.1:{port}",
            http_client=http,
        )
        started = time.perf_counter()
        result = await client.query("Bench | take 500000", timespan=dt.timedelta(days=1))
        frame = result.to_frame()
        elapsed = time.perf_counter() - started
    # exactly 500,000 rows is the service's row limit, so asisdk reports it as partial
    # (probably truncated) with a hint to split; the rows are all there
    assert result.status in ("success", "partial"), result
    assert result.row_count == len(frame)
    return elapsed, frame


def run_azure(port: int, cert_file: Path) -> tuple[float, pd.DataFrame]:
    from azure.core.credentials import AccessToken
    from azure.monitor.query import LogsQueryClient, LogsQueryStatus

    class FixedTokenCredential:
        """An azure-core TokenCredential that returns a fixed token (no sign-in)."""

        def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
            return AccessToken("bench-token", int(time.time()) + 3600)

    client = LogsQueryClient(
        FixedTokenCredential(),
        endpoint=f"https://127.0.0.1:{port}",
        connection_verify=str(cert_file),
    )
    started = time.perf_counter()
    response = client.query_workspace(
        WORKSPACE, "Bench | take 500000", timespan=dt.timedelta(days=1)
    )
    assert response.status == LogsQueryStatus.SUCCESS
    table = response.tables[0]
    frame = pd.DataFrame(table.rows, columns=table.columns)
    elapsed = time.perf_counter() - started
    client.close()
    return elapsed, frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cert_file, key_file = certificate(Path(tmp))
        ready: Any = multiprocessing.get_context("spawn").Queue()
        process = multiprocessing.get_context("spawn").Process(
            target=serve, args=(args.rows, str(cert_file), str(key_file), ready), daemon=True
        )
        process.start()
        try:
            port, size = ready.get(timeout=300)
            print(
                f"payload: {args.rows:,} rows x {len(COLUMNS)} columns, "
                f"{size / 1e6:.1f} MB JSON, served over HTTPS from 127.0.0.1:{port}"
            )
            print(f"cpus: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}")
            ours: list[float] = []
            theirs: list[float] = []
            frames: dict[str, pd.DataFrame] = {}
            for run in range(args.repeat):
                gc.collect()
                seconds, frames["asisdk"] = asyncio.run(run_asisdk(port, cert_file))
                ours.append(seconds)
                gc.collect()
                seconds, frames["azure"] = run_azure(port, cert_file)
                theirs.append(seconds)
                print(
                    f"run {run + 1}: asisdk {ours[-1]:.2f}s, azure-monitor-query {theirs[-1]:.2f}s"
                )
        finally:
            process.terminate()
            process.join()
    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print()
    print(f"{'column':<14}{'asisdk dtype':<22}{'azure-monitor-query + DataFrame dtype'}")
    for column in frames["asisdk"].columns:
        print(f"{column:<14}{frames['asisdk'][column].dtype!s:<22}{frames['azure'][column].dtype}")
    assert len(frames["asisdk"]) == len(frames["azure"]) == args.rows
    # same values where both are comparable
    assert frames["asisdk"]["Computer"].tolist() == frames["azure"]["Computer"].tolist()
    assert (
        frames["asisdk"]["TimeGenerated"].dt.floor("us")
        == pd.to_datetime(frames["azure"]["TimeGenerated"], utc=True)
    ).all()
    print()
    print(f"median asisdk (HTTP + JSON + typed frame):          {ours_median:.2f}s")
    print(f"median azure-monitor-query (HTTP + rows + DataFrame): {theirs_median:.2f}s")
    print(f"ratio: asisdk is {theirs_median / ours_median:.2f}x faster")


if __name__ == "__main__":
    main()
