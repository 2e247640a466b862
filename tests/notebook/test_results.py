"""HTML views of other packages' results, and their registration with IPython."""

from __future__ import annotations

import base64
import gzip
import re

import pandas as pd
import pytest

from asisdk.cluster import cluster_events
from asisdk.decode import DecodeLimits, unpack, unpack_frame
from asisdk.ioc import extract_frame
from asisdk.notebook import (
    format_cluster_result,
    format_query_result,
    format_unpacked,
    register_html_formatters,
)


def _launcher_command(events: pd.DataFrame) -> str:
    return str(events[events["CommandLine"].str.contains("-enc ")]["CommandLine"].iloc[0])


def test_unpacked_view_shows_the_decoded_text_and_the_layer_tree(events: pd.DataFrame) -> None:
    result = unpack(_launcher_command(events))
    view = format_unpacked(result)
    # the base64 script, ten concatenations inside it (Empire's AMSI and logging bypasses)
    # and the base64 URL
    assert "12 decoded layers" in view
    assert "System.Management.Automation.Amsi" in view  # the decoded script, escaped
    assert "http://10.10.10.5" in view  # the nested layer's text
    # the layers inside layer 1 are nested in its list item
    assert re.search(r"<li><b>1</b> base64 .*<ul><li><b>1\.1</b> ps_concat", view, re.S)
    assert re.search(r"<li><b>1\.11</b> base64", view)
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


@pytest.fixture(scope="module")
def processes(events: pd.DataFrame) -> pd.DataFrame:
    return events[events["EventID"] == 1]


def test_cluster_view_shows_counts_and_rare_events_first(processes: pd.DataFrame) -> None:
    result = processes.asi.cluster(
        time_column="TimeCreated", process_column="Image", logon_id_column=None
    )
    view = format_cluster_result(result, max_rows=5)
    assert (
        f"<b>ClusterResult</b> (dbscan): {len(processes)} events, {result.n_clusters} clusters, "
        f"{result.n_unclustered} unclustered"
    ) in view
    sizes = [int(s) for s in re.findall(r"<td>(\d+)</td>\s*<td>\d{4}-", view)]
    assert sizes == sorted(sizes)
    assert sizes[0] == 1  # an unclustered event leads
    assert f"{len(result.summary) - 5} more rows in result.summary" in view
    assert "<th>CommandLine</th>" in view


def test_cluster_view_of_patterns_shows_templates(processes: pd.DataFrame) -> None:
    result = processes.asi.cluster(method="patterns", column="CommandLine", time_column=None)
    view = format_cluster_result(result, columns=["Image"], max_chars=40)
    assert "<th>Template</th>" in view
    assert "&lt;*&gt;" in view  # templates escaped
    assert "<th>FirstEventTime</th>" not in view
    same = cluster_events(processes, method="patterns", column="CommandLine", time_column=None)
    pd.testing.assert_series_equal(result.labels, same.labels)


def test_accessor_extract_iocs_is_extract_frame(processes: pd.DataFrame) -> None:
    found = processes.asi.extract_iocs(["CommandLine"], types=["ipv4", "url"])
    pd.testing.assert_frame_equal(
        found, extract_frame(processes, ["CommandLine"], types=["ipv4", "url"])
    )
    assert "10.10.10.5" in set(found["observable"])


def test_cluster_results_display_as_html_in_the_shell(shell: object) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    assert isinstance(shell, InteractiveShell)
    register_html_formatters(shell)
    frame = pd.DataFrame({"NewProcessName": [r"C:\w\a.exe"] * 3, "CommandLine": ["a -x"] * 3})
    result = cluster_events(frame, time_column=None)
    data, _ = shell.display_formatter.format(result)
    assert data["text/html"] == format_cluster_result(result)


async def test_query_result_view_of_a_local_query() -> None:
    from asisdk.data import sample_alerts
    from asisdk.local import LocalDataSource
    from asisdk.notebook import QueryTime
    from asisdk.queries import QueryProvider

    alert = sample_alerts()[0]
    window = QueryTime(units="minute", before=2, after=10, origin=alert.time_window[0])
    result = await QueryProvider(LocalDataSource.sample()).WindowsSecurity.list_host_processes(
        alert, window
    )
    view = format_query_result(result, max_rows=3)
    assert "background:#2e7d32;color:white;padding:1px 6px;border-radius:3px'>success<" in view
    assert f"{result.row_count} rows" in view
    assert f"{result.row_count - 3} more rows: result.to_frame()" in view
    assert view.count("</tr>") == 4  # header and three rows
    assert "WORKSTATION5.theshire.local" in view


def test_query_result_view_of_a_partial_split_query() -> None:
    from asisdk.entities import TimeSpan
    from asisdk.loganalytics import (
        ChunkResult,
        Column,
        QueryErrorInfo,
        QueryResult,
        QueryStatus,
        Table,
    )

    span = TimeSpan(start="2024-01-01T00:00:00Z", end="2024-01-02T00:00:00Z")
    halves = span.split(span.duration / 2)
    error = QueryErrorInfo(code="PartialError", message="<limit> hit", correlation_id="c-1")
    result = QueryResult(
        status=QueryStatus.PARTIAL,
        tables=(Table(name="PrimaryResult", columns=(Column(name="n", type="long"),), rows=[[1]]),),
        error=error,
        chunks=(
            ChunkResult(index=0, timespan=halves[0], status=QueryStatus.SUCCESS, row_count=1),
            ChunkResult(index=1, timespan=halves[1], status=QueryStatus.FAILURE, error=error),
        ),
        timespan=span,
        hints=("split the query with split_by=...",),
        truncated=True,
        query="SecurityEvent | take 1",
    )
    view = format_query_result(result)
    assert ">partial<" in view
    assert "PartialError: &lt;limit&gt; hit (correlation id c-1)" in view
    assert "2 chunks, 1 failed" in view
    assert "truncated" in view
    assert "hint: split the query with split_by=..." in view
    assert "<code>SecurityEvent | take 1</code>" in view


def test_query_results_display_as_html_in_the_shell(shell: object) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    from asisdk.loganalytics import QueryResult, QueryStatus

    assert isinstance(shell, InteractiveShell)
    register_html_formatters(shell)
    result = QueryResult(status=QueryStatus.FAILURE)
    data, _ = shell.display_formatter.format(result)
    assert data["text/html"] == format_query_result(result)
