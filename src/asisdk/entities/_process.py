"""Process and HostLogonSession."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import attrs

from asisdk.entities._account import Account
from asisdk.entities._base import Entity, entity_field
from asisdk.entities._enums import ElevationToken
from asisdk.entities._file import File
from asisdk.entities._host import Host
from asisdk.entities._time import to_utc_datetime

__all__ = ["HostLogonSession", "Process"]


def _elevation(value: object) -> ElevationToken | None:
    if value is None or value == "":
        return None
    return ElevationToken.from_event_code(value)


def _process_id(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return str(value)
    return str(value).strip()


@attrs.frozen(kw_only=True, eq=False, repr=False)
class HostLogonSession(Entity):
    """A logon session on a host. Identity: host, account and session id together."""

    ENTITY_TYPE: ClassVar[str] = "host-logon-session"
    IDENTITY: ClassVar[tuple[str, ...]] = ("host", "account", "session_id")
    COMPOSITE_IDENTITY: ClassVar[bool] = True

    account: Account | None = entity_field()
    host: Host | None = entity_field()
    session_id: str | None = entity_field()
    start_time: datetime | None = entity_field(
        sentinel="StartTimeUtc", converter=to_utc_datetime, compare=False
    )
    end_time: datetime | None = entity_field(
        sentinel="EndTimeUtc", converter=to_utc_datetime, compare=False
    )

    @property
    def label(self) -> str:
        who = self.account.label if self.account is not None else "?"
        where = self.host.label if self.host is not None else "?"
        return f"session {self.session_id or '?'} of {who} on {where}"

    def query_params(self) -> dict[str, object]:
        """``logon_session_id``."""
        return {"logon_session_id": self.session_id} if self.session_id else {}


@attrs.frozen(kw_only=True, eq=False, repr=False)
class Process(Entity):
    """A process.

    Identity: host, process id, image path and command line together (timestamps never take
    part, so the same process seen by two sensors compares equal).

    Examples:
        >>> p = Process(process_id="0x1a4", image_file=File(full_path="C:\\\\w\\\\cmd.exe"))
        >>> p.process_name, p.process_id_int
        ('cmd.exe', 420)
    """

    ENTITY_TYPE: ClassVar[str] = "process"
    IDENTITY: ClassVar[tuple[str, ...]] = (
        "host",
        "process_id",
        "process_file_path",
        "command_line",
    )
    COMPOSITE_IDENTITY: ClassVar[bool] = True
    CASE_SENSITIVE: ClassVar[frozenset[str]] = frozenset({"command_line"})

    process_id: str | None = entity_field(converter=_process_id)
    command_line: str | None = entity_field()
    creation_time: datetime | None = entity_field(
        sentinel="CreationTimeUtc", converter=to_utc_datetime, compare=False
    )
    image_file: File | None = entity_field()
    parent_process: Process | None = entity_field()
    account: Account | None = entity_field()
    host: Host | None = entity_field()
    elevation_token: ElevationToken | None = entity_field(converter=_elevation)
    logon_session: HostLogonSession | None = entity_field()

    @property
    def process_name(self) -> str | None:
        """The image file name (``cmd.exe``)."""
        return self.image_file.name if self.image_file is not None else None

    @property
    def process_file_path(self) -> str | None:
        """The image file's full path."""
        return self.image_file.full_path if self.image_file is not None else None

    @property
    def process_id_int(self) -> int | None:
        """The process id as a number (decimal or ``0x`` hex in the source)."""
        if not self.process_id:
            return None
        try:
            return int(self.process_id, 0)
        except ValueError:
            return None

    @property
    def label(self) -> str:
        name = self.process_name or self.command_line or "process"
        return f"{name} ({self.process_id})" if self.process_id else name

    def query_params(self) -> dict[str, object]:
        """``process_name`` (full path), ``process_id`` and ``logon_session_id``."""
        params: dict[str, object] = {}
        if self.process_file_path or self.process_name:
            params["process_name"] = self.process_file_path or self.process_name
        if self.process_id:
            params["process_id"] = self.process_id
        session = self.logon_session.session_id if self.logon_session is not None else None
        session = session or (self.account.logon_id if self.account is not None else None)
        if session:
            params["logon_session_id"] = session
        return params
