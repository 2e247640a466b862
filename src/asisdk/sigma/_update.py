"""``SigmaPackUpdater``: download SigmaHQ's latest release package and install it atomically.

SigmaHQ publishes rule packages with every release (``sigma_core.zip``: status test/stable,
level high/critical; ``sigma_core+.zip`` adds medium; ``sigma_core++.zip`` adds
experimental; ``sigma_all_rules.zip``). The updater asks GitHub's release API for the latest
release, takes the package's asset with its published ``sha256`` digest, streams it with a
size cap, and checks it: the digest matches, the zip is valid, every member is a plain
``.yml`` file within the limits, and at least ``min_rules`` rules of the selection (status
stable/test; Windows, Linux, macOS) parse with pySigma. The rules are then written as a pack
(the layout of :mod:`asisdk.sigma._pack`, the licence and a NOTICE naming the release), read
back, and moved over the installed pack with :func:`os.replace`. Any failure raises
:class:`SigmaPackError` and leaves the pack in place untouched.

With ``url=`` the zip is fetched from that address instead (a mirror); it is checked against
``sha256=`` when given.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import re
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import Final, Literal

import attrs
import httpx

from asisdk._http import ApiClient, RequestLimits, RetryPolicy, ServiceClient
from asisdk._http import _defaults as _http_defaults
from asisdk.errors import ApiError, ConfigurationError
from asisdk.sigma._pack import (
    LICENSE_MEMBER,
    MAX_PACK_MEMBERS,
    MAX_RULE_BYTES,
    PackManifest,
    RuleText,
    SigmaPackError,
    _safe_name,
    bundled_rules_path,
    default_data_dir,
    installed_pack_path,
    pack_bytes,
    pack_member_text,
    read_manifest,
    write_atomically,
)

__all__ = ["ReleasePackage", "SigmaPackUpdater", "SigmaUpdateResult"]

#: The release packages SigmaHQ publishes, by the name of their asset.
ReleasePackage = Literal["core", "core+", "core++", "all_rules"]
RELEASE_PACKAGES: Final[tuple[ReleasePackage, ...]] = ("core", "core+", "core++", "all_rules")
#: The default: test/stable rules of level medium and above (the closest to the bundled pack,
#: which also keeps low and informational rules).
DEFAULT_PACKAGE: Final[ReleasePackage] = "core+"
GITHUB_API: Final = "https://api.github.com"
REPOSITORY: Final = "SigmaHQ/sigma"
#: Largest release zip accepted (sigma_all_rules.zip is about 3 MB) and largest unpacked size.
MAX_DOWNLOAD_BYTES: Final = 64 * 1024 * 1024
MAX_EXTRACTED_BYTES: Final = 256 * 1024 * 1024
#: Fewest rules a usable package holds after selection (sigma_core.zip: about 1,000).
MIN_RULES: Final = 300
DOWNLOAD_TIMEOUT: Final = httpx.Timeout(connect=10.0, read=60.0, write=30.0, pool=30.0)
_SHA256 = re.compile(r"^(?:sha256:)?([0-9a-fA-F]{64})$")


@attrs.frozen(kw_only=True)
class SigmaUpdateResult:
    """What an update installed.

    Attributes:
        path: the installed pack.
        manifest: its manifest (rule counts, release).
        release: the release tag (``None`` for a ``url=`` download).
        source_url: where the zip came from.
        sha256: the zip's checksum.
        checksum_verified: whether it was checked against a published (or given) digest.
        previous_rule_count: rules of the pack in use before (bundled or installed).
    """

    path: Path
    manifest: PackManifest
    release: str | None
    source_url: str
    sha256: str
    checksum_verified: bool
    previous_rule_count: int | None


def _origin_and_path(url: str) -> tuple[str, str]:
    parsed = httpx.URL(url)
    if not parsed.scheme or not parsed.host:
        raise ConfigurationError(f"{url!r} is not an absolute URL")
    origin = f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"
    path = parsed.raw_path.decode("ascii") or "/"
    return origin, path


def _rule_name(member: str) -> str:
    """The rule's path below a ``rules`` folder, or below the archive's top folder."""
    parts = PurePosixPath(member).parts
    if "rules" in parts[:-1]:
        return "/".join(parts[parts.index("rules") + 1 :])
    return "/".join(parts[1:]) if len(parts) > 1 else parts[0]


class SigmaPackUpdater(ServiceClient):
    """Download the latest SigmaHQ release package into the user data directory.

    Args:
        package: the release package (``"core"``, ``"core+"``, ``"core++"``, ``"all_rules"``).
        data_dir: where to install the pack (default: the directory the pack is read from).
        url: fetch the zip from this URL instead of asking the release API.
        sha256: the zip's expected checksum (with ``url=``; the API's digest otherwise).
        api_url: the GitHub API root (tests use ``http://127.0.0.1:PORT``).
        repository: the repository whose latest release is used.
        http_client: an ``httpx.AsyncClient`` to use (it must follow redirects: GitHub
            serves assets from another host).
        retry: the retry policy of the downloads.
        timeout: timeouts of the owned HTTP client.
        max_download_bytes: largest zip accepted (the body is streamed and cut there).
        max_extracted_bytes: largest total size of the zip's members.
        min_rules: fewest selected rules that must parse for the package to be installed.

    Raises:
        ConfigurationError: an unknown package, a ``url`` that is not absolute, or a
            ``sha256`` that is not 64 hex digits.

    Examples:
        >>> async def refresh() -> None:
        ...     async with SigmaPackUpdater() as updater:
        ...         result = await updater.update()
        ...         print(result.release, result.manifest.rule_count)
    """

    def __init__(
        self,
        *,
        package: ReleasePackage | str = DEFAULT_PACKAGE,
        data_dir: str | os.PathLike[str] | None = None,
        url: str | None = None,
        sha256: str | None = None,
        api_url: str = GITHUB_API,
        repository: str = REPOSITORY,
        http_client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout = DOWNLOAD_TIMEOUT,
        max_download_bytes: int = MAX_DOWNLOAD_BYTES,
        max_extracted_bytes: int = MAX_EXTRACTED_BYTES,
        min_rules: int = MIN_RULES,
    ) -> None:
        if package not in RELEASE_PACKAGES:
            raise ConfigurationError(
                f"unknown Sigma release package {package!r}; use one of {list(RELEASE_PACKAGES)}"
            )
        if url is not None:
            _origin_and_path(url)
        expected = None
        if sha256 is not None:
            found = _SHA256.match(sha256.strip())
            if found is None:
                raise ConfigurationError("sha256 must be 64 hexadecimal digits")
            expected = found.group(1).lower()
        self.package = package
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.url = url
        self.sha256 = expected
        self.repository = repository
        self.max_download_bytes = max_download_bytes
        self.max_extracted_bytes = max_extracted_bytes
        self.min_rules = min_rules
        self._retry = retry
        self._owned_http = (
            httpx.AsyncClient(follow_redirects=True, timeout=timeout)
            if http_client is None
            else None
        )
        self._http_client = http_client or self._owned_http
        self._api = self._client(
            api_url, "sigma-release-api", headers={"Accept": "application/vnd.github+json"}
        )
        self._downloads: dict[str, ApiClient] = {}

    def __repr__(self) -> str:
        return (
            f"SigmaPackUpdater(package={self.package!r}, target={str(self.target)!r}, "
            f"url={self.url!r})"
        )

    @property
    def asset_name(self) -> str:
        """The release asset fetched, e.g. ``sigma_core+.zip``."""
        return f"sigma_{self.package}.zip"

    @property
    def target(self) -> Path:
        """The file the pack is installed as."""
        return installed_pack_path(self.data_dir)

    def _client(
        self, base_url: str, service: str, *, headers: dict[str, str] | None = None
    ) -> ApiClient:
        return ApiClient(
            service=service,
            base_url=base_url,
            headers={"User-Agent": _http_defaults.USER_AGENT, **(headers or {})},
            retry=self._retry,
            http_client=self._http_client,
            limits=RequestLimits(max_response_bytes=self.max_download_bytes),
        )

    async def aclose(self) -> None:
        """Close the owned HTTP client. Idempotent."""
        await super().aclose()
        for client in self._downloads.values():
            await client.aclose()
        if self._owned_http is not None:
            await self._owned_http.aclose()

    async def update(self) -> SigmaUpdateResult:
        """Download, verify and install the release package.

        Returns:
            What was installed (see :class:`SigmaUpdateResult`).

        Raises:
            SigmaPackError: the download failed (the cause is chained), the checksum did not
                match, the zip is invalid or holds too few parseable rules, or a size limit
                was hit. The pack in place is kept.
        """
        previous = await asyncio.to_thread(self._rule_count_in_use)
        try:
            if self.url is not None:
                release, url, expected = None, self.url, self.sha256
            else:
                release, url, expected = await self._latest_asset()
            payload = await self._download(url)
        except ApiError as exc:
            raise self._failure(f"downloading the Sigma rules failed: {exc}.") from exc
        digest = hashlib.sha256(payload).hexdigest()
        if expected is not None and digest != expected:
            raise self._failure(
                f"the download from {url} does not match its sha256 checksum (expected "
                f"{expected}, got {digest}); it was discarded."
            )
        source = release or url
        manifest = await asyncio.to_thread(self._install, payload, source)
        return SigmaUpdateResult(
            path=self.target,
            manifest=manifest,
            release=release,
            source_url=url,
            sha256=digest,
            checksum_verified=expected is not None,
            previous_rule_count=previous,
        )

    def _failure(self, message: str) -> SigmaPackError:
        """The error of a failed update: ``message``, then which pack stays in use."""
        if self.target.is_file():
            return SigmaPackError(f"{message} The pack in place ({self.target}) was kept.")
        return SigmaPackError(f"{message} The bundled pack stays in use.")

    def _rule_count_in_use(self) -> int | None:
        for path in (self.target, bundled_rules_path()):
            try:
                return read_manifest(path).rule_count
            except (SigmaPackError, OSError):
                continue
        return None

    # -- downloads -------------------------------------------------------------------------

    async def _latest_asset(self) -> tuple[str, str, str | None]:
        release = await self._api.get_json(f"/repos/{self.repository}/releases/latest")
        if not isinstance(release, dict) or not isinstance(release.get("assets"), list):
            raise self._failure(f"the latest {self.repository} release answer has no assets.")
        tag = str(release.get("tag_name") or release.get("name") or "latest")
        for asset in release["assets"]:
            if not isinstance(asset, dict) or asset.get("name") != self.asset_name:
                continue
            url = asset.get("browser_download_url")
            if not isinstance(url, str):
                break
            size = asset.get("size")
            if isinstance(size, int) and size > self.max_download_bytes:
                raise self._failure(
                    f"{self.asset_name} of {tag} is {size} bytes, over max_download_bytes="
                    f"{self.max_download_bytes}."
                )
            digest = asset.get("digest")
            found = _SHA256.match(digest) if isinstance(digest, str) else None
            return tag, url, found.group(1).lower() if found else None
        names = [a.get("name") for a in release["assets"] if isinstance(a, dict)]
        raise self._failure(
            f"release {tag} of {self.repository} has no asset {self.asset_name} (it has {names})."
        )

    async def _download(self, url: str) -> bytes:
        origin, path = _origin_and_path(url)
        client = self._downloads.get(origin)
        if client is None:
            client = self._downloads[origin] = self._client(origin, "sigma-release-download")
        response = await client.request("GET", path)
        return response.content

    # -- verification and installation (in a worker thread) ------------------------------

    def _rules_of(self, payload: bytes) -> tuple[list[RuleText], str | None]:
        try:
            archive = zipfile.ZipFile(io.BytesIO(payload))
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise self._failure(f"the download is not a valid zip file ({exc}).") from exc
        rules: list[RuleText] = []
        licence: str | None = None
        total = 0
        with archive:
            infos = archive.infolist()
            if len(infos) > MAX_PACK_MEMBERS:
                raise self._failure(f"the zip holds {len(infos)} members, over {MAX_PACK_MEMBERS}.")
            for info in infos:
                name = info.filename
                if info.is_dir() or stat.S_ISLNK(info.external_attr >> 16) or not _safe_name(name):
                    continue  # only names are read; nothing is ever extracted to disk
                is_rule = name.endswith((".yml", ".yaml"))
                is_licence = PurePosixPath(name).name.upper().startswith("LICENSE")
                if not is_rule and not is_licence:
                    continue
                if info.file_size > MAX_RULE_BYTES:
                    raise self._failure(
                        f"{name} in the zip is {info.file_size} bytes, over {MAX_RULE_BYTES}."
                    )
                total += info.file_size
                if total > self.max_extracted_bytes:
                    raise self._failure(
                        f"the zip unpacks to more than max_extracted_bytes="
                        f"{self.max_extracted_bytes}."
                    )
                try:
                    with archive.open(info) as member:
                        # The header's size may lie (a zip bomb): read one byte past the cap.
                        data = member.read(MAX_RULE_BYTES + 1)
                    text = data.decode("utf-8")
                except (
                    zipfile.BadZipFile,
                    zlib.error,
                    NotImplementedError,
                    OSError,
                    EOFError,
                    UnicodeDecodeError,
                ) as exc:
                    raise self._failure(f"{name} in the zip cannot be read ({exc}).") from exc
                if len(data) > MAX_RULE_BYTES:
                    raise self._failure(
                        f"{name} in the zip unpacks to more than {MAX_RULE_BYTES} bytes."
                    )
                if is_rule:
                    rules.append(RuleText(name=_rule_name(name), text=text))
                elif licence is None:
                    licence = text
        return rules, licence

    def _install(self, payload: bytes, source: str) -> PackManifest:
        rules, licence = self._rules_of(payload)
        if licence is None:  # the release zips carry no licence file: the rules' licence is
            # the repository's, as shipped with asisdk
            licence = pack_member_text(bundled_rules_path(), LICENSE_MEMBER)
        data, manifest = pack_bytes(rules, commit=source, licence_text=licence)
        if manifest.rule_count < self.min_rules:
            raise self._failure(
                f"the download holds {manifest.rule_count} usable rules ({len(rules)} files, "
                f"{len(manifest.skipped)} did not parse); at least {self.min_rules} are "
                "required."
            )
        write_atomically(data, self.target)
        return manifest
