"""The :class:`Entity` base class: identity, equality, merging, repr and query parameters."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import attrs

from asisdk.errors import EntityError

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["Entity", "entity_field", "sentinel_key"]

_E = TypeVar("_E", bound="Entity")

#: attrs metadata keys
_SENTINEL_KEY = "asisdk.sentinel"
_COMPARE_KEY = "asisdk.compare"


def entity_field(
    *,
    sentinel: str | None = None,
    compare: bool = True,
    required: bool = False,
    default: Any = None,
    factory: Any = None,
    converter: Any = None,
    validator: Any = None,
) -> Any:
    """Declare an entity field.

    Args:
        sentinel: its name in Sentinel JSON when that is not the PascalCase of the field name.
        compare: whether it takes part in value comparison of entities without an identity
            (timestamps and enrichment never do).
        required: the field has no default and must be given.
        default / factory / converter / validator: as for :func:`attrs.field`.
    """
    metadata = {_SENTINEL_KEY: sentinel, _COMPARE_KEY: compare}
    if required:
        return attrs.field(metadata=metadata, converter=converter, validator=validator)
    if factory is not None:
        return attrs.field(
            factory=factory, metadata=metadata, converter=converter, validator=validator
        )
    return attrs.field(default=default, metadata=metadata, converter=converter, validator=validator)


def sentinel_key(field: attrs.Attribute[Any]) -> str:
    """Return the Sentinel JSON (PascalCase) name of an attrs field."""
    explicit = field.metadata.get(_SENTINEL_KEY)
    if explicit:
        return str(explicit)
    return "".join(part[:1].upper() + part[1:] for part in field.name.split("_"))


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, (str, tuple, list, dict)) and len(value) == 0)


def _normalise(value: object, *, case_sensitive: bool) -> object:
    if isinstance(value, str):
        stripped = value.strip()
        return stripped if case_sensitive else stripped.casefold()
    if isinstance(value, Entity):
        return value.identity
    if isinstance(value, tuple):
        return tuple(_normalise(v, case_sensitive=case_sensitive) for v in value)
    if hasattr(value, "value") and not isinstance(value, (int, float)):
        return getattr(value, "value", value)
    return value


@attrs.frozen(kw_only=True, eq=False, repr=False)
class Entity:
    """Base class of every entity.

    Entities are immutable (``attrs.evolve(entity, field=value)`` gives a changed copy) and
    compare by *identity*: a host is its FQDN (or device / Azure / agent id), an IP address its
    address, and so on. Timestamps and enrichment (locations, threat intelligence, additional
    data) never take part in ``==`` or ``hash``.

    Subclasses declare:

    * ``ENTITY_TYPE``: the Sentinel ``Type`` string (``"host"``, ``"account"``, ...);
    * ``IDENTITY``: attribute names (fields or properties) in priority order; the identity of
      an entity is the first of them that is set (``COMPOSITE_IDENTITY`` uses all of them);
    * ``CASE_SENSITIVE``: identity attributes compared case-sensitively (URLs, command lines).

    Attributes:
        additional_data: properties of the source JSON that have no field of their own; kept,
            never dropped, and written back by :meth:`to_dict`.
    """

    ENTITY_TYPE: ClassVar[str] = "entity"
    IDENTITY: ClassVar[tuple[str, ...]] = ()
    COMPOSITE_IDENTITY: ClassVar[bool] = False
    CASE_SENSITIVE: ClassVar[frozenset[str]] = frozenset()
    #: Attributes tried, in order, for :attr:`label` (default: ``IDENTITY``).
    LABEL: ClassVar[tuple[str, ...]] = ()

    additional_data: Mapping[str, Any] = entity_field(factory=dict, compare=False)

    # -- identity -----------------------------------------------------------------------------
    @property
    def identity(self) -> tuple[object, ...]:
        """The key that equality and hashing use: ``(type, attribute, normalised value...)``."""
        values = [
            (name, _normalise(getattr(self, name), case_sensitive=name in self.CASE_SENSITIVE))
            for name in self.IDENTITY
        ]
        present = [(name, value) for name, value in values if not _is_empty(value)]
        if present:
            if self.COMPOSITE_IDENTITY:
                return (self.ENTITY_TYPE, *values)
            return (self.ENTITY_TYPE, *present[0])
        return (self.ENTITY_TYPE, "value", *self._compared_values())

    def _compared_values(self) -> tuple[object, ...]:
        return tuple(
            _normalise(getattr(self, f.name), case_sensitive=True)
            for f in attrs.fields(type(self))
            if f.metadata.get(_COMPARE_KEY, True)
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Entity):
            return NotImplemented
        return type(self) is type(other) and self.identity == other.identity

    def __hash__(self) -> int:
        return hash(self.identity)

    def can_merge(self, other: Entity) -> bool:
        """Whether :meth:`merge` would accept ``other``."""
        try:
            self._check_mergeable(other)
        except EntityError:
            return False
        return True

    def _check_mergeable(self, other: Entity) -> None:
        if type(self) is not type(other):
            raise EntityError(f"cannot merge a {type(self).__name__} with a {type(other).__name__}")
        if not self.IDENTITY:
            conflicts = [
                f.name
                for f in attrs.fields(type(self))
                if f.metadata.get(_COMPARE_KEY, True)
                and not _is_empty(getattr(self, f.name))
                and not _is_empty(getattr(other, f.name))
                and getattr(self, f.name) != getattr(other, f.name)
            ]
            if conflicts:
                raise EntityError(
                    f"cannot merge {self.label!r} and {other.label!r}: they differ in "
                    f"{', '.join(conflicts)}"
                )
            return
        shared = False
        for name in self.IDENTITY:
            case_sensitive = name in self.CASE_SENSITIVE
            mine = _normalise(getattr(self, name), case_sensitive=case_sensitive)
            theirs = _normalise(getattr(other, name), case_sensitive=case_sensitive)
            if _is_empty(mine) or _is_empty(theirs):
                continue
            if mine != theirs:
                raise EntityError(
                    f"cannot merge {self.label!r} and {other.label!r}: their {name} differs"
                )
            shared = True
        if not shared:
            raise EntityError(
                f"cannot merge {self.label!r} and {other.label!r}: they share no identity "
                f"attribute ({', '.join(self.IDENTITY)}), so they may be different "
                f"{type(self).__name__}s"
            )

    def merge(self: _E, other: _E) -> _E:
        """Return a copy of this entity with its missing fields filled from ``other``.

        Both must be the same kind of entity with agreeing identities (every identity attribute
        set on both is equal, and at least one is). Where both have a value, this entity's
        wins; nested entities that agree are merged too.

        Raises:
            EntityError: the entities are of different types or their identities conflict.
        """
        self._check_mergeable(other)
        changes: dict[str, Any] = {}
        for f in attrs.fields(type(self)):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if f.name == "additional_data":
                if theirs:
                    changes[f.name] = {**theirs, **mine}
            elif _is_empty(mine) and not _is_empty(theirs):
                changes[f.name] = theirs
            elif isinstance(mine, Entity) and isinstance(theirs, Entity) and mine.can_merge(theirs):
                changes[f.name] = mine.merge(theirs)
        return attrs.evolve(self, **changes) if changes else self

    # -- display ------------------------------------------------------------------------------
    @property
    def label(self) -> str:
        """A short human-readable name (``"WIN-1.contoso.com"``, ``"10.0.0.1"``, ...)."""
        for name in self.LABEL or self.IDENTITY:
            value = getattr(self, name)
            if isinstance(value, Entity):
                return value.label
            if not _is_empty(value):
                return str(getattr(value, "value", value))
        for name, value in self.present_fields():
            if name != "additional_data" and not isinstance(value, (Entity, tuple, Mapping)):
                return str(value)
        return type(self).__name__

    def present_fields(self) -> Iterator[tuple[str, Any]]:
        """Yield ``(name, value)`` for every field that is set (not ``None`` or empty)."""
        for f in attrs.fields(type(self)):
            value = getattr(self, f.name)
            if not _is_empty(value):
                yield f.name, value

    def __repr__(self) -> str:
        parts = [f"{name}={value!r}" for name, value in self.present_fields()]
        return f"{type(self).__name__}({', '.join(parts)})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(name)}</th>"
            f"<td style='text-align:left'>{_html_value(value)}</td></tr>"
            for name, value in self.present_fields()
        )
        return (
            f"<div class='asisdk-entity'><b>{html.escape(type(self).__name__)}</b>: "
            f"{html.escape(self.label)}<table>{rows}</table></div>"
        )

    # -- query parameters ---------------------------------------------------------------------
    def query_params(self) -> dict[str, object]:
        """The query parameters this entity provides (see :func:`merge_query_params`)."""
        return {}

    # -- conversion ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return the entity as Sentinel JSON (PascalCase keys, ``Type`` first)."""
        from asisdk.entities._converter import unstructure_entity

        return unstructure_entity(self)

    @classmethod
    def from_dict(cls: type[_E], data: Mapping[str, Any]) -> _E:
        """Build an entity from Sentinel JSON (PascalCase, camelCase or snake_case keys).

        Called on :class:`Entity` itself, the ``Type`` key picks the class; called on a
        subclass, ``Type`` may be omitted.

        Raises:
            EntityError: the data cannot be this kind of entity.
        """
        from asisdk.entities._converter import structure_entity

        entity = structure_entity(data, cls, strict=True)
        if not isinstance(entity, cls):
            raise EntityError(
                f"data of type {data.get('Type')!r} is not a {cls.__name__}: {entity!r}"
            )
        return entity


def _html_value(value: object) -> str:
    if isinstance(value, Entity):
        return f"{html.escape(type(value).__name__)}: {html.escape(value.label)}"
    if isinstance(value, tuple):
        return "<br>".join(_html_value(v) for v in value)
    if isinstance(value, datetime):
        return html.escape(value.isoformat())
    if isinstance(value, Mapping):
        return html.escape(json.dumps(value, default=str, ensure_ascii=False)[:2000])
    if hasattr(value, "value") and not isinstance(value, (int, float, str)):
        return html.escape(str(getattr(value, "value", value)))
    return html.escape(str(value))
