"""The private cattrs converter between entities and Microsoft Sentinel / Log Analytics JSON.

Sentinel writes entities as PascalCase JSON objects with a ``Type`` tag. An alert's
``Entities`` array gives each object a ``$id``; an object used again anywhere (a nested
property or a list item, at any depth) is written as ``{"$ref": "<id>"}``. This module:

* resolves every ``$ref`` against every ``$id`` at any depth (cycles are cut, dangling
  references reported), so shared objects become the *same* Python object;
* maps keys case-insensitively (PascalCase, camelCase and snake_case are all accepted) and
  keeps keys without a field in ``additional_data``;
* builds unknown ``Type``s, and objects that fail validation, as :class:`UnknownEntity`
  with their raw data (and the error), never dropping one;
* writes entities back as PascalCase JSON, with ``$id`` / ``$ref`` for shared objects.

Only this module touches cattrs; it uses its own converter, never the global one.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
import json
import logging
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from asisdk.entities._account import Account
from asisdk.entities._base import Entity, sentinel_key
from asisdk.entities._enums import _LenientEnum
from asisdk.entities._file import File, FileHash
from asisdk.entities._host import Host
from asisdk.entities._misc import (
    AlertReference,
    AzureResource,
    CloudApplication,
    Mailbox,
    Malware,
    UnknownEntity,
)
from asisdk.entities._network import Dns, GeoLocation, IpAddress, ThreatIntelligence, Url
from asisdk.entities._process import HostLogonSession, Process
from asisdk.entities._registry import RegistryKey, RegistryValue
from asisdk.entities._time import to_utc_datetime
from asisdk.errors import EntityError, InvalidInputError

__all__ = [
    "ENTITY_CLASSES",
    "entity_class_for",
    "flatten_entities",
    "parse_entities",
    "structure_entity",
    "unstructure_entities",
    "unstructure_entity",
]

_log = logging.getLogger("asisdk.entities")

ENTITY_CLASSES: tuple[type[Entity], ...] = (
    Host,
    Account,
    IpAddress,
    GeoLocation,
    ThreatIntelligence,
    Url,
    Dns,
    File,
    FileHash,
    Process,
    HostLogonSession,
    RegistryKey,
    RegistryValue,
    Malware,
    CloudApplication,
    Mailbox,
    AzureResource,
    AlertReference,
    UnknownEntity,
)

# Sentinel V3 type names, hyphenated or not, and a few older spellings.
_TYPE_ALIASES: dict[str, type[Entity]] = {
    "ipaddress": IpAddress,
    "machine": Host,
    "user": Account,
    "dnsresolve": Dns,
    "dnsresolution": Dns,
    "location": GeoLocation,
    "alert": AlertReference,
    "securityalert": AlertReference,
}

_REF = "$ref"
_ID = "$id"
_TYPE = "Type"


def _type_key(name: str) -> str:
    return name.casefold().replace("-", "").replace("_", "").replace(" ", "")


_BY_TYPE: dict[str, type[Entity]] = {
    **{_type_key(cls.ENTITY_TYPE): cls for cls in ENTITY_CLASSES if cls is not UnknownEntity},
    **_TYPE_ALIASES,
}


def entity_class_for(type_name: str) -> type[Entity] | None:
    """Return the entity class for a Sentinel ``Type`` string, or ``None`` when unknown."""
    return _BY_TYPE.get(_type_key(type_name))


# -- the converter --------------------------------------------------------------------------
_converter = cattrs.Converter(forbid_extra_keys=False)


def _structure_bool(value: object, _: type) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise InvalidInputError(f"{value!r} is not a boolean")


def _structure_datetime(value: object, _: type) -> datetime:
    parsed = to_utc_datetime(value)
    if parsed is None:
        raise InvalidInputError(f"{value!r} is not a date and time")
    return parsed


def _unstructure_datetime(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


_converter.register_structure_hook(bool, _structure_bool)
_converter.register_structure_hook(datetime, _structure_datetime)
_converter.register_unstructure_hook(datetime, _unstructure_datetime)
_converter.register_structure_hook_func(
    lambda t: isinstance(t, type) and issubclass(t, enum.Enum),
    lambda value, t: value if isinstance(value, t) else t.parse(value),
)
_converter.register_unstructure_hook_func(
    lambda t: isinstance(t, type) and issubclass(t, enum.Enum), lambda value: value.value
)
# Nested entities arrive already built (see _prepare); anything else is a programming error.
_converter.register_structure_hook_func(
    lambda t: isinstance(t, type) and issubclass(t, Entity),
    lambda value, t: value if isinstance(value, Entity) else _fail_nested(value, t),
)
_converter.register_unstructure_hook_func(
    lambda t: isinstance(t, type) and issubclass(t, Entity), lambda value: _to_json(value, {})
)


def _describe(exc: BaseException) -> str:
    """The innermost message of an error (cattrs wraps field errors in exception groups)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, KeyError):
        return f"missing required property {exc}"
    return f"{type(exc).__name__}: {exc}"


