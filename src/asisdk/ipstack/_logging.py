"""Keep IPStack's access key out of httpx's own log lines.

The key must travel in the query string, and httpx logs every request URL at INFO level
(``HTTP Request: GET https://api.ipstack.com/...?access_key=...``). Our own logs are masked
by the HTTP layer; this filter masks the key parameter in records of the ``httpx`` logger.
It is installed once, when the first IPStack client is created, and changes nothing else.
"""

from __future__ import annotations

import logging
import re
from typing import Final

import httpx

from asisdk import _defaults as _root_defaults

__all__ = ["install_key_filter"]

_HTTPX_LOGGER: Final = "httpx"


class _MaskQueryParams(logging.Filter):
    def __init__(self, names: frozenset[str]) -> None:
        super().__init__()
        self.names = names
        alternatives = "|".join(re.escape(n) for n in sorted(names))
        self._pattern = re.compile(rf"((?:{alternatives})=)[^&\s\"']*", re.IGNORECASE)

    def _mask(self, value: object) -> object:
        if isinstance(value, httpx.URL | str):
            return self._pattern.sub(rf"\g<1>{_root_defaults.SECRET_MASK}", str(value))
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = str(self._mask(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(self._mask(arg) for arg in record.args)
        return True


def install_key_filter(param: str) -> None:
    """Mask ``param`` in every record of the ``httpx`` logger (idempotent)."""
    logger = logging.getLogger(_HTTPX_LOGGER)
    for existing in logger.filters:
        if isinstance(existing, _MaskQueryParams) and param.lower() in existing.names:
            return
    logger.addFilter(_MaskQueryParams(frozenset({param.lower()})))
