"""The bundled Sigma pack: what it holds, that it is SigmaHQ's rules unchanged, and reading it."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from asisdk.errors import MissingFileError
from asisdk.sigma._pack import (
    PackManifest,
    RuleText,
    SigmaPackError,
    active_pack_path,
    build_pack,
    build_pack_from_checkout,
    bundled_rules_path,
    installed_pack_path,
    iter_rule_texts,
    licence_text,
    read_manifest,
    rule_by_id,
    select_rule,
    write_atomically,
)

from .conftest import selected_rule_files

SOURCE_COMMIT = "8eaafff1f2845a696050e05e72ba1140ee190698"


def test_bundled_pack_is_the_selected_snapshot(sigma_data: Path) -> None:
    manifest = read_manifest(bundled_rules_path())
    expected = selected_rule_files(sigma_data)
    assert manifest.commit == SOURCE_COMMIT
    assert SOURCE_COMMIT in (sigma_data / "README.md").read_text("utf-8")
    assert manifest.rule_count == len(expected) == 2503
    assert dict(manifest.products) == {"linux": 189, "macos": 67, "windows": 2247}
    assert dict(manifest.statuses) == {"stable": 66, "test": 2437}
    assert manifest.skipped == {}
    assert sum(manifest.levels.values()) == manifest.rule_count
    packed = {rule.name: rule.text for rule in iter_rule_texts(bundled_rules_path())}
    rules_root = sigma_data / "rules"
    assert sorted(packed) == sorted(p.relative_to(rules_root).as_posix() for p in expected)
    for path in expected:  # byte for byte: every author line and reference is kept
        assert packed[path.relative_to(rules_root).as_posix()] == path.read_text("utf-8")


def test_every_bundled_rule_names_its_author(bundled_collection) -> None:  # type: ignore[no-untyped-def]
    assert len(bundled_collection.rules) == 2503
    assert not bundled_collection.errors
    assert all(rule.author for rule in bundled_collection.rules)


def test_licence_and_notice_travel_with_the_pack(sigma_data: Path) -> None:
    text = licence_text(bundled_rules_path())
    assert (sigma_data / "LICENSE.md").read_text("utf-8") in text
    assert "Detection Rule License (DRL) 1.1" in text
    assert SOURCE_COMMIT in text
    assert "author" in text


def test_the_pack_is_small_and_rebuilds_byte_for_byte(sigma_data: Path, tmp_path: Path) -> None:
    bundled = bundled_rules_path()
    assert bundled.stat().st_size < 1_000_000  # 0.7 MB: one solid xz stream
    rebuilt = tmp_path / "rebuilt.tar.xz"
    manifest = build_pack_from_checkout(
        sigma_data, rebuilt, commit=SOURCE_COMMIT, created=read_manifest(bundled).created
    )
    assert manifest.rule_count == 2503
    assert rebuilt.read_bytes() == bundled.read_bytes()


def test_build_skips_and_names_rules_that_do_not_parse(sigma_data: Path, tmp_path: Path) -> None:
    good = sigma_data / "rules/windows/process_creation/proc_creation_win_powershell_encode.yml"
    broken = good.read_text("utf-8").replace("condition:", "condition: selection and nope\n  x:")
    rules = [
        RuleText(name="windows/good.yml", text=good.read_text("utf-8")),
        RuleText(name="windows/broken.yml", text=broken),
        RuleText(
            name="windows/exp.yml",
            text=good.read_text("utf-8").replace("status: test", "status: experimental"),
        ),
        RuleText(name="bad.yml", text="a: [unclosed"),
    ]
    out = tmp_path / "pack.tar.xz"
    manifest = build_pack(rules, out, commit="r1", licence_text="licence", created="2026-01-01")
    assert manifest.rule_count == 1
    assert set(manifest.skipped) == {"windows/broken.yml", "bad.yml"}
    assert [r.name for r in iter_rule_texts(out)] == ["windows/good.yml"]
    assert read_manifest(out) == manifest


def test_selection() -> None:
    assert select_rule({"status": "stable", "logsource": {"product": "macos"}})
    assert not select_rule({"status": "test", "logsource": {"product": "aws"}})
    assert not select_rule({"status": "test", "logsource": {"service": "x"}})
    assert not select_rule(["not", "a", "rule"])


def test_rule_by_id_and_file_name() -> None:
    by_name = rule_by_id("proc_creation_win_powershell_encode.yml")
    by_id = rule_by_id(str(by_name.id).upper())
    assert by_id.title == by_name.title == "Suspicious Execution of Powershell with Base64"
    with pytest.raises(SigmaPackError, match="no rule"):
        rule_by_id("00000000-0000-0000-0000-000000000000")


def _tar(members: list[tarfile.TarInfo | tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:xz") as archive:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                archive.addfile(member)
            else:
                name, data = member
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_hostile_pack_members_are_never_read(tmp_path: Path) -> None:
    link = tarfile.TarInfo("rules/windows/link.yml")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    manifest = PackManifest(rule_count=1, source="s", commit="c", created="d")
    pack = tmp_path / "hostile.tar.xz"
    pack.write_bytes(
        _tar(
            [
                ("manifest.json", manifest.to_json().encode()),
                link,
                ("rules/../../escape.yml", b"title: x"),
                ("/rules/abs.yml", b"title: x"),
                ("rules/windows/ok.yml", b"title: ok"),
            ]
        )
    )
    assert [r.name for r in iter_rule_texts(pack)] == ["windows/ok.yml"]


def test_unreadable_packs_are_typed_errors(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.tar.xz"
    garbage.write_bytes(b"\xfd7zXZ\x00 not really")
    with pytest.raises(SigmaPackError, match="not a readable rule pack"):
        read_manifest(garbage)
    no_manifest = tmp_path / "empty.tar.xz"
    no_manifest.write_bytes(_tar([("rules/a.yml", b"title: a")]))
    with pytest.raises(SigmaPackError, match=r"no manifest\.json"):
        read_manifest(no_manifest)
    bad_manifest = tmp_path / "bad.tar.xz"
    bad_manifest.write_bytes(_tar([("manifest.json", json.dumps({"x": 1}).encode())]))
    with pytest.raises(SigmaPackError, match="not valid"):
        read_manifest(bad_manifest)
    with pytest.raises(MissingFileError):
        read_manifest(tmp_path / "absent.tar.xz")


def test_active_pack_prefers_a_readable_installed_pack(tmp_path: Path) -> None:
    assert active_pack_path(tmp_path) == bundled_rules_path()
    target = installed_pack_path(tmp_path)
    target.write_bytes(b"corrupt")
    assert active_pack_path(tmp_path) == bundled_rules_path()  # unreadable: bundled again
    write_atomically(bundled_rules_path().read_bytes(), target)
    assert active_pack_path(tmp_path) == target
    with pytest.raises(SigmaPackError):
        write_atomically(b"not a pack", target)
    assert target.read_bytes() == bundled_rules_path().read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no temporary left


def test_the_docs_state_the_packs_figures() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "sigma-pack.md").read_text("utf-8")
    manifest = read_manifest(bundled_rules_path())
    assert f"{manifest.rule_count:,}" in docs
    assert manifest.commit in docs
    for level, count in manifest.levels.items():
        assert f"{level} {count:,}" in docs
    size = bundled_rules_path().stat().st_size / 1e6
    assert f"{size:.2f} MB" in docs
