"""The allow-list: a team's own benign noise, kept out of the indicators and the findings."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Final
from urllib.parse import urlsplit

import attrs
import pandas as pd

from asisdk.errors import ConfigurationError

__all__ = ["AllowList"]

_HEX_HASH: Final = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$")
_ALLOW_KINDS: Final = ("address", "domain", "hash", "image", "command")
_ALLOW_ALIASES: Final[Mapping[str, str]] = {
    "ip": "address",
    "ipv4": "address",
    "ipv6": "address",
    "network": "address",
    "dns": "domain",
    "md5": "hash",
    "sha1": "hash",
    "sha256": "hash",
    "process": "image",
    "cmd": "command",
    "commandline": "command",
}


@attrs.frozen(kw_only=True)
class AllowList:
    """A team's own benign noise: what the triage does not report.

    Attributes:
        addresses: IP addresses and networks (``10.0.0.0/8``).
        domains: domains; their subdomains are allowed too.
        hashes: MD5 / SHA-1 / SHA-256 values (case-insensitive).
        images: executable paths or bare names (``backup.exe``), case-insensitive.
        commands: regular expressions searched in command lines (case-insensitive).
    """

    addresses: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    hashes: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()

    @classmethod
    def from_text(cls, text: str, *, source: str = "allow-list") -> AllowList:
        """Read an allow-list: one entry a line, ``kind: value`` or bare; ``#`` starts a comment
        line.

        Kinds are ``address`` (or ``ip``), ``domain`` (or ``dns``), ``hash`` (or ``md5``,
        ``sha1``, ``sha256``), ``image`` and ``command`` (or ``cmd``; a regex);
        a bare value is classified by its shape (an address or network, a hash, a path or
        ``.exe`` name, else a domain). Command-line patterns need ``command:``.

        Raises:
            ConfigurationError: an unknown kind or an invalid address or regex (the line is
                named).

        Examples:
            >>> allow = AllowList.from_text("10.0.0.0/8\\nupdates.example.com\\ncommand: ^backup")
            >>> allow.addresses, allow.domains, allow.commands
            (('10.0.0.0/8',), ('updates.example.com',), ('^backup',))
        """
        found: dict[str, list[str]] = {k: [] for k in _ALLOW_KINDS}
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            kind, sep, value = line.partition(":")
            named = _ALLOW_ALIASES.get(kind.strip().lower(), kind.strip().lower())
            if sep and named in _ALLOW_KINDS:
                kind, value = named, value.strip()
            else:
                kind, value = _shape_of(line), line
            if kind == "address":
                try:
                    ipaddress.ip_network(value, strict=False)
                except ValueError as exc:
                    raise ConfigurationError(f"{source} line {number}: {exc}") from exc
            if kind == "command":
                try:
                    re.compile(value)
                except re.error as exc:
                    raise ConfigurationError(f"{source} line {number}: bad regex: {exc}") from exc
            found[kind].append(value)
        return cls(
            addresses=tuple(found["address"]),
            domains=tuple(d.lower().strip(".") for d in found["domain"]),
            hashes=tuple(h.lower() for h in found["hash"]),
            images=tuple(i.lower() for i in found["image"]),
            commands=tuple(found["command"]),
        )

    def allows_indicator(self, ioc_type: str, value: str) -> bool:
        """Whether an indicator is allowed (an address in a listed network, a listed domain
        or one of its subdomains, a URL on such a host, a listed hash)."""
        text = value.lower()
        if ioc_type in ("md5", "sha1", "sha256"):
            return text in self.hashes
        if ioc_type in ("ipv4", "ipv6"):
            return self._allows_address(text)
        host = text
        if ioc_type == "url":
            try:
                host = (urlsplit(text).hostname or "").lower()
            except ValueError:
                return False
            try:
                ipaddress.ip_address(host)
                return self._allows_address(host)
            except ValueError:
                pass
        if ioc_type in ("dns", "url"):
            return any(host == d or host.endswith("." + d) for d in self.domains)
        return False

    def _allows_address(self, text: str) -> bool:
        try:
            address = ipaddress.ip_address(text.split("%", 1)[0])
        except ValueError:
            return False
        # A network of the other IP version holds no address of this one.
        return any(address in ipaddress.ip_network(n, strict=False) for n in self.addresses)

    def event_mask(self, fields: pd.DataFrame) -> pd.Series[bool]:
        """Events whose image or command line is allowed (fields of :func:`event_fields`)."""
        mask = pd.Series(False, index=fields.index, dtype=bool)
        if self.images:
            image = fields["image"].str.lower()
            names = image.str.rsplit("\\", n=1).str[-1].str.rsplit("/", n=1).str[-1]
            mask |= image.isin(self.images) | names.isin(self.images)
        for pattern in self.commands:
            mask |= fields["command_line"].str.contains(pattern, case=False, regex=True, na=False)
        return mask

    def indicator_mask(self, table: pd.DataFrame) -> pd.Series[bool]:
        """Which rows of an indicator table (``ioc_type``, ``observable``) are allowed."""
        flags = [
            self.allows_indicator(str(k), str(v))
            for k, v in zip(table["ioc_type"], table["observable"], strict=True)
        ]
        return pd.Series(flags, index=table.index, dtype=bool)


def _shape_of(value: str) -> str:
    try:
        ipaddress.ip_network(value, strict=False)
        return "address"
    except ValueError:
        pass
    if _HEX_HASH.match(value.lower()):
        return "hash"
    if "\\" in value or "/" in value or value.lower().endswith(".exe"):
        return "image"
    return "domain"
