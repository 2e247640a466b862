"""SigmaPackUpdater against a release server on 127.0.0.1: good, corrupt, truncated, hostile."""
# ruff: noqa: ASYNC240 - tests read and compare small temporary files between awaits

from __future__ import annotations

import hashlib
import io
import stat
import zipfile
from pathlib import Path

import httpx
import pytest

from _support.loopback import LoopbackServer, Reply, Request
from asisdk._http import RetryPolicy
from asisdk.errors import ConfigurationError
from asisdk.sigma._pack import (
    SigmaPackError,
    active_pack_path,
    bundled_rules_path,
    iter_rule_texts,
    pack_member_text,
    read_manifest,
)
from asisdk.sigma._update import SigmaPackUpdater

from .conftest import release_zip, selected_rule_files

TAG = "r2026-11-20"
ASSET_PATH = f"/SigmaHQ/sigma/releases/download/{TAG}/sigma_core+.zip"
API_PATH = "/repos/SigmaHQ/sigma/releases/latest"
RULES = 400


class ReleaseApp:
    """GitHub's latest-release answer and the asset it names (with its sha256 digest)."""

    def __init__(self, payload: bytes, *, digest: str | None = None, size: int | None = None):
        self.payload = payload
        self.digest = digest if digest is not None else hashlib.sha256(payload).hexdigest()
        self.size = size if size is not None else len(payload)
        self.base = ""
        self.api_headers: dict[str, str] = {}

    def __call__(self, request: Request) -> Reply:
        if request.path == API_PATH:
            self.api_headers = request.headers
            asset = {
                "name": "sigma_core+.zip",
                "size": self.size,
                "browser_download_url": self.base + ASSET_PATH,
                "digest": f"sha256:{self.digest}" if self.digest else None,
            }
            other = {"name": "sigma_core.zip", "size": 1, "browser_download_url": "x"}
            return Reply.json(200, {"tag_name": TAG, "assets": [other, asset]})
        if request.path == ASSET_PATH:
            return Reply(200, self.payload, {"content-type": "application/zip"})
        return Reply.json(404, {"message": "Not Found"})


@pytest.fixture(scope="module")
def rule_files(sigma_data: Path) -> list[Path]:
    windows = [p for p in selected_rule_files(sigma_data) if "/windows/" in p.as_posix()]
    return windows[:RULES]


@pytest.fixture(scope="module")
def good_zip(sigma_data: Path, rule_files: list[Path]) -> bytes:
    experimental = sigma_data / "rules/windows/process_creation"
    extra = sorted(experimental.glob("*.yml"))[:0]  # the selection itself is tested below
    return release_zip(sigma_data, rule_files + extra)


def updater(server: LoopbackServer, tmp_path: Path, **options: object) -> SigmaPackUpdater:
    return SigmaPackUpdater(
        data_dir=tmp_path,
        api_url=server.base_url,
        retry=RetryPolicy(instant=True, max_attempts=2),
        **options,  # type: ignore[arg-type]
    )


async def install_good(tmp_path: Path, good_zip: bytes) -> bytes:
    app = ReleaseApp(good_zip)
    async with LoopbackServer(app) as server:
        app.base = server.base_url
        async with updater(server, tmp_path) as client:
            await client.update()
    return (tmp_path / "sigma-rules.tar.xz").read_bytes()


async def test_a_good_release_is_verified_and_installed(
    tmp_path: Path, good_zip: bytes, rule_files: list[Path], sigma_data: Path
) -> None:
    app = ReleaseApp(good_zip)
    async with LoopbackServer(app) as server:
        app.base = server.base_url
        async with updater(server, tmp_path) as client:
            result = await client.update()
    assert result.release == TAG
    assert app.api_headers["accept"] == "application/vnd.github+json"
    assert app.api_headers["user-agent"].startswith("asisdk/")
    assert result.checksum_verified
    assert result.sha256 == hashlib.sha256(good_zip).hexdigest()
    assert result.previous_rule_count == 2503  # the bundled pack was in use
    assert result.manifest.rule_count == RULES
    assert result.manifest.commit == TAG
    assert result.path == tmp_path / "sigma-rules.tar.xz"
    assert active_pack_path(tmp_path) == result.path
    assert read_manifest(result.path) == result.manifest
    packed = {r.name: r.text for r in iter_rule_texts(result.path)}
    root = sigma_data / "rules"
    assert packed == {p.relative_to(root).as_posix(): p.read_text("utf-8") for p in rule_files}
    # the release zips carry no licence: the repository's, as bundled, goes with the rules
    assert pack_member_text(result.path, "LICENSE.md") == (sigma_data / "LICENSE.md").read_text()
    assert TAG in pack_member_text(result.path, "NOTICE.md")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sigma-rules.tar.xz"]


def corrupt(payload: bytes) -> bytes:
    data = bytearray(payload)
    middle = len(data) // 2
    data[middle : middle + 64] = b"\x00" * 64
    return bytes(data)


