"""Account."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from asisdk.entities._base import Entity, entity_field
from asisdk.entities._host import Host

__all__ = ["Account"]


@attrs.frozen(kw_only=True, eq=False, repr=False)
class Account(Entity):
    """A user or service account.

    Identity: its SID, else its Entra ID (AAD) object id, else its object GUID, else its
    qualified name (``DOMAIN\\name``, ``name@suffix`` or ``host\\name``).

    Examples:
        >>> Account(name="alice", nt_domain="CONTOSO").qualified_name
        'CONTOSO\\\\alice'
    """

    ENTITY_TYPE: ClassVar[str] = "account"
    IDENTITY: ClassVar[tuple[str, ...]] = ("sid", "aad_user_id", "object_guid", "qualified_name")
    LABEL: ClassVar[tuple[str, ...]] = (
        "qualified_name",
        "display_name",
        "sid",
        "aad_user_id",
        "object_guid",
    )

    name: str | None = entity_field()
    nt_domain: str | None = entity_field(sentinel="NTDomain")
    upn_suffix: str | None = entity_field(sentinel="UPNSuffix")
    sid: str | None = entity_field()
    aad_tenant_id: str | None = entity_field()
    aad_user_id: str | None = entity_field()
    object_guid: str | None = entity_field()
    display_name: str | None = entity_field()
    host: Host | None = entity_field()
    logon_id: str | None = entity_field()
    is_domain_joined: bool | None = entity_field()

    @classmethod
    def from_qualified_name(cls, value: str, **fields: Any) -> Account:
        """Parse ``DOMAIN\\name`` or ``name@suffix`` (anything else is a bare name)."""
        text = value.strip()
        if "\\" in text:
            domain, _, name = text.partition("\\")
            return cls(name=name, nt_domain=domain or None, **fields)
        if "@" in text:
            name, _, suffix = text.partition("@")
            return cls(name=name, upn_suffix=suffix or None, **fields)
        return cls(name=text, **fields)

    @property
    def qualified_name(self) -> str | None:
        """``DOMAIN\\name``, ``name@suffix``, ``host\\name`` or the bare name."""
        if not self.name:
            return None
        if self.nt_domain:
            return f"{self.nt_domain}\\{self.name}"
        if self.upn_suffix:
            return f"{self.name}@{self.upn_suffix}"
        if self.host is not None and self.host.host_name:
            return f"{self.host.host_name}\\{self.name}"
        return self.name

    @property
    def upn(self) -> str | None:
        """``name@upn_suffix`` when the suffix is known."""
        return f"{self.name}@{self.upn_suffix}" if self.name and self.upn_suffix else None

    def query_params(self) -> dict[str, object]:
        """``account_name`` (the bare name, as Windows and Entra ID logs record it)."""
        return {"account_name": self.name} if self.name else {}
