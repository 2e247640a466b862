"""Query parameter providers and how several of them merge."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from asisdk.errors import InvalidInputError

__all__ = ["QueryParamProvider", "merge_query_params"]


@runtime_checkable
class QueryParamProvider(Protocol):
    """Anything with a ``query_params()`` method: entities, Alert, Event, TimeSpan, widgets."""

    def query_params(self) -> Mapping[str, object]:
        """The parameters this object can fill in a query."""
        ...


def merge_query_params(
    *providers: QueryParamProvider | Mapping[str, object] | None, **overrides: object
) -> dict[str, object]:
    """Merge the parameters of several providers, left to right, then explicit keywords.

    A later provider both overrides and *adds* parameters (so ``(time_span, alert)`` and
    ``(alert, time_span)`` both give the alert's host and the time span's window, the later
    one winning where they overlap). ``None`` values never override; keywords always win.

    Examples:
        >>> from asisdk.entities import Host, TimeSpan
        >>> span = TimeSpan(start="2024-01-01", end="2024-01-02")
        >>> params = merge_query_params(span, Host(host_name="web1"), host_name="web2")
        >>> sorted(params), params["host_name"]
        (['end', 'host_name', 'start'], 'web2')

    Raises:
        InvalidInputError: a provider is neither a mapping nor has ``query_params()``.
    """
    merged: dict[str, object] = {}
    for provider in providers:
        if provider is None:
            continue
        if isinstance(provider, Mapping):
            values: Mapping[str, object] = provider
        elif callable(getattr(provider, "query_params", None)):
            values = provider.query_params()
        else:
            raise InvalidInputError(
                f"{type(provider).__name__} does not provide query parameters: pass an entity, "
                "Alert, Event, TimeSpan, a mapping, or an object with query_params()"
            )
        merged.update({k: v for k, v in values.items() if v is not None})
    merged.update(overrides)
    return merged
