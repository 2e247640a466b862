"""asisdk: an asyncio-native SDK for security investigation and threat hunting."""

from __future__ import annotations

from asisdk.errors import AsiError

__all__ = ["AsiError", "__version__"]
__version__ = "0.1.0"
