"""Process trees of Sysmon rows linked by ``ProcessGuid`` / ``ParentProcessGuid`` (issue 16).

The 2019 OTRF Sysmon exports have no ``ProcessId``; these tests take real OTRF rows
(``../shared/data/events/otrf``), whose own ``ProcessId`` is blank, with and without the
``ParentProcessId`` column.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from asisdk.notebook import build_process_tree


@pytest.fixture(scope="module")
def sysmon(shared_data: Path) -> pd.DataFrame:
    path = shared_data / "events" / "otrf" / "empire_shell_net_local_users.zip"
    with zipfile.ZipFile(path) as archive, archive.open(archive.namelist()[0]) as member:
        frame = pd.read_json(member, lines=True, dtype=False)
    rows = frame[pd.to_numeric(frame["EventID"], errors="coerce") == 1]
    assert len(rows) == 5
    assert rows["ProcessGuid"].notna().all()
    assert rows["ProcessId"].isna().all()
    return rows


def _parents(tree: pd.DataFrame) -> dict[int, tuple[int | None, str]]:
    """Each data row's parent: (the parent's row in the data or ``None``, the parent's image)."""
    by_key = tree.set_index("proc_key")
    found: dict[int, tuple[int | None, str]] = {}
    for row in tree[tree["in_data"]].itertuples():
        parent = by_key.loc[row.parent_key]
        index = None if pd.isna(parent["source_index"]) else int(parent["source_index"])
        found[int(row.source_index)] = (index, str(parent["image"]).rsplit("\\", 1)[-1])
    return found


_EXPECTED = {
    143: (None, "powershell.exe"),
    183: (143, "net.exe"),  # net1.exe, linked to its net.exe by GUID alone
    441: (None, "svchost.exe"),
    1312: (None, "services.exe"),
    1492: (None, "svchost.exe"),
}


def test_guid_only_rows_link_by_guid(sysmon: pd.DataFrame) -> None:
    tree = build_process_tree(sysmon.drop(columns=["ProcessId", "ParentProcessId"]))
    assert _parents(tree) == _EXPECTED
    added = tree[~tree["in_data"]]
    assert len(added) == 3  # both WmiPrvSE.exe share one svchost.exe parent
    assert tree.loc[tree["source_index"] == 183, "depth"].item() == 2


def test_rows_with_parent_ids_link_the_same(sysmon: pd.DataFrame) -> None:
    assert _parents(build_process_tree(sysmon)) == _EXPECTED


def test_guids_match_whatever_their_case_and_braces(sysmon: pd.DataFrame) -> None:
    rows = sysmon.drop(columns=["ProcessId", "ParentProcessId"]).copy()
    rows["ParentProcessGuid"] = rows["ParentProcessGuid"].str.upper().str.strip("{}")
    assert _parents(build_process_tree(rows)) == _EXPECTED
