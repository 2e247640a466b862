"""asisdk: an asyncio-native SDK for security investigation and threat hunting.

The package is organised by capability: :mod:`asisdk.entities` (the typed entity model),
:mod:`asisdk.executors` (running CPU-bound work on every core), :mod:`asisdk.config`
(settings and secrets) and :mod:`asisdk.errors` (one exception tree). The most used names
are re-exported here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asisdk._policies import RateLimit, RequestLimits, RetryPolicy
    from asisdk.config import Secret
    from asisdk.entities import (
        Account,
        Alert,
        Dns,
        Entity,
        Event,
        File,
        FileHash,
        GeoLocation,
        Host,
        IpAddress,
        Process,
        TimeSpan,
        Url,
        merge_query_params,
    )
    from asisdk.errors import (
        ApiError,
        AsiError,
        AuthenticationError,
        ConfigurationError,
        InvalidInputError,
        QuotaExceededError,
        RateLimitedError,
    )

# Re-exports are resolved on first access (PEP 562) so ``import asisdk`` (and so every
# ``import asisdk.x``) does not pay for attrs, cattrs and the entity model up front.
_EXPORTS: dict[str, str] = {
    "Account": "asisdk.entities",
    "Alert": "asisdk.entities",
    "ApiError": "asisdk.errors",
    "AsiError": "asisdk.errors",
    "AuthenticationError": "asisdk.errors",
    "ConfigurationError": "asisdk.errors",
    "Dns": "asisdk.entities",
    "Entity": "asisdk.entities",
    "Event": "asisdk.entities",
    "File": "asisdk.entities",
    "FileHash": "asisdk.entities",
    "GeoLocation": "asisdk.entities",
    "Host": "asisdk.entities",
    "InvalidInputError": "asisdk.errors",
    "IpAddress": "asisdk.entities",
    "Process": "asisdk.entities",
    "QuotaExceededError": "asisdk.errors",
    "RateLimit": "asisdk._policies",
    "RateLimitedError": "asisdk.errors",
    "RequestLimits": "asisdk._policies",
    "RetryPolicy": "asisdk._policies",
    "Secret": "asisdk.config",
    "TimeSpan": "asisdk.entities",
    "Url": "asisdk.entities",
    "merge_query_params": "asisdk.entities",
}
# Submodules that the eager imports used to bind as attributes of the package.
_SUBMODULES = frozenset({"config", "entities", "errors"})

__all__ = [
    "Account",
    "Alert",
    "ApiError",
    "AsiError",
    "AuthenticationError",
    "ConfigurationError",
    "Dns",
    "Entity",
    "Event",
    "File",
    "FileHash",
    "GeoLocation",
    "Host",
    "InvalidInputError",
    "IpAddress",
    "Process",
    "QuotaExceededError",
    "RateLimit",
    "RateLimitedError",
    "RequestLimits",
    "RetryPolicy",
    "Secret",
    "TimeSpan",
    "Url",
    "__version__",
    "merge_query_params",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """Import a re-exported name or an eagerly bound submodule on first access.

    Example:
        >>> import asisdk
        >>> asisdk.Account(name="alice").name
        'alice'
    """
    if name in _EXPORTS:
        value: object = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
