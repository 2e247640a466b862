"""asisdk: an asyncio-native SDK for security investigation and threat hunting.

The package is organised by capability: :mod:`asisdk.entities` (the typed entity model),
:mod:`asisdk.executors` (running CPU-bound work on every core), :mod:`asisdk.config`
(settings and secrets) and :mod:`asisdk.errors` (one exception tree). The most used names
are re-exported here.
"""

from __future__ import annotations

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
    "RateLimitedError",
    "Secret",
    "TimeSpan",
    "Url",
    "__version__",
    "merge_query_params",
]

__version__ = "0.1.0"
