"""The shipped library, template parameters, and provider merging."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from asisdk.data import sample_alerts
from asisdk.entities import Host, IpAddress, TimeSpan
from asisdk.errors import ConfigurationError, QueryError, QueryParameterError
from asisdk.local import LocalDataSource
from asisdk.queries import Parameter, QueryLibrary, QueryProvider, QueryTemplate

REQUIRED_QUERIES = {
    "SecurityAlert.list_alerts",
    "SecurityAlert.get_alert",
    "SecurityAlert.list_related_alerts",
    "WindowsSecurity.list_host_logons",
    "WindowsSecurity.list_host_logon_failures",
    "WindowsSecurity.list_host_processes",
    "WindowsSecurity.get_process_tree",
    "WindowsSecurity.get_parent_process",
    "WindowsSecurity.list_processes_in_session",
    "LinuxSyslog.list_logons_for_host",
    "LinuxSyslog.list_host_events",
    "Network.list_connections_for_ip",
    "Network.list_connections_for_host",
    "Azure.list_aad_signins_for_account",
    "Azure.list_aad_signins_for_ip",
    "ThreatIntelligence.list_indicators_by_ioc",
}
SPAN = TimeSpan(start="2020-09-04T20:00:00Z", end="2020-09-05T20:00:00Z")
SAMPLE_VALUES = {
    "host_name": "h",
    "account_name": "a",
    "process_name": "p",
    "system_alert_id": "id",
    "process_id": "0x1",
    "logon_session_id": "0x3e7",
    "ip_address": ["10.0.0.1"],
    "observables": ["evil.example"],
}


@pytest.fixture(scope="module")
def provider() -> QueryProvider:
    return QueryProvider(LocalDataSource.sample())


def test_library_has_the_required_queries() -> None:
    assert set(QueryLibrary.default().names()) >= REQUIRED_QUERIES


@pytest.mark.parametrize("name", sorted(REQUIRED_QUERIES))
def test_every_query_renders_without_leftover_placeholders(
    provider: QueryProvider, name: str
) -> None:
    template = provider.library.get(name)
    values = {k: v for k, v in SAMPLE_VALUES.items() if template.parameter(k) is not None}
    kql = provider.render(name, SPAN, **values)
    assert not re.search(r"\{[A-Za-z_]+\}", kql)
    assert "datetime(2020-09-04T20:00:00.0000000Z)" in kql
    assert kql.count('"') % 2 == 0


def test_alert_and_timespan_in_both_orders(provider: QueryProvider) -> None:
    alert = sample_alerts()[0]
    name = "WindowsSecurity.list_host_logons"
    _, a_then_t = provider.resolve(name, alert, SPAN)
    _, t_then_a = provider.resolve(name, SPAN, alert)
    assert a_then_t["host_name"] == t_then_a["host_name"] == "WORKSTATION5.theshire.local"
    # the later provider wins the time range
    assert a_then_t["start"] == SPAN.start
    assert t_then_a["start"] == alert.time_window[0]


def test_keywords_beat_providers_and_aliases_work(provider: QueryProvider) -> None:
    _, values = provider.resolve(
        "WindowsSecurity.list_host_logons", SPAN, Host(host_name="from-entity"), hostname="explicit"
    )
    assert values["host_name"] == "explicit"


def test_misspelt_keyword_is_an_error_with_a_suggestion(provider: QueryProvider) -> None:
    with pytest.raises(QueryParameterError, match=r"'host_nam' \(did you mean host_name"):
        provider.render("WindowsSecurity.list_host_logons", SPAN, host_name="h", host_nam="x")
    # even when the misspelt parameter has a default (msticpy #182)
    with pytest.raises(QueryParameterError, match="severty"):
        provider.render("SecurityAlert.list_alerts", SPAN, severty="High")


def test_missing_parameter_names_it_and_the_providers(provider: QueryProvider) -> None:
    with pytest.raises(QueryParameterError) as caught:
        provider.render("WindowsSecurity.list_host_logons", SPAN, IpAddress(address="10.0.0.1"))
    message = str(caught.value)
    assert "['host_name']" in message
    assert "TimeSpan(end, start)" in message
    assert "IpAddress(ip_address)" in message


def test_wrong_types_are_errors(provider: QueryProvider) -> None:
    with pytest.raises(QueryParameterError, match="depth"):
        provider.render(
            "WindowsSecurity.get_process_tree", SPAN, host_name="h", process_id="1", depth="deep"
        )
    with pytest.raises(QueryParameterError, match="start"):
        provider.render(
            "WindowsSecurity.list_host_logons", host_name="h", start="yesterday-ish", end=SPAN.end
        )


def test_injection_through_parameters_stays_literal(provider: QueryProvider) -> None:
    kql = provider.render(
        "WindowsSecurity.list_host_logons", SPAN, host_name='x" or 1==1 | union SecurityEvent //'
    )
    line = kql.splitlines()[3]
    assert line == (
        '| where Computer =~ "x\\" or 1==1 | union SecurityEvent //" or Computer '
        'startswith strcat("x\\" or 1==1 | union SecurityEvent //", ".")'
    )


def test_unknown_query_suggests_close_names(provider: QueryProvider) -> None:
    with pytest.raises(QueryError, match=r"did you mean WindowsSecurity\.list_host_logons"):
        provider.render("WindowsSecurity.list_host_logon", SPAN)


def test_template_validation() -> None:
    with pytest.raises(QueryParameterError, match="undeclared"):
        QueryTemplate(family="F", name="q", query="T | where x == {y}")
    with pytest.raises(QueryParameterError, match="unknown type"):
        Parameter(name="p", type="dict")
    with pytest.raises(QueryParameterError, match="declared twice"):
        QueryTemplate(
            family="F",
            name="q",
            query="T",
            parameters=(Parameter(name="a", aliases=("b",)), Parameter(name="b")),
        )
    template = QueryTemplate(
        family="F",
        name="q",
        query="T | extend d = dynamic({{}}) | {a}",
        parameters=(Parameter(name="a", type="int"),),
    )
    assert template.render({"a": 1}) == "T | extend d = dynamic({}) | 1"


def test_user_folder_overrides_and_adds(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "family: WindowsSecurity\n"
        "queries:\n"
        "  list_host_logons:\n"
        "    description: mine\n"
        "    parameters: {host_name: {type: str}}\n"
        "    query: 'MyTable | where H == {host_name}'\n"
        "  brand_new:\n"
        "    parameters: {n: {type: int, default: 5}}\n"
        "    query: 'T | take {n}'\n"
    )
    library = QueryLibrary.default(paths=[tmp_path])
    assert library.get("WindowsSecurity.list_host_logons").description == "mine"
    assert library.get("WindowsSecurity.brand_new").render({"n": 5}) == "T | take 5"
    assert "WindowsSecurity.list_host_processes" in library


def test_bad_query_files_are_configuration_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("family: X\nqueries: {q: {query: 'T', parameters: {p: {typo: 1}}}}\n")
    with pytest.raises(ConfigurationError, match="unknown keys"):
        QueryLibrary.from_path(bad)
    bad.write_text("family: [unclosed\n")
    with pytest.raises(ConfigurationError, match="not valid YAML"):
        QueryLibrary.from_path(bad)
    bad.write_text("!!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(ConfigurationError):
        QueryLibrary.from_path(bad)


def test_help_lists_parameters(provider: QueryProvider) -> None:
    text = provider.help("WindowsSecurity.get_process_tree")
    assert "process_id (str, required) (aliases: pid)" in text
    assert "depth (int, default 4)" in text


def test_datetime_values_from_strings_and_naive_datetimes(provider: QueryProvider) -> None:
    kql = provider.render(
        "SecurityAlert.list_alerts", start="2024-05-01T00:00:00Z", end=dt.datetime(2024, 5, 2)
    )
    assert (
        "between (datetime(2024-05-01T00:00:00.0000000Z) .. "
        "datetime(2024-05-02T00:00:00.0000000Z))" in kql
    )


def test_help_shows_description_tables_and_every_parameter(provider: QueryProvider) -> None:
    text = provider.help("WindowsSecurity.get_process_tree")
    lines = text.splitlines()
    assert lines[0] == "WindowsSecurity.get_process_tree"
    template = provider.library.get("WindowsSecurity.get_process_tree")
    assert template.description in text
    assert "Tables: SecurityEvent" in lines
    assert "  start (datetime, required): Start of the time range" in lines
    assert "  host_name (str, required) (aliases: hostname, computer): " in text
    assert "  depth (int, default 4): Generations to follow up and down" in lines
    parameters = lines[lines.index("Parameters:") + 1 : lines.index("Query:") - 1]
    assert [line.split()[0] for line in parameters] == [p.name for p in template.parameters]
    query = lines[lines.index("Query:") + 1 :]
    assert query == [f"  {line}" for line in template.query.rstrip().splitlines()]


def test_help_of_every_query_names_its_tables(provider: QueryProvider) -> None:
    for template in provider.library:
        text = provider.help(template.full_name)
        tables = template.metadata["tables"]
        assert f"Tables: {', '.join(tables)}" in text, template.full_name
        for parameter in template.parameters:
            assert f"  {parameter.name} ({parameter.type}, " in text


def test_help_of_an_unknown_query(provider: QueryProvider) -> None:
    with pytest.raises(QueryError, match="no_such_query"):
        provider.help("WindowsSecurity.no_such_query")


def test_query_aliases_find_the_query_and_cannot_shadow_another() -> None:
    library = QueryLibrary.default()
    assert library.get("LinuxSyslog.cron_activity").full_name == "LinuxSyslog.list_cron_jobs"
    assert "WindowsSecurity.list_matching_processes" in library
    assert "WindowsSecurity.list_matching_processes" not in library.names()
    assert library.aliases()["SecurityAlert.list_alerts_for_ip"] == (
        "SecurityAlert.list_alerts_by_entity"
    )
    assert "Also called: all_syslog" in library.get("LinuxSyslog.all_syslog").help()
    first = QueryTemplate(family="Demo", name="list_a", query="T", aliases=("list_b",))
    second = QueryTemplate(family="Demo", name="list_b", query="T")
    with pytest.raises(ConfigurationError, match="already names"):
        QueryLibrary([first, second])
    with pytest.raises(QueryParameterError, match="alias"):
        QueryTemplate(family="Demo", name="list_a", query="T", aliases=("list a",))
