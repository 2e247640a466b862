"""Host."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from asisdk.entities._base import Entity, entity_field
from asisdk.entities._enums import OSFamily

__all__ = ["Host"]


@attrs.frozen(kw_only=True, eq=False, repr=False)
class Host(Entity):
    """A computer.

    Identity: its FQDN, else its device id, Azure resource id or OMS agent id.

    Examples:
        >>> Host(host_name="WIN-1", dns_domain="contoso.com").fqdn
        'WIN-1.contoso.com'
    """

    ENTITY_TYPE: ClassVar[str] = "host"
    IDENTITY: ClassVar[tuple[str, ...]] = ("fqdn", "device_id", "azure_id", "oms_agent_id")

    host_name: str | None = entity_field()
    dns_domain: str | None = entity_field()
    nt_domain: str | None = entity_field(sentinel="NTDomain")
    net_bios_name: str | None = entity_field()
    azure_id: str | None = entity_field(sentinel="AzureID")
    oms_agent_id: str | None = entity_field(sentinel="OMSAgentID")
    device_id: str | None = entity_field()
    os_family: OSFamily | None = entity_field(sentinel="OSFamily", converter=OSFamily.optional)
    os_version: str | None = entity_field(sentinel="OSVersion")
    is_domain_joined: bool | None = entity_field()

    @classmethod
    def from_computer_name(cls, computer: str, **fields: Any) -> Host:
        """Split a ``Computer`` column (``"WIN-1.contoso.com"``) into host name and domain."""
        name, _, domain = computer.strip().partition(".")
        return cls(host_name=name or None, dns_domain=domain or None, **fields)

    @property
    def fqdn(self) -> str | None:
        """``host_name.dns_domain``, or the host name alone when no domain is known."""
        if not self.host_name:
            return None
        if self.dns_domain and "." not in self.host_name:
            return f"{self.host_name}.{self.dns_domain}"
        return self.host_name

    def query_params(self) -> dict[str, object]:
        """``host_name`` (the FQDN, or the short name)."""
        return {"host_name": self.fqdn} if self.fqdn else {}
