"""The bundled TLD list and its refresh path."""

from __future__ import annotations

from pathlib import Path

from asisdk.ioc._tlds import TLD_FILE, TLDS, load_tlds, main, parse_tld_source

PSL_SNIPPET = """// header
// ===BEGIN ICANN DOMAINS===
com
*.ck
!www.ck
co.uk
uk
рф
xn--p1ai
onion
// ===END ICANN DOMAINS===
// ===BEGIN PRIVATE DOMAINS===
github.io
blogspot.com
// ===END PRIVATE DOMAINS===
"""


def test_bundled_list_holds_delegated_tlds_only() -> None:
    assert len(TLDS) > 1400
    assert {"com", "org", "uk", "zip", "arpa", "xn--p1ai", "рф", "中国"} <= TLDS
    assert not {"local", "internal", "onion", "exe", "lan", "io.github"} & TLDS
    assert TLD_FILE.exists()
    assert load_tlds() == TLDS


def test_parse_public_suffix_list_keeps_icann_top_labels() -> None:
    assert parse_tld_source(PSL_SNIPPET) == frozenset({"com", "ck", "uk", "рф", "xn--p1ai"})


def test_parse_iana_list() -> None:
    text = "# Version 2024010100\nCOM\nXN--P1AI\nZIP\n"
    assert parse_tld_source(text) == frozenset({"com", "xn--p1ai", "рф", "zip"})


def test_refresh_writes_a_file_that_loads_back(tmp_path: Path) -> None:
    source = tmp_path / "tlds-alpha-by-domain.txt"
    source.write_text("# v\n" + "\n".join(sorted(TLDS)), encoding="utf-8")
    out = tmp_path / "tlds.txt"
    assert main(["--refresh", str(source), "--output", str(out)]) == 0
    assert load_tlds(out) == TLDS


def test_refresh_refuses_a_file_that_is_not_a_tld_list(tmp_path: Path) -> None:
    source = tmp_path / "junk.txt"
    source.write_text("hello\nworld\n", encoding="utf-8")
    out = tmp_path / "tlds.txt"
    assert main(["--refresh", str(source), "--output", str(out)]) == 1
    assert not out.exists()
