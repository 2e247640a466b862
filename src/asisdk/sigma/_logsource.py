"""Which events a rule's ``logsource`` stands for: Windows channels, event ids, field names.

Sigma rules name a log source in the abstract (``category: process_creation``,
``product: windows``); the events name the concrete one (``Channel``, ``EventID``). The
mapping below is read from pySigma's own pipelines, the reference the issue names:

* ``sigma.pipelines.sysmon``: a generic category to Sysmon event ids (process_creation is
  Sysmon 1, network_connection 3 ...), in the Sysmon channel;
* ``sigma.pipelines.windows``: a service to its channel (``security`` is ``Security``), the
  PowerShell categories to their event ids, and the Windows audit alternatives with their
  field names (process_creation is also Security 4688 whose ``NewProcessName`` is Sysmon's
  ``Image``; registry events are also Security 4657).

A rule may stand for several *variants* (process_creation: Sysmon 1 and Security 4688); each
variant is a selection of events plus a field-name mapping. Variants with the same key are
computed once per frame and shared by every rule that names them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, cast

import attrs
from sigma.pipelines.common import windows_logsource_mapping
from sigma.pipelines.sysmon.sysmon import sysmon_generic_logsource_eventid_mapping
from sigma.pipelines.windows.windows import (
    generic_logsource_to_windows_audit_event_mapping,
    windows_audit_registry_categories,
    windows_audit_registry_fieldmappings,
    windows_generic_category_channel_mapping,
)
from sigma.rule import SigmaLogSource

__all__ = ["CHANNEL_FIELD", "EVENT_ID_FIELD", "LogsourceVariant", "logsource_variants"]

#: The event columns a variant selects on (the names ``asisdk.pipeline`` gives EVTX events).
CHANNEL_FIELD: Final = "Channel"
EVENT_ID_FIELD: Final = "EventID"

SYSMON_CHANNEL: Final = str(windows_logsource_mapping["sysmon"])
SECURITY_CHANNEL: Final = str(windows_logsource_mapping["security"])

# The module annotates its dict with ``ast.Dict`` (a typo upstream); read it as a mapping.
_AUDIT_EVENTS: Final[Mapping[str, Mapping[str, object]]] = cast(
    "Mapping[str, Mapping[str, object]]", generic_logsource_to_windows_audit_event_mapping
)

#: Sysmon names to Security 4688 / 4657 names (``windows_audit_pipeline``'s field mappings).
_AUDIT_FIELDS: Final[Mapping[str, str]] = {
    "Image": "NewProcessName",
    "ParentImage": "ParentProcessName",
    "Details": "NewValue",
    "LogonId": "SubjectLogonId",
}


@attrs.frozen
class LogsourceVariant:
    """One concrete event selection a rule applies to, and how its field names map.

    Attributes:
        key: identifies the selection; rules with equal keys share one computed subset.
        conditions: ``(column, allowed values)`` pairs, all of which an event must meet
            (values compared case-insensitively; a column the frame lacks is not checked).
        field_map: Sigma field name to the column that holds it in these events.
        windows: the selection is of Windows events (``product: windows``); a rule of
            another product only sees events without a ``Channel``.
    """

    key: str
    conditions: tuple[tuple[str, tuple[str | int, ...]], ...] = ()
    field_map: Mapping[str, str] = attrs.field(factory=dict)
    windows: bool | None = None


#: A variant's ``conditions``: ``(column, allowed values)`` pairs an event must all meet.
_Conditions = tuple[tuple[str, tuple[str | int, ...]], ...]


def _values(value: object) -> tuple[str | int, ...]:
    if isinstance(value, list | tuple):
        return tuple(value)
    if isinstance(value, str | int):
        return (value,)
    return (str(value),)


def _variant(
    conditions: _Conditions,
    field_map: Mapping[str, str] | None = None,
    *,
    windows: bool | None,
    label: str = "",
) -> LogsourceVariant:
    body = ";".join(f"{c}={','.join(map(str, v))}" for c, v in conditions)
    suffix = label or ("win" if windows else "other" if windows is False else "any")
    return LogsourceVariant(
        key=f"{body}|{suffix}",
        conditions=conditions,
        field_map=dict(field_map or {}),
        windows=windows,
    )


def logsource_variants(logsource: SigmaLogSource) -> tuple[LogsourceVariant, ...]:
    """The event selections a rule's log source stands for.

    Args:
        logsource: the rule's ``logsource``.

    Returns:
        One variant per concrete source (process_creation gives Sysmon 1 and Security 4688);
        a log source nothing maps gives one variant selecting by product only.

    Examples:
        >>> from sigma.rule import SigmaLogSource
        >>> variants = logsource_variants(SigmaLogSource("process_creation", "windows"))
        >>> [dict(v.conditions)["EventID"] for v in variants]
        [(1,), (4688,)]
        >>> variants[1].field_map["Image"]
        'NewProcessName'
    """
    product = (logsource.product or "").lower() or None
    category = (logsource.category or "").lower() or None
    service = (logsource.service or "").lower() or None
    if product != "windows":
        # Linux, macOS, network devices, clouds: the events that are not Windows events.
        return (_variant((), windows=False if product else None),)
    variants: list[LogsourceVariant] = []
    if category is not None:
        if category in sysmon_generic_logsource_eventid_mapping and service in (None, "sysmon"):
            ids = _values(sysmon_generic_logsource_eventid_mapping[category])
            sysmon: _Conditions = ((CHANNEL_FIELD, (SYSMON_CHANNEL,)), (EVENT_ID_FIELD, ids))
            variants.append(_variant(sysmon, windows=True))
        if category in _AUDIT_EVENTS and service in (None, "security"):
            conditions: _Conditions = (
                (CHANNEL_FIELD, (SECURITY_CHANNEL,)),
                *((str(field), _values(value)) for field, value in _AUDIT_EVENTS[category].items()),
            )
            field_map = dict(_AUDIT_FIELDS)
            if category in windows_audit_registry_categories:
                field_map.update(windows_audit_registry_fieldmappings)
            variants.append(_variant(conditions, field_map, windows=True, label="audit"))
        if category in windows_generic_category_channel_mapping:
            info = windows_generic_category_channel_mapping[category]
            channels = _values(windows_logsource_mapping[str(info["service"])])
            variants.append(
                _variant(
                    ((CHANNEL_FIELD, channels), (EVENT_ID_FIELD, _values(info["EventID"]))),
                    windows=True,
                )
            )
    if not variants:
        # No category mapped: the service's channel, or any Windows event.
        channel = windows_logsource_mapping.get(service) if service is not None else None
        fallback: _Conditions = () if channel is None else ((CHANNEL_FIELD, _values(channel)),)
        variants.append(_variant(fallback, windows=True))
    return tuple(variants)
