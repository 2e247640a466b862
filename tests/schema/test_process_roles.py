"""The per-family process roles: one table that the process tree and the cluster read."""

from __future__ import annotations

from pathlib import Path

import attrs
import pandas as pd
import pytest

from asisdk.cluster import ProcessColumns
from asisdk.data import sample_events_frame
from asisdk.schema import (
    EVENT_HOST_COLUMNS,
    EVENT_TIME_COLUMNS,
    FIELD_SOURCES,
    PROCESS_ROLES,
    normalise_events,
)

MSTICPY_4688 = Path("../shared/data/events/msticpy/processes_on_host.csv")


def _ids(values: pd.Series) -> list[int | None]:
    texts = [str(v).strip() for v in values]
    return [int(t, 16) if t.startswith("0x") else int(t) if t else None for t in texts]


def _canonical(values: pd.Series) -> list[int | None]:
    return [None if pd.isna(v) else int(v) for v in values]


def test_every_role_column_is_a_schema_source_column() -> None:
    known = {source.column for source in FIELD_SOURCES}
    named = {
        column
        for roles in PROCESS_ROLES.values()
        for columns in attrs.asdict(roles).values()
        for column in columns
    }
    assert named | set(EVENT_TIME_COLUMNS) | set(EVENT_HOST_COLUMNS) <= known


def test_the_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        PROCESS_ROLES["security"] = PROCESS_ROLES["sysmon"]  # type: ignore[index]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        PROCESS_ROLES["security"].pid = ("ProcessId",)  # type: ignore[misc]


def test_cluster_defaults_come_from_the_security_roles() -> None:
    roles, columns = PROCESS_ROLES["security"], ProcessColumns()
    assert columns.process == roles.image[0] == "NewProcessName"
    assert columns.commandline == roles.command_line[0]
    assert columns.logon_id == roles.logon_id[0] == "SubjectLogonId"


def test_security_roles_agree_with_the_canonical_ids_when_new_process_id_is_there() -> None:
    rows = pd.read_csv(MSTICPY_4688)
    roles = PROCESS_ROLES["security"]
    canonical = normalise_events(rows)
    assert len(rows) > 300
    assert _canonical(canonical["asi_process_id"]) == _ids(rows[roles.pid[0]])
    assert _canonical(canonical["asi_parent_process_id"]) == _ids(rows[roles.ppid[0]])


def test_otrf_4688_rows_show_why_the_tree_keeps_its_own_roles() -> None:
    # OTRF 4688 rows have no NewProcessId: the canonical id falls back to ProcessId, which
    # in 4688 is the creator; the roles keep it as the parent id.
    events = sample_events_frame()
    rows = events[events["EventID"] == 4688].dropna(axis="columns", how="all")
    roles = PROCESS_ROLES["security"]
    assert len(rows) > 100
    assert not set(roles.pid) & set(rows.columns)
    canonical = normalise_events(rows)
    assert _canonical(canonical["asi_process_id"]) == _ids(rows[roles.ppid[0]])


def test_sysmon_roles_agree_with_the_canonical_columns() -> None:
    events = sample_events_frame()
    rows = events[events["EventID"] == 1].dropna(axis="columns", how="all")
    roles = PROCESS_ROLES["sysmon"]
    canonical = normalise_events(rows)
    assert len(rows) > 400
    assert _canonical(canonical["asi_process_id"]) == _ids(rows[roles.pid[0]])
    assert _canonical(canonical["asi_parent_process_id"]) == _ids(rows[roles.ppid[0]])
    assert canonical["asi_command_line"].tolist() == rows[roles.command_line[0]].tolist()
