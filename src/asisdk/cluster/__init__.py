"""Summarise large numbers of events into clusters and patterns (``asisdk.cluster``)."""

from __future__ import annotations

from asisdk.cluster._features import (
    add_process_features,
    char_ord_score,
    crc32_hash,
    delim_count,
    delim_hash,
    token_count,
)

__all__ = [
    "add_process_features",
    "char_ord_score",
    "crc32_hash",
    "delim_count",
    "delim_hash",
    "token_count",
]
