"""The Sigma rule pack: SigmaHQ's core rules shipped inside asisdk, and the user's update of it.

A pack is one ``.tar.xz`` file (one solid xz stream, 0.7 MB for 2,500 rules)::

    rules/<the rule's path in the SigmaHQ repository>.yml   every rule, byte for byte
    LICENSE.md                                              SigmaHQ's licence file (DRL 1.1)
    NOTICE.md                                               source, commit, selection, licence
    manifest.json                                           counts and source (PackManifest)

The bundled pack (``asisdk/sigma/data/sigma-rules.tar.xz``) holds the rules of status
``stable`` and ``test`` whose log source product is ``windows``, ``linux`` or ``macos``, from
the SigmaHQ commit named in its manifest. ``asisdk sigma update`` installs a newer pack of the
same layout in the user data directory; :func:`active_pack_path` prefers that one when it is
readable. Rules keep their ``author`` field: the Detection Rule License (DRL) 1.1 requires the
author next to every match.

Examples:
    >>> manifest = read_manifest(bundled_rules_path())
    >>> manifest.rule_count > 2000, manifest.licence
    (True, 'DRL-1.1')
"""

from __future__ import annotations

import datetime as dt
import io
import json
import lzma
import os
import tarfile
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any, Final

import attrs
import platformdirs
import yaml

from asisdk import _defaults as _root_defaults
from asisdk.errors import AsiError, MissingFileError

if TYPE_CHECKING:
    from sigma.collection import SigmaCollection
    from sigma.rule import SigmaRule

__all__ = [
    "PACK_FILE",
    "SELECTED_PRODUCTS",
    "SELECTED_STATUSES",
    "PackManifest",
    "RuleText",
    "SigmaPackError",
    "active_pack_path",
    "build_pack",
    "build_pack_from_checkout",
    "bundled_rules_path",
    "installed_pack_path",
    "iter_rule_texts",
    "licence_text",
    "load_pack_collection",
    "pack_member_text",
    "read_manifest",
    "rule_by_id",
    "select_rule",
]

#: File name of a pack, bundled or installed.
PACK_FILE: Final = "sigma-rules.tar.xz"
#: Sub-directory of the user data directory holding an installed pack.
DATA_SUBDIR: Final = "sigma"
#: The rule statuses and log source products a pack keeps.
SELECTED_STATUSES: Final = frozenset({"stable", "test"})
SELECTED_PRODUCTS: Final = frozenset({"windows", "linux", "macos"})
#: Where the rules come from, and their licence.
SOURCE_REPOSITORY: Final = "https://github.com/SigmaHQ/sigma"
LICENCE_ID: Final = "DRL-1.1"
LICENCE_URL: Final = (
    "https://github.com/SigmaHQ/Detection-Rule-License/blob/main/LICENSE.Detection.Rules.md"
)
#: Member names inside a pack.
RULES_DIR: Final = "rules"
LICENSE_MEMBER: Final = "LICENSE.md"
NOTICE_MEMBER: Final = "NOTICE.md"
MANIFEST_MEMBER: Final = "manifest.json"
#: Safety limits when reading a pack (an installed pack is a user-writable file).
MAX_RULE_BYTES: Final = 1024 * 1024
MAX_PACK_MEMBERS: Final = 50_000
#: Fixed member timestamp, so that rebuilding from the same commit gives the same bytes.
_TAR_MTIME: Final = 1_577_836_800  # 2020-01-01T00:00:00Z
#: xz preset: the pack is one solid stream (0.7 MB; a zip of single files is 2.4 MB).
_XZ_PRESET: Final = 9


class SigmaPackError(AsiError):
    """A rule pack is missing, unreadable or invalid, or an update could not be installed.

    When raised by the updater, the pack that was in place before is untouched.
    """


@attrs.frozen(kw_only=True)
class RuleText:
    """One rule file of a pack: its path inside the pack and its YAML text."""

    name: str
    text: str


