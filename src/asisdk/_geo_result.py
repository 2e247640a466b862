"""One lookup outcome per input: the status says what happened, the entity carries the data.

Shared by every location source (``asisdk.geo``'s databases, ``asisdk.ipstack``), so it sits
below both; users reach it as :class:`asisdk.geo.GeoResult` and :class:`asisdk.geo.GeoStatus`,
which is why both classes name ``asisdk.geo`` as their module (docs, pickles and the public
API test see them there).
"""

from __future__ import annotations

import enum

import attrs

from asisdk.entities import GeoLocation, IpAddress, IpType

__all__ = ["GeoResult", "GeoStatus"]

#: The public module of the classes below (they are re-exported, never defined, there).
_PUBLIC_MODULE = "asisdk.geo"


class GeoStatus(enum.StrEnum):
    """What happened to one address in a batch lookup.

    * ``found``: the address is located (``result.ip.location`` is set).
    * ``not_found``: a public address the source does not know; no location.
    * ``private``: a non-public address (private, loopback, link-local, multicast, reserved,
      unspecified): never looked up, returned with its ``ip_type`` and no location.
    * ``invalid``: the input is not an IP address (``result.ip`` is ``None``).
    * ``error``: the lookup failed (corrupt database, service error); ``result.error`` says why.
    * ``quota_exhausted``: an online source's quota ran out before this address was asked.
    """

    __module__ = _PUBLIC_MODULE

    FOUND = "found"
    NOT_FOUND = "not_found"
    PRIVATE = "private"
    INVALID = "invalid"
    ERROR = "error"
    QUOTA_EXHAUSTED = "quota_exhausted"


@attrs.frozen(kw_only=True)
class GeoResult:
    """The outcome of locating one input value.

    Attributes:
        query: the input as given (stringified), so results line up with inputs.
        status: what happened (:class:`GeoStatus`).
        ip: the address entity (with ``location`` when found); ``None`` for invalid input.
        ip_type: public, private, loopback, ... (``None`` for invalid input); the same as
            ``ip.ip_type``, computed once.
        error: why the lookup was invalid or failed, else ``None``.

    Examples:
        >>> from asisdk.entities import IpAddress, IpType
        >>> from asisdk.geo import GeoResult, GeoStatus
        >>> result = GeoResult(query="10.0.0.1", status=GeoStatus.PRIVATE,
        ...                    ip=IpAddress(address="10.0.0.1"), ip_type=IpType.PRIVATE)
        >>> result.status.value, result.location is None, result.ip_type.value
        ('private', True, 'private')
    """

    __module__ = _PUBLIC_MODULE

    query: str
    status: GeoStatus
    ip: IpAddress | None = None
    ip_type: IpType | None = None
    error: str | None = None

    @property
    def location(self) -> GeoLocation | None:
        """The location, when the address was found."""
        return None if self.ip is None else self.ip.location
