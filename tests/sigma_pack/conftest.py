"""Sigma pack fixtures: the bundled pack and SigmaHQ's rules in ../shared/data/sigma."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import yaml

from asisdk.sigma._pack import bundled_rules_path, load_pack_collection

SIGMA_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "sigma"


@pytest.fixture(scope="session")
def sigma_data() -> Path:
    """``../shared/data/sigma``: the SigmaHQ snapshot the bundled pack was built from."""
    if not (SIGMA_DATA / "rules").is_dir():
        pytest.fail(f"SigmaHQ rules not found at {SIGMA_DATA}")
    return SIGMA_DATA


@pytest.fixture(scope="session")
def bundled_collection():  # type: ignore[no-untyped-def]
    return load_pack_collection(bundled_rules_path())


def selected_rule_files(root: Path) -> list[Path]:
    """Rule files of status stable/test for Windows, Linux or macOS, read independently."""
    chosen = []
    for path in sorted((root / "rules").rglob("*.yml")):
        data = yaml.load(path.read_text("utf-8"), Loader=yaml.CSafeLoader)
        product = (data.get("logsource") or {}).get("product")
        if data.get("status") in ("stable", "test") and product in ("windows", "linux", "macos"):
            chosen.append(path)
    return chosen


def release_zip(root: Path, files: list[Path], *, extra: dict[str, bytes] | None = None) -> bytes:
    """A zip laid out like SigmaHQ's release packages (``rules/<folder>/<file>.yml``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, "rules/" + path.relative_to(root / "rules").as_posix())
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()
