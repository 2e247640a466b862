"""Log Analytics (Microsoft Sentinel) queries: async client, msal credentials, typed results.

Examples:
    >>> from asisdk.loganalytics import LogAnalyticsClient, StaticTokenCredential
    >>> client = LogAnalyticsClient("0b1a7c6e-0000-4000-8000-000000000000",
    ...                             credential=StaticTokenCredential("token"))
    >>> # async with client:
    >>> #     result = await client.query("SecurityEvent | take 10", timespan=timedelta(hours=1))
    >>> #     result.status, result.to_frame()
"""

from __future__ import annotations

from asisdk.loganalytics._client import LogAnalyticsClient, TimeSpanLike
from asisdk.loganalytics._result import (
    ChunkResult,
    Column,
    QueryErrorInfo,
    QueryResult,
    QueryStatus,
    Table,
)
from asisdk.loganalytics.auth import (
    AccessToken,
    CertificateCredential,
    ClientSecretCredential,
    DeviceCodeCredential,
    StaticTokenCredential,
    TokenCredential,
    credential_from_config,
)

__all__ = [
    "AccessToken",
    "CertificateCredential",
    "ChunkResult",
    "ClientSecretCredential",
    "Column",
    "DeviceCodeCredential",
    "LogAnalyticsClient",
    "QueryErrorInfo",
    "QueryResult",
    "QueryStatus",
    "StaticTokenCredential",
    "Table",
    "TimeSpanLike",
    "TokenCredential",
    "credential_from_config",
]