def _fail_nested(value: object, cls: type) -> Entity:
    raise EntityError(f"expected a {cls.__name__}, got {type(value).__name__}")


# -- per-class specifications ---------------------------------------------------------------
@attrs.frozen
class _FieldSpec:
    name: str
    key: str
    entity_class: type[Entity] | None  # a nested entity or a tuple of them
    many: bool
    enum_class: type[_LenientEnum] | None


@attrs.frozen
class _ClassSpec:
    fields: tuple[_FieldSpec, ...]
    by_key: Mapping[str, _FieldSpec]


def _unwrap_optional(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


_T = TypeVar("_T")


def _per_class(build: Callable[[type[Entity]], _T]) -> Callable[[type[Entity]], _T]:
    """``build`` run once per entity class (``functools.cache`` would do, but mypy takes an
    entity class for unhashable, its instances defining ``__hash__``)."""
    built: dict[type[Entity], _T] = {}

    def get(cls: type[Entity]) -> _T:
        if cls not in built:
            built[cls] = build(cls)
        return built[cls]

    return get


@_per_class
def _spec(cls: type[Entity]) -> _ClassSpec:
    attrs.resolve_types(cls)
    specs: list[_FieldSpec] = []
    by_key: dict[str, _FieldSpec] = {}
    for f in attrs.fields(cls):
        tp = _unwrap_optional(f.type)
        many = typing.get_origin(tp) is tuple
        inner = typing.get_args(tp)[0] if many else tp
        entity_class = inner if isinstance(inner, type) and issubclass(inner, Entity) else None
        enum_class = inner if isinstance(inner, type) and issubclass(inner, _LenientEnum) else None
        spec = _FieldSpec(f.name, sentinel_key(f), entity_class, many, enum_class)
        specs.append(spec)
        for alias in (spec.key, f.name, f.name.replace("_", "")):
            by_key.setdefault(alias.casefold(), spec)
    if cls is GeoLocation:
        by_key["countryorregionname"] = by_key["country_name"]
    if cls is IpAddress:
        by_key["ipaddress"] = by_key["address"]
    return _ClassSpec(tuple(specs), by_key)


def _renames(cls: type[Entity]) -> dict[str, Any]:
    """cattrs overrides giving each attribute its Sentinel key."""
    return {s.name: override(rename=s.key) for s in _spec(cls).fields}


@_per_class
def _structure_fn(cls: type[Entity]) -> Any:
    # cattrs types **kwargs as its own flags; per-attribute overrides are passed the same way
    return make_dict_structure_fn(cls, _converter, **_renames(cls))


@_per_class
def _unstructure_fn(cls: type[Entity]) -> Any:
    return make_dict_unstructure_fn(cls, _converter, _cattrs_omit_if_default=True, **_renames(cls))


# -- reference resolution -------------------------------------------------------------------
@attrs.define
class _Context:
    """State of one conversion: built objects by raw object and the problems met."""

    index: dict[str, Any] = attrs.Factory(dict)
    built: dict[int, Entity] = attrs.Factory(dict)
    resolved: dict[int, Any] = attrs.Factory(dict)
    failures: list[UnknownEntity] = attrs.Factory(list)
    strict: bool = False
    #: Set while :func:`_prebuild` builds children before parents: a nested object not yet
    #: built is then an ancestor (a cycle), so it is cut instead of being built recursively.
    ordered: bool = False


_CONTEXT: contextvars.ContextVar[_Context | None] = contextvars.ContextVar(
    "asisdk_entity_context", default=None
)


@contextlib.contextmanager
def _conversion(strict: bool, index: dict[str, Any] | None = None) -> Iterator[_Context]:
    current = _CONTEXT.get()
    if current is not None:
        yield current
        return
    ctx = _Context(index=index or {}, strict=strict)
    token = _CONTEXT.set(ctx)
    try:
        yield ctx
    finally:
        _CONTEXT.reset(token)


def _collect_ids(node: object, index: dict[str, Any]) -> None:
    stack = [node]
    seen: set[int] = set()  # a self-containing dict or list is walked once
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping | list | tuple):
            if id(item) in seen:
                continue
            seen.add(id(item))
        if isinstance(item, Mapping):
            if _ID in item and _REF not in item:
                index.setdefault(str(item[_ID]), item)
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)


