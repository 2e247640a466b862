"""Rebuild asisdk's bundled Sigma rule pack from a SigmaHQ checkout.

    python scripts/build_sigma_pack.py ../shared/data/sigma --commit 8eaafff1f2845a6...

The checkout needs ``rules/`` and ``LICENSE.md``. Without ``--commit`` the commit is read
with ``git rev-parse HEAD`` in the checkout, or from a README line naming it. The pack is
written to ``src/asisdk/sigma/data/sigma-rules.zip`` (``--out`` to change).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from asisdk.sigma._pack import PACK_FILE, build_pack_from_checkout

REPO = Path(__file__).resolve().parent.parent


def _commit_of(checkout: Path) -> str:
    try:
        out = subprocess.run(  # noqa: S603 - fixed arguments, the checkout is the caller's
            ["git", "-C", str(checkout), "rev-parse", "HEAD"],  # noqa: S607 - git on PATH
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        readme = checkout / "README.md"
        text = readme.read_text("utf-8") if readme.is_file() else ""
        found = re.search(r"\b[0-9a-f]{40}\b", text)
        if found is None:
            sys.exit("cannot tell the checkout's commit; pass --commit")
        return found.group(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path, help="a SigmaHQ checkout (rules/, LICENSE.md)")
    parser.add_argument("--commit", help="the checkout's commit (default: git rev-parse HEAD)")
    parser.add_argument("--created", help="the snapshot date, YYYY-MM-DD (default: today)")
    parser.add_argument("--out", type=Path, default=REPO / "src/asisdk/sigma/data" / PACK_FILE)
    args = parser.parse_args()
    commit = args.commit or _commit_of(args.checkout)
    manifest = build_pack_from_checkout(
        args.checkout, args.out, commit=commit, created=args.created
    )
    size = args.out.stat().st_size
    print(f"{args.out}: {manifest.rule_count} rules, {size / 1e6:.2f} MB, {commit}")
    print(f"  products {dict(manifest.products)}")
    print(f"  statuses {dict(manifest.statuses)}")
    print(f"  levels   {dict(manifest.levels)}")
    for name, reason in manifest.skipped.items():
        print(f"  skipped  {name}: {reason}")


if __name__ == "__main__":
    main()