def symlinked(sigma_data: Path, files: list[Path]) -> bytes:
    buffer = io.BytesIO(release_zip(sigma_data, files))
    with zipfile.ZipFile(buffer, "a") as archive:
        link = zipfile.ZipInfo("rules/windows/evil.yml")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("rules/../../../escape.yml", "title: escape")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("corrupt", "cannot be read|not a valid zip"),
        ("truncated", "not a valid zip"),
        ("not_zip", "not a valid zip"),
        ("checksum", "does not match its sha256"),
        ("oversized", "max_response_bytes"),
        ("advertised_oversized", "over max_download_bytes"),
        ("too_few", "usable rules"),
        ("asset_404", "404"),
        ("api_500", "500"),
        ("no_asset", r"has no asset sigma_core\+\+\.zip"),
    ],
)
async def test_any_failure_keeps_the_pack_in_place(
    tmp_path: Path,
    good_zip: bytes,
    sigma_data: Path,
    rule_files: list[Path],
    case: str,
    message: str,
) -> None:
    before = await install_good(tmp_path, good_zip)
    options: dict[str, object] = {}
    faults: dict[str, list[str]] = {}
    if case == "corrupt":
        app = ReleaseApp(corrupt(good_zip))
    elif case == "truncated":
        app = ReleaseApp(good_zip[: len(good_zip) // 2])
    elif case == "not_zip":
        app = ReleaseApp(b"<html>rate limited</html>")
    elif case == "checksum":
        app = ReleaseApp(good_zip, digest="0" * 64)
    elif case == "oversized":
        app = ReleaseApp(good_zip, size=1000)  # the API understates it; the stream is cut
        options["max_download_bytes"] = len(good_zip) // 2
    elif case == "advertised_oversized":
        app = ReleaseApp(good_zip)
        options["max_download_bytes"] = len(good_zip) - 1
    elif case == "too_few":
        app = ReleaseApp(release_zip(sigma_data, rule_files[:20]))
    elif case == "asset_404":
        app = ReleaseApp(good_zip)
        faults[ASSET_PATH] = ["404", "404"]
    elif case == "api_500":
        app = ReleaseApp(good_zip)
        faults[API_PATH] = ["500", "500"]
    else:
        app = ReleaseApp(good_zip)
        options["package"] = "core++"
    async with LoopbackServer(app, faults=faults) as server:
        app.base = server.base_url
        async with updater(server, tmp_path, **options) as client:
            with pytest.raises(SigmaPackError, match=message) as caught:
                await client.update()
    assert "was kept" in str(caught.value)
    assert (tmp_path / "sigma-rules.tar.xz").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sigma-rules.tar.xz"]


async def test_a_timeout_keeps_the_bundled_pack(tmp_path: Path, good_zip: bytes) -> None:
    app = ReleaseApp(good_zip)
    async with LoopbackServer(app, faults={ASSET_PATH: ["slow:3", "slow:3"]}) as server:
        app.base = server.base_url
        client = updater(server, tmp_path, timeout=httpx.Timeout(0.3))
        async with client:
            with pytest.raises(SigmaPackError, match="timed out") as caught:
                await client.update()
    assert "bundled pack stays in use" in str(caught.value)
    assert not (tmp_path / "sigma-rules.tar.xz").exists()
    assert active_pack_path(tmp_path) == bundled_rules_path()


async def test_hostile_members_are_skipped(
    tmp_path: Path, sigma_data: Path, rule_files: list[Path]
) -> None:
    app = ReleaseApp(symlinked(sigma_data, rule_files))
    async with LoopbackServer(app) as server:
        app.base = server.base_url
        async with updater(server, tmp_path) as client:
            result = await client.update()
    names = {r.name for r in iter_rule_texts(result.path)}
    assert len(names) == RULES
    assert "windows/evil.yml" not in names
    assert not any("escape" in n for n in names)


async def test_a_direct_url_with_a_checksum(tmp_path: Path, good_zip: bytes) -> None:
    app = ReleaseApp(good_zip)
    async with LoopbackServer(app) as server:
        url = server.base_url + ASSET_PATH
        good = hashlib.sha256(good_zip).hexdigest()
        async with updater(server, tmp_path, url=url, sha256=good.upper()) as client:
            result = await client.update()
        assert result.checksum_verified
        assert result.release is None
        assert result.manifest.commit == url
        async with updater(server, tmp_path, url=url) as client:
            unverified = await client.update()
        assert not unverified.checksum_verified
        async with updater(server, tmp_path, url=url, sha256="1" * 64) as client:
            with pytest.raises(SigmaPackError, match="sha256"):
                await client.update()
        assert server.stats.by_path[API_PATH] == 0


def test_bad_options_are_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="unknown Sigma release package"):
        SigmaPackUpdater(package="nightly", data_dir=tmp_path)
    with pytest.raises(ConfigurationError, match="64 hexadecimal"):
        SigmaPackUpdater(sha256="abc", data_dir=tmp_path)
    with pytest.raises(ConfigurationError, match="absolute URL"):
        SigmaPackUpdater(url="sigma_core.zip", data_dir=tmp_path)
    updater_repr = repr(SigmaPackUpdater(data_dir=tmp_path))
    assert "core+" in updater_repr
