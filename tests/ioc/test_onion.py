"""Tor onion services (RFC 7686) are names worth reporting though ``onion`` is not in the
root zone: ransomware leak sites and C2 are written that way in reports and logs."""

from __future__ import annotations

from asisdk.ioc import IocExtractor
from asisdk.ioc._tlds import NAME_TLDS, TLDS

V3 = "lockbitapt6vx57t3eeqjofwgcglmutr3a35nygvokja5uuccip4ykyd.onion"
V2 = "3g2upl4pq6kufc4m.onion"


def found(text: str) -> dict[str, set[str]]:
    return {k: v for k, v in IocExtractor().extract(text).items() if v}


def test_onion_is_a_name_ending_but_not_a_delegated_tld() -> None:
    assert "onion" in NAME_TLDS
    assert "onion" not in TLDS


def test_the_host_of_an_onion_url_is_reported() -> None:
    result = found(f"The leak site moved to http://{V3}/post/123 last week.")
    assert result["url"] == {f"http://{V3}/post/123"}
    assert result["dns"] == {V3}


def test_onion_names_in_prose_defanged_and_in_mail() -> None:
    assert found(f"Contact: {V2}, mirror {V3.replace('.onion', '[.]onion')}.")["dns"] == {V2, V3}
    assert found(f"payment support: helpdesk@{V2}")["email"] == {f"helpdesk@{V2}"}


def test_a_word_before_onion_without_a_dot_is_nothing() -> None:
    assert found("the onion router; onion routing; an onion-shaped icon") == {}
