"""Sigma rules as KQL: the whole bundled pack, the reasons for the rest, and escaping."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from _support.extras import needs_kusto
from asisdk.errors import QueryError, QueryParameterError
from asisdk.queries import kql_string
from asisdk.sigma._kql import (
    KQL_TARGETS,
    SigmaKqlError,
    SigmaKqlRenderer,
    check_kql_literals,
    collection_to_kql,
    rule_to_kql,
)
from asisdk.sigma._pack import rule_by_id

pytestmark = needs_kusto

_LITERAL = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def skeleton(kql: str) -> str:
    """The query with every (canonical) literal blanked: its structure."""
    return _LITERAL.sub('""', kql)


def literals(kql: str) -> list[str]:
    return _LITERAL.findall(kql)


def rule_yaml(value: str, modifier: str = "contains") -> str:
    return yaml.safe_dump(
        {
            "title": "generated",
            "id": "5b8c2a4e-0d7e-4f7c-9b1a-2f3c4d5e6f70",
            "status": "test",
            "author": "asisdk tests",
            "logsource": {"category": "process_creation", "product": "windows"},
            "detection": {
                "selection": {f"CommandLine|{modifier}": value, "Image|endswith": "\\cmd.exe"},
                "condition": "selection",
            },
            "level": "high",
        }
    )


def test_kql_renders_for_every_supported_rule_of_the_pack(bundled_collection) -> None:  # type: ignore[no-untyped-def]
    batch = collection_to_kql(bundled_collection)
    reasons = batch.reasons()
    targets = Counter(k.target for k in batch.rendered)
    print(f"\nKQL rendered {len(batch.rendered)}/{batch.total}; targets {dict(targets)}")
    print(f"not rendered, by reason: {reasons}")
    assert batch.total == 2503
    assert len(batch.rendered) >= 1851  # measured with pysigma-backend-kusto 1.0.1
    assert set(reasons) <= {"no_table", "unmapped_field", "unsupported", "unsafe_literal"}
    for kql in batch.rendered:
        assert check_kql_literals(kql.query) == kql.query  # every literal is kql_string's
        assert kql.table is not None
        assert kql.query.startswith(kql.table + "\n| where ")
        assert kql.author
    by_id = {str(r.id): r for r in bundled_collection.rules}
    for kql in batch.rendered[:50]:
        assert kql.author == by_id[kql.rule_id].author
    for error in batch.failed:
        assert error.rule_id in by_id
        assert error.detail
        if error.reason == "no_table":
            # no pipeline has a table for the log source: Linux auditd, Windows services...
            for target in KQL_TARGETS:
                assert f"{target}: Unable to determine table name" in error.detail


def test_the_callers_rule_is_not_rewritten() -> None:
    rule = rule_by_id("proc_creation_win_powershell_encode")
    before = rule.to_dict()
    xdr = rule_to_kql(rule, target="microsoft_xdr")
    monitor = rule_to_kql(rule, target="azure_monitor")
    assert rule.to_dict() == before
    assert "FolderPath endswith" in xdr.query
    assert "NewProcessName endswith" in monitor.query
    assert monitor.table == "SecurityEvent"
    assert xdr.author == monitor.author == rule.author == "frack113"


def test_rules_by_path_and_by_yaml_text(sigma_data: Path) -> None:
    path = sigma_data / "rules/windows/process_creation/proc_creation_win_powershell_encode.yml"
    from_path = rule_to_kql(path)
    assert rule_to_kql(str(path)) == from_path
    assert rule_to_kql(path.read_text("utf-8")) == from_path
    with pytest.raises(SigmaKqlError, match="no Sigma rule file"):
        rule_to_kql(str(path) + ".missing")
    with pytest.raises(SigmaKqlError, match="not a Sigma rule"):
        rule_to_kql("title: x\nnot: a rule\n")


def test_a_rule_without_table_is_a_typed_error_with_its_reason() -> None:
    rule = rule_by_id("lnx_auditd_binary_padding")
    with pytest.raises(SigmaKqlError) as caught:
        rule_to_kql(rule)
    error = caught.value
    assert isinstance(error, QueryError)
    assert isinstance(error, ValueError)
    assert error.reason == "no_table"
    assert error.rule_id == str(rule.id)
    assert "Unable to determine table name" in error.detail
    with pytest.raises(SigmaKqlError, match="unknown KQL target"):
        SigmaKqlRenderer(target="splunk")  # type: ignore[arg-type]


def test_an_injection_attempt_stays_one_literal() -> None:
    benign = rule_to_kql(rule_yaml("benign"), target="microsoft_xdr").query
    hostile = rule_to_kql(rule_yaml("x\" or 1==1 // '"), target="microsoft_xdr").query
    assert skeleton(hostile) == skeleton(benign)
    assert kql_string("x\" or 1==1 // '") in hostile


@given(
    st.text(
        alphabet=st.characters(blacklist_characters="*?\\", blacklist_categories=("Cs",)),
        min_size=1,
        max_size=40,
    )
)
def test_values_become_exactly_one_canonical_literal(value: str) -> None:
    benign = rule_to_kql(rule_yaml("benign"), target="microsoft_xdr").query
    if any((c < " " and c != "\t") or c == "\x7f" for c in value):
        # only control characters are turned away: kql_string refuses them, and a raw line
        # break inside a backend's literal is refused before it (tabs are escaped as \t)
        with pytest.raises(SigmaKqlError) as caught:
            rule_to_kql(rule_yaml(value), target="microsoft_xdr")
        assert caught.value.reason == "unsafe_literal"
        return
    kql = rule_to_kql(rule_yaml(value), target="microsoft_xdr").query
    assert skeleton(kql) == skeleton(benign)
    assert kql_string(value) in literals(kql)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_any_value_gives_a_safe_query_or_a_typed_error(value: str) -> None:
    reasons: set[str] = set()
    for modifier in ("contains", "startswith", "re"):
        try:
            kql = rule_to_kql(rule_yaml(value or "x", modifier), target="microsoft_xdr").query
        except SigmaKqlError as error:
            reasons.add(error.reason)
            continue
        assert check_kql_literals(kql) == kql
        assert "\r" not in kql
        assert kql.count("\n") == 1  # the table line and one where line, whatever the value
    assert reasons <= {"unsafe_literal", "unsupported"}


def test_check_kql_literals() -> None:
    assert check_kql_literals("T | where A == @'C:\\x''s'") == 'T | where A == "C:\\\\x\\\'s"'
    assert check_kql_literals('T | where A == "tab\\there"') == 'T | where A == "tab\\there"'
    for bad, reason in [
        ('T | where A == "open', "not terminated"),
        ('T | where A == "a\nb"', "line break"),
        ('T | where A == "a\\qb"', "escape"),
        ("T | where A == 1 // comment", "comment"),
        ("T | where (A == 1", "unclosed"),
        ("T | where A == 1)", "unbalanced"),
        ("T | where A == 1\x00", "control character"),
        ('T | where A == "\x01"', "control character"),
    ]:
        with pytest.raises(QueryParameterError, match=reason):
            check_kql_literals(bad)