@attrs.frozen(kw_only=True)
class PackManifest:
    """What a pack holds and where it comes from (``manifest.json``).

    Attributes:
        rule_count: rules in the pack.
        source: the repository the rules come from.
        commit: the source commit (or release tag) of the snapshot.
        created: when the pack was built (UTC, ISO 8601).
        licence: the rules' licence (``DRL-1.1``).
        statuses: rules per status.
        products: rules per log source product.
        levels: rules per level.
        skipped: rule files that matched the selection but did not parse (path: reason).
    """

    rule_count: int
    source: str
    commit: str
    created: str
    licence: str = LICENCE_ID
    statuses: Mapping[str, int] = attrs.field(factory=dict)
    products: Mapping[str, int] = attrs.field(factory=dict)
    levels: Mapping[str, int] = attrs.field(factory=dict)
    skipped: Mapping[str, str] = attrs.field(factory=dict)

    def to_json(self) -> str:
        """The manifest as pretty JSON."""
        return json.dumps(attrs.asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> PackManifest:
        """Read ``manifest.json``.

        Raises:
            SigmaPackError: the text is not a manifest.
        """
        try:
            data = json.loads(text)
            return cls(
                rule_count=int(data["rule_count"]),
                source=str(data["source"]),
                commit=str(data["commit"]),
                created=str(data["created"]),
                licence=str(data.get("licence", LICENCE_ID)),
                statuses={str(k): int(v) for k, v in dict(data.get("statuses", {})).items()},
                products={str(k): int(v) for k, v in dict(data.get("products", {})).items()},
                levels={str(k): int(v) for k, v in dict(data.get("levels", {})).items()},
                skipped={str(k): str(v) for k, v in dict(data.get("skipped", {})).items()},
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise SigmaPackError(f"the pack's manifest.json is not valid ({exc})") from exc


_LOADER: Final[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` with libyaml's C loader when present (8x faster on 2,500 rules)."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, C or Python


# -- selection and building ------------------------------------------------------------------


def select_rule(
    data: object,
    *,
    statuses: Iterable[str] = SELECTED_STATUSES,
    products: Iterable[str] = SELECTED_PRODUCTS,
) -> bool:
    """Whether a parsed rule document belongs in a pack (its status and log source product).

    Examples:
        >>> select_rule({"status": "test", "logsource": {"product": "windows"}})
        True
        >>> select_rule({"status": "experimental", "logsource": {"product": "windows"}})
        False
    """
    if not isinstance(data, Mapping):
        return False
    logsource = data.get("logsource")
    product = logsource.get("product") if isinstance(logsource, Mapping) else None
    return data.get("status") in set(statuses) and product in set(products)


def _parse_error(data: dict[str, Any]) -> str | None:
    """Why pySigma refuses the rule, or ``None`` when it parses."""
    from sigma.exceptions import SigmaError
    from sigma.rule import SigmaRule

    try:
        SigmaRule.from_dict(data)
    except (SigmaError, yaml.YAMLError, ValueError, TypeError, KeyError, AttributeError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _notice(source: str, commit: str, created: str, count: int) -> str:
    return (
        "# Sigma rules bundled with asisdk\n\n"
        f"These {count} detection rules are an unmodified snapshot of the SigmaHQ rule "
        f"repository ({source}) at {commit}, taken {created}: the rules of status "
        f"{' and '.join(sorted(SELECTED_STATUSES))} whose log source product is "
        f"{', '.join(sorted(SELECTED_PRODUCTS))}.\n\n"
        "The rules are released under the Detection Rule License (DRL) 1.1 (see LICENSE.md; "
        f"the licence text is at {LICENCE_URL}). Each rule keeps its `author` field, and "
        "asisdk shows the rule's author next to every match, as the DRL requires. The Sigma "
        "specification is public domain.\n"
    )


def _tally(values: Iterable[object]) -> dict[str, int]:
    """How often each value occurs, by its text, in key order."""
    return dict(sorted(Counter(map(str, values)).items()))


def _xz_writer(out: str | os.PathLike[str] | IO[bytes]) -> tarfile.TarFile:
    if isinstance(out, str | os.PathLike):
        return tarfile.open(out, mode="w:xz", preset=_XZ_PRESET)
    return tarfile.open(fileobj=out, mode="w:xz", preset=_XZ_PRESET)


def build_pack(
    rules: Iterable[RuleText],
    out: str | os.PathLike[str] | IO[bytes],
    *,
    commit: str,
    licence_text: str,
    source: str = SOURCE_REPOSITORY,
    created: str | None = None,
    statuses: Iterable[str] = SELECTED_STATUSES,
    products: Iterable[str] = SELECTED_PRODUCTS,
) -> PackManifest:
    """Write a pack of the selected rules that pySigma parses (blocking).

    Rules outside the selection are left out; selected rules that do not parse are left out
    and named in ``manifest.skipped``. The archive is deterministic for the same input and
    ``created``.

    Args:
        rules: rule files (``name`` is the path kept under ``rules/``).
        out: the ``.tar.xz`` file (or binary file object) to write.
        commit: the source commit or release tag, recorded in the manifest and NOTICE.
        licence_text: SigmaHQ's ``LICENSE.md``, stored as is.
        source: the source repository.
        created: the snapshot date (default: today, UTC).
        statuses: rule statuses kept.
        products: log source products kept.

    Returns:
        The manifest written into the pack.
    """
    created = created or dt.datetime.now(dt.UTC).date().isoformat()
    kept: list[tuple[RuleText, Any]] = []
    skipped: dict[str, str] = {}
    wanted_statuses, wanted_products = frozenset(statuses), frozenset(products)
    for rule in sorted(rules, key=lambda r: r.name):
        try:
            data = load_yaml(rule.text)
        except yaml.YAMLError as exc:
            skipped[rule.name] = f"YAMLError: {exc}"
            continue
        if not select_rule(data, statuses=wanted_statuses, products=wanted_products):
            continue
        problem = _parse_error(data)
        if problem is not None:
            skipped[rule.name] = problem
            continue
        kept.append((rule, data))
    manifest = PackManifest(
        rule_count=len(kept),
        source=source,
        commit=commit,
        created=created,
        statuses=_tally(d.get("status") for _, d in kept),
        products=_tally(d["logsource"].get("product") for _, d in kept),
        levels=_tally(d.get("level") for _, d in kept),
        skipped=skipped,
    )
    members = [
        (MANIFEST_MEMBER, manifest.to_json()),  # first: read_manifest stops here
        (LICENSE_MEMBER, licence_text),
        (NOTICE_MEMBER, _notice(source, commit, created, len(kept))),
        *((f"{RULES_DIR}/{rule.name}", rule.text) for rule, _ in kept),
    ]
    with _xz_writer(out) as archive:
        for name, text in members:
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), _TAR_MTIME, 0o644
            archive.addfile(info, io.BytesIO(data))
    return manifest


def build_pack_from_checkout(
    checkout: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    commit: str,
    created: str | None = None,
) -> PackManifest:
    """Build a pack from a SigmaHQ checkout (its ``rules/`` folder and ``LICENSE.md``).

    Raises:
        MissingFileError: the checkout has no ``rules/`` folder or no ``LICENSE.md``.
    """
    root = Path(checkout)
    rules_dir, licence = root / RULES_DIR, root / LICENSE_MEMBER
    if not rules_dir.is_dir() or not licence.is_file():
        raise MissingFileError(f"{root} is not a SigmaHQ checkout (needs rules/ and LICENSE.md)")
    texts = (
        RuleText(name=path.relative_to(rules_dir).as_posix(), text=path.read_text("utf-8"))
        for path in rules_dir.rglob("*.yml")
    )
    return build_pack(
        texts, out, commit=commit, licence_text=licence.read_text("utf-8"), created=created
    )


# -- locating and reading packs --------------------------------------------------------------


def bundled_rules_path() -> Path:
    """The pack shipped inside asisdk.

    Raises:
        MissingFileError: the installation lacks it (a broken install).
    """
    path = Path(str(resources.files("asisdk.sigma").joinpath("data", PACK_FILE)))
    if not path.is_file():
        raise MissingFileError(f"the bundled Sigma rule pack is missing at {path}; reinstall")
    return path


def default_data_dir() -> Path:
    """The per-user directory an updated pack is installed in (``.../asisdk/sigma``)."""
    return Path(platformdirs.user_data_dir(_root_defaults.APP_NAME)) / DATA_SUBDIR


def installed_pack_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where ``asisdk sigma update`` installs a pack (it may not exist yet)."""
    return (Path(data_dir) if data_dir is not None else default_data_dir()) / PACK_FILE


def active_pack_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The pack in use: the installed one when it is a readable pack, else the bundled one."""
    installed = installed_pack_path(data_dir)
    if installed.is_file():
        try:
            read_manifest(installed)
        except SigmaPackError:
            pass  # an unreadable file in place falls back to the bundled pack
        else:
            return installed
    return bundled_rules_path()


def _members(path: Path) -> Iterator[tuple[str, str]]:
    """``(name, text)`` of every regular file of a pack, in archive order, within the limits.

    Links, devices, absolute names and ``..`` are never read; only names are compared.
    """
    try:
        with tarfile.open(path, mode="r:xz") as archive:
            for count, member in enumerate(archive, start=1):
                if count > MAX_PACK_MEMBERS:
                    raise SigmaPackError(f"{path} holds more than {MAX_PACK_MEMBERS} members")
                if not member.isreg() or not _safe_name(member.name):
                    continue
                if member.size > MAX_RULE_BYTES:
                    raise SigmaPackError(
                        f"{path}: {member.name} is larger than {MAX_RULE_BYTES} bytes"
                    )
                source = archive.extractfile(member)
                if source is None:  # pragma: no cover - regular files always have data
                    continue
                with source:
                    data = source.read()
                try:
                    yield member.name, data.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise SigmaPackError(f"{path}: {member.name} is not UTF-8 text") from exc
    except FileNotFoundError as exc:
        raise MissingFileError(f"no Sigma rule pack at {path}") from exc
    except (tarfile.TarError, lzma.LZMAError, EOFError, OSError) as exc:
        raise SigmaPackError(f"{path} is not a readable rule pack ({exc})") from exc


def _safe_name(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return bool(parts) and not name.startswith("/") and ".." not in parts


def read_manifest(path: str | os.PathLike[str] | None = None) -> PackManifest:
    """The manifest of a pack (default: the active pack).

    Raises:
        SigmaPackError: the file is not a pack.
        MissingFileError: there is no file at ``path``.
    """
    where = Path(path) if path is not None else active_pack_path()
    for name, text in _members(where):
        if name == MANIFEST_MEMBER:
            return PackManifest.from_json(text)
    raise SigmaPackError(f"{where} has no {MANIFEST_MEMBER}; it is not a rule pack")


def _is_rule_member(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return len(parts) >= 2 and parts[0] == RULES_DIR and name.endswith((".yml", ".yaml"))


def iter_rule_texts(path: str | os.PathLike[str] | None = None) -> Iterator[RuleText]:
    """Every rule of a pack (default: the active pack), in path order.

    Examples:
        >>> first = next(iter_rule_texts(bundled_rules_path()))
        >>> first.name.startswith("linux/"), "author:" in first.text
        (True, True)

    Raises:
        SigmaPackError: the file is not a readable pack.
    """
    where = Path(path) if path is not None else active_pack_path()
    for name, text in _members(where):
        if _is_rule_member(name):
            yield RuleText(name=name[len(RULES_DIR) + 1 :], text=text)


def pack_member_text(path: str | os.PathLike[str], member: str) -> str:
    """One member of a pack (``LICENSE.md``, ``NOTICE.md``, ``manifest.json``) as text.

    Raises:
        SigmaPackError: the pack has no such member.
    """
    for name, text in _members(Path(path)):
        if name == member:
            return text
    raise SigmaPackError(f"{path} has no {member}")


def licence_text(path: str | os.PathLike[str] | None = None) -> str:
    """The ``NOTICE.md`` and ``LICENSE.md`` of a pack, one after the other.

    Raises:
        SigmaPackError: the pack lacks one of them.
    """
    where = Path(path) if path is not None else active_pack_path()
    found = {
        name: text for name, text in _members(where) if name in (NOTICE_MEMBER, LICENSE_MEMBER)
    }
    missing = [m for m in (NOTICE_MEMBER, LICENSE_MEMBER) if m not in found]
    if missing:
        raise SigmaPackError(f"{where} has no {', '.join(missing)}")
    return f"{found[NOTICE_MEMBER]}\n{found[LICENSE_MEMBER]}"


def load_pack_collection(path: str | os.PathLike[str] | None = None) -> SigmaCollection:
    """The rules of a pack as one pySigma ``SigmaCollection`` (errors collected, not raised).

    Each rule's ``source`` is set to its path in the pack, so that errors name the file.
    """
    from sigma.collection import SigmaCollection
    from sigma.exceptions import SigmaRuleLocation

    rules: list[Any] = []
    for rule_text in iter_rule_texts(path):
        try:
            data = load_yaml(rule_text.text)
        except yaml.YAMLError:
            continue  # the pack was built from rules that parse; a tampered one is skipped
        collection = SigmaCollection.from_dicts(
            [data], collect_errors=True, source=SigmaRuleLocation(Path(rule_text.name))
        )
        rules.extend(collection.rules)
    return SigmaCollection(rules)


def rule_by_id(rule_id: str, path: str | os.PathLike[str] | None = None) -> SigmaRule:
    """The rule with this id (or this file name, with or without ``.yml``) in a pack.

    Raises:
        SigmaPackError: no rule of the pack has that id or name.
    """
    from sigma.rule import SigmaRule

    wanted = rule_id.strip().lower()
    stem = wanted.removesuffix(".yml")
    for rule_text in iter_rule_texts(path):
        name = PurePosixPath(rule_text.name).name.lower()
        if name.removesuffix(".yml") == stem or f"id: {wanted}" in rule_text.text.lower():
            rule = SigmaRule.from_dict(load_yaml(rule_text.text))
            if name.removesuffix(".yml") == stem or str(rule.id).lower() == wanted:
                return rule
    raise SigmaPackError(f"no rule with id or file name {rule_id!r} in the Sigma rule pack")


def write_atomically(payload: bytes, target: Path) -> None:
    """Write a pack next to ``target``, read it back, and move it over ``target`` atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        read_manifest(temp)  # the file on disk reads back as a pack
        temp.replace(target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def pack_bytes(rules: Iterable[RuleText], **options: Any) -> tuple[bytes, PackManifest]:
    """:func:`build_pack` into memory: the archive's bytes and its manifest."""
    buffer = io.BytesIO()
    manifest = build_pack(rules, buffer, **options)
    return buffer.getvalue(), manifest