def _is_ref(node: object) -> bool:
    return isinstance(node, Mapping) and _REF in node and _TYPE not in node


def _deref(node: Any, ctx: _Context, seen: frozenset[int] = frozenset()) -> Any:
    """Follow ``$ref`` chains; returns ``None`` for a dangling or circular reference."""
    while _is_ref(node):
        key = id(node)
        if key in seen:
            return None
        seen = seen | {key}
        target = ctx.index.get(str(node[_REF]))
        if target is None:
            return None
        node = target
    return node


# -- structuring ----------------------------------------------------------------------------
def _parse_json(value: object, what: str) -> object:
    if isinstance(value, str | bytes):
        try:
            text = value.decode() if isinstance(value, bytes) else value
        except UnicodeDecodeError as exc:
            raise EntityError(f"{what} is not UTF-8: {exc}") from exc
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise EntityError(f"{what} is not valid JSON: {exc}") from exc
        except RecursionError as exc:
            raise EntityError(f"{what} is nested too deeply to be read") from exc
    return value


def _unknown(raw: Mapping[str, Any], error: str | None) -> UnknownEntity:
    clean = {k: v for k, v in raw.items() if k != _ID}
    return UnknownEntity(entity_type=str(raw.get(_TYPE, "") or ""), raw=clean, error=error)


def structure_entity(
    data: Mapping[str, Any], cls: type[Entity] = Entity, *, strict: bool = False
) -> Entity:
    """Build one entity from JSON, dispatching on ``Type`` when ``cls`` is the base class.

    Args:
        data: the JSON object (references are resolved against the current conversion).
        cls: the expected class; with :class:`Entity`, ``Type`` decides.
        strict: raise :class:`EntityError` instead of returning an :class:`UnknownEntity`.
    """
    with _conversion(strict) as ctx:
        return _build(data, cls, ctx, frozenset())


def _target_class(data: Mapping[str, Any], cls: type[Entity]) -> type[Entity] | None:
    """The class :func:`_build` would structure ``data`` as, or ``None`` for a leaf."""
    type_name = data.get(_TYPE)
    if isinstance(type_name, str) and type_name:
        target = entity_class_for(type_name)
    else:
        target = None if cls is Entity else cls
    return None if target is None or target is UnknownEntity else target


def _children(data: Mapping[str, Any], cls: type[Entity], ctx: _Context) -> list[Any]:
    """The raw nested objects of ``data`` that :func:`_build` would build, with their class."""
    target = _target_class(data, cls)
    if target is None:
        return []
    spec = _spec(target)
    found: list[Any] = []
    for raw_key, value in data.items():
        field = spec.by_key.get(raw_key.casefold())
        if field is None or field.entity_class is None or value is None:
            continue
        items = value if field.many and isinstance(value, list | tuple) else [value]
        for item in items:
            child = _deref(item, ctx)
            if isinstance(child, Mapping) and not isinstance(child, Entity):
                found.append((child, field.entity_class))
    return found


def _prebuild(data: Mapping[str, Any], cls: type[Entity], ctx: _Context) -> None:
    """Build every object nested in ``data`` children first, without recursion.

    A depth-first walk with an explicit stack and a visited set orders the objects; building
    them in post-order means a parent only ever meets children already built (or, along a
    cycle, an ancestor, which :func:`_build_one_nested` cuts), so a ``ParentProcess`` chain
    of any length costs no Python stack.
    """
    visited = {id(data)}
    order: list[tuple[Mapping[str, Any], type[Entity]]] = []
    stack: list[tuple[Mapping[str, Any], type[Entity], Iterator[Any]]] = [
        (data, cls, iter(_children(data, cls, ctx)))
    ]
    while stack:
        node, node_cls, pending = stack[-1]
        for child, child_cls in pending:
            if id(child) not in visited and id(child) not in ctx.built:
                visited.add(id(child))
                stack.append((child, child_cls, iter(_children(child, child_cls, ctx))))
                break
        else:
            stack.pop()
            order.append((node, node_cls))
    previous = ctx.ordered
    ctx.ordered = True
    try:
        for node, node_cls in order[:-1]:  # the last one is ``data`` itself
            _build(node, node_cls, ctx, frozenset())
    finally:
        ctx.ordered = previous


