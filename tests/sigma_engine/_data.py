"""Paths of the real data the Sigma tests read (``../shared/data`` beside the repository)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SIGMA = ROOT.parent / "shared" / "data" / "sigma"
RULE_DIRS = (SIGMA / "rules", SIGMA / "rules-emerging-threats", SIGMA / "rules-threat-hunting")
REGRESSION = SIGMA / "regression_data"

_ID = re.compile(r"^id:\s*([0-9a-fA-F-]{36})\s*$", re.MULTILINE)


def rule_files_by_id() -> dict[str, Path]:
    """Every rule file of the snapshot under its rule id (read as text, not parsed)."""
    found: dict[str, Path] = {}
    for folder in RULE_DIRS:
        for path in folder.rglob("*.yml"):
            match = _ID.search(path.read_text(encoding="utf-8"))
            if match:
                found[match.group(1).lower()] = path
    return found