def _build(data: Any, cls: type[Entity], ctx: _Context, active: frozenset[int]) -> Entity:
    if isinstance(data, Entity):
        return data
    if not isinstance(data, Mapping):
        raise EntityError(f"an entity must be a JSON object, not {type(data).__name__}")
    key = id(data)
    if key in ctx.built:
        return ctx.built[key]
    if not ctx.ordered:
        _prebuild(data, cls, ctx)
    type_name = data.get(_TYPE)
    target: type[Entity] | None = cls
    reason = None
    if isinstance(type_name, str) and type_name:
        target = entity_class_for(type_name)
        if target is None and cls is not Entity and cls is not UnknownEntity and ctx.strict:
            raise EntityError(f"unknown entity type {type_name!r} for a {cls.__name__}")
    elif cls is Entity:
        target, reason = None, "the object has no Type, so its entity class is unknown"
        if ctx.strict:
            raise EntityError(reason)
    if target is None or target is UnknownEntity:
        entity: Entity = _unknown(data, reason)
    else:
        try:
            entity = _structure_known(data, target, ctx, active | {key})
        except Exception as exc:
            reason = _describe(exc)
            if ctx.strict:
                raise EntityError(f"cannot build a {target.__name__}: {reason}") from exc
            _log.warning("kept a %s entity that failed validation: %s", type_name, reason)
            entity = _unknown(data, reason)
    ctx.built[key] = entity
    return entity


def _structure_known(
    data: Mapping[str, Any], cls: type[Entity], ctx: _Context, active: frozenset[int]
) -> Entity:
    spec = _spec(cls)
    prepared: dict[str, Any] = {}
    extras: dict[str, Any] = dict(data.get("AdditionalData") or {})
    for raw_key, value in data.items():
        if raw_key in (_ID, _TYPE, "AdditionalData"):
            continue
        field = spec.by_key.get(raw_key.casefold())
        if field is None:
            extras[raw_key] = value
            continue
        if value is None:
            continue
        if field.entity_class is not None:
            built = _build_nested(value, field, ctx, active)
            if built is _MISSING:
                inline_cycle = isinstance(value, Mapping) and not _is_ref(value)
                inline_cycle = inline_cycle and _UNRESOLVED not in value
                if inline_cycle and (id(value) in active or id(value) not in ctx.built):
                    # an object containing itself: keep a marker, not the loop
                    extras[raw_key] = {_UNRESOLVED: str(value.get(_ID, "circular"))}
                    continue
                extras[raw_key] = _unlink(value)
                continue
            prepared[field.key] = built
        elif field.enum_class is not None:
            try:
                prepared[field.key] = field.enum_class.parse(value)
            except ValueError:
                if field.name in ("elevation_token",):
                    prepared[field.key] = value  # the field's own converter maps 4688 codes
                else:
                    extras[raw_key] = value
        else:
            prepared[field.key] = value
    if extras:
        prepared["AdditionalData"] = extras
    entity: Entity = _structure_fn(cls)(prepared, cls)
    return entity


_MISSING: Any = object()
_UNRESOLVED = "UnresolvedRef"


def _unlink(value: Any) -> Any:
    """Rename ``$ref`` keys of references that could not be followed, so that writing the
    data back (with new ``$id`` numbers) cannot make them point at the wrong object."""
    if isinstance(value, list | tuple):
        return [_unlink(v) for v in value]
    if _is_ref(value):
        return {_UNRESOLVED: value[_REF], **{k: v for k, v in value.items() if k != _REF}}
    return value


def _build_nested(value: Any, field: _FieldSpec, ctx: _Context, active: frozenset[int]) -> Any:
    assert field.entity_class is not None
    if field.many:
        items = value if isinstance(value, list | tuple) else [value]
        built_items = []
        for item in items:
            one = _build_one_nested(item, field.entity_class, ctx, active)
            if one is _MISSING:
                return _MISSING
            built_items.append(one)
        return tuple(built_items)
    return _build_one_nested(value, field.entity_class, ctx, active)


def _build_one_nested(value: Any, cls: type[Entity], ctx: _Context, active: frozenset[int]) -> Any:
    if isinstance(value, cls):
        return value
    if isinstance(value, str) and cls is IpAddress:
        value = {"Address": value}  # Dns.IpAddresses written as plain strings
    if isinstance(value, Mapping) and _UNRESOLVED in value and _TYPE not in value:
        return _MISSING  # a reference asisdk already found dangling: keep it as it is
    target = _deref(value, ctx)
    circular = id(target) in active or (ctx.ordered and id(target) not in ctx.built)
    if target is None or not isinstance(target, Mapping) or circular:
        _log.warning("kept an unresolvable or circular nested reference in additional_data")
        return _MISSING
    built = _build(target, cls, ctx, active)
    if not isinstance(built, cls):
        if isinstance(built, UnknownEntity) and built not in ctx.failures:
            ctx.failures.append(built)
        return _MISSING
    return built


def parse_entities(data: object, *, strict: bool = False) -> list[Entity]:
    """Parse a Sentinel ``Entities`` array (JSON text or a parsed list) into entities.

    Every top-level object becomes one entity, in order; a top-level ``$ref`` to an object
    already listed is not repeated; nested objects that failed to build are appended as
    :class:`UnknownEntity` with their error, so nothing is dropped silently.
    """
    parsed = _parse_json(data, "the Entities value")
    if parsed is None:
        return []
    if isinstance(parsed, Mapping):
        parsed = [parsed]
    if not isinstance(parsed, list):
        raise EntityError(f"Entities must be a JSON array, not {type(parsed).__name__}")
    index: dict[str, Any] = {}
    _collect_ids(parsed, index)
    result: list[Entity] = []
    seen: set[int] = set()
    with _conversion(strict, index) as ctx:
        for item in parsed:
            if not isinstance(item, Mapping):
                result.append(UnknownEntity(raw={"value": item}, error="not a JSON object"))
                continue
            target = _deref(item, ctx)
            if target is None or not isinstance(target, Mapping):
                result.append(UnknownEntity(raw=_unlink(item), error="unresolved or circular $ref"))
                continue
            if id(target) in seen:
                continue
            seen.add(id(target))
            result.append(_build(target, Entity, ctx, frozenset()))
        for failure in ctx.failures:
            if failure not in result:  # equal raw data already listed (e.g. a round trip)
                result.append(failure)
    return result


def nested_entities(entity: Entity) -> Iterator[Entity]:
    """Yield the entities held in ``entity``'s fields (one level down)."""
    for field in _spec(type(entity)).fields:
        if field.entity_class is None:
            continue
        value = getattr(entity, field.name)
        if isinstance(value, Entity):
            yield value
        elif isinstance(value, tuple):
            yield from (v for v in value if isinstance(v, Entity))


#: Value objects describing another entity; reachable from it, not listed on their own.
_ENRICHMENT = (GeoLocation, ThreatIntelligence)


def flatten_entities(entities: Sequence[Entity]) -> list[Entity]:
    """Return ``entities`` plus every entity nested in them, each object once, in order.

    Locations and threat intelligence stay with the address they describe.
    """
    result = list({id(entity): entity for entity in entities}.values())
    seen = set(map(id, result))
    for entity in result:  # breadth first: the loop reaches what it appends
        for child in nested_entities(entity):
            if id(child) not in seen and not isinstance(child, _ENRICHMENT):
                seen.add(id(child))
                result.append(child)
    return result


# -- unstructuring --------------------------------------------------------------------------
def _to_json(entity: Entity, ids: Mapping[int, str]) -> dict[str, Any]:
    if isinstance(entity, UnknownEntity):
        raw = dict(entity.raw)
        if entity.entity_type and _TYPE not in raw:
            raw[_TYPE] = entity.entity_type
        return raw
    body: dict[str, Any] = _unstructure_fn(type(entity))(entity)
    extras = body.pop("AdditionalData", None) or {}
    out: dict[str, Any] = {_TYPE: entity.ENTITY_TYPE}
    for field in _spec(type(entity)).fields:
        if field.key not in body:
            continue
        value = getattr(entity, field.name)
        if field.entity_class is None:
            out[field.key] = body[field.key]
        elif field.many:
            out[field.key] = [_nested_json(v, ids) for v in value]
        else:
            out[field.key] = _nested_json(value, ids)
    for key, value in extras.items():
        out.setdefault(key, value)
    return out


def _nested_json(entity: Entity, ids: Mapping[int, str]) -> dict[str, Any]:
    ref = ids.get(id(entity))
    if ref is not None:
        return {_REF: ref}
    return _to_json(entity, ids)


def unstructure_entity(entity: Entity) -> dict[str, Any]:
    """Return one entity as Sentinel JSON, nested entities written inline."""
    return _to_json(entity, {})


def unstructure_entities(entities: Sequence[Entity]) -> list[dict[str, Any]]:
    """Return an ``Entities`` array: every entity with a ``$id``, shared objects as ``$ref``."""
    ids = {id(entity): str(number) for number, entity in enumerate(entities, start=1)}
    result = []
    for entity in entities:
        own = dict(ids)
        del own[id(entity)]
        result.append({_ID: ids[id(entity)], **_to_json(entity, own)})
    return result
