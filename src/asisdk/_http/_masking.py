"""Keep secrets out of log lines, reprs and exception messages.

A :class:`SecretMasker` knows the secret values a client sends (API keys in headers or query
parameters) and the names of query parameters that carry secrets (IPStack's ``access_key``).
Every text the HTTP layer logs or puts in an exception goes through it first.

The libraries underneath log too: httpx logs every request's URL at INFO (query string
included, so IPStack's ``access_key``), and httpcore logs request and response headers at DEBUG
(``Authorization``, or a ``Location`` header that repeats the key). Every client registers its
secrets and secret parameter names here (:func:`register_secrets`), and
:func:`install_http_log_filter` puts a :class:`HttpLogFilter` on the ``httpx``, ``httpcore.*``
and ``msal`` loggers that masks them in every record before any handler sees it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

import httpx

from asisdk import _defaults as _root_defaults
from asisdk.config import Secret

__all__ = [
    "FILTERED_LOGGERS",
    "HttpLogFilter",
    "SecretMasker",
    "install_http_log_filter",
    "register_secrets",
]

#: The third-party loggers whose records may quote a secret (a logger's filters do not apply
#: to its children, so each httpcore logger is named).
FILTERED_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "msal",
)

_MASK = _root_defaults.SECRET_MASK
#: Authorization schemes whose credential (the part after the scheme) is a secret of its own:
#: a service that echoes the header back may quote the token without ``Bearer``.
_AUTH_SCHEMES = frozenset({"basic", "bearer", "token"})


def _with_credentials(values: Iterable[str]) -> set[str]:
    found = set()
    for value in values:
        found.add(value)
        scheme, space, credential = value.partition(" ")
        if space and scheme.lower() in _AUTH_SCHEMES and credential.strip():
            found.add(credential.strip())
    return found


class SecretMasker:
    """Replace secret values and secret query parameters with ``***``.

    Args:
        secrets: secret values (``Secret`` or plain strings) to remove from any text. A value
            such as ``Bearer <token>`` also registers the bare ``<token>``.
        query_params: names of query parameters whose values are always masked in URLs, even
            when the value is not a known secret (case-insensitive).

    Examples:
        >>> masker = SecretMasker([Secret("k3y-123")], query_params=["access_key"])
        >>> masker.text("bad key k3y-123")
        'bad key ***'
        >>> SecretMasker([Secret("Bearer eyJ0")]).text("echoed: eyJ0")
        'echoed: ***'
        >>> masker.url(httpx.URL("https://api.example/8.8.8.8?access_key=abc&fields=ip"))
        'https://api.example/8.8.8.8?access_key=***&fields=ip'
    """

    __slots__ = ("_params", "_values")

    def __init__(self, secrets: Iterable[Secret | str] = (), *, query_params: Iterable[str] = ()):
        values = _with_credentials(s.get() if isinstance(s, Secret) else s for s in secrets)
        # Longest first, so a secret that contains another is masked whole.
        self._values = tuple(sorted((v for v in values if v), key=len, reverse=True))
        self._params = frozenset(p.lower() for p in query_params)

    def __repr__(self) -> str:
        return f"SecretMasker(<{len(self._values)} secrets>, query_params={sorted(self._params)})"

    def with_secrets(self, secrets: Iterable[Secret | str]) -> SecretMasker:
        """A masker that also masks ``secrets``."""
        return SecretMasker([*self._values, *secrets], query_params=self._params)

    def text(self, text: str) -> str:
        """Return ``text`` with every known secret value replaced by ``***``."""
        for value in self._values:
            text = text.replace(value, _MASK)
        return text

    def url(self, url: httpx.URL | str) -> str:
        """Return ``url`` as text with secret query parameters and secret values masked."""
        parsed = httpx.URL(url)
        if self._params and parsed.query:
            pairs = [
                (key, _MASK if key.lower() in self._params else value)
                for key, value in parsed.params.multi_items()
            ]
            parsed = parsed.copy_with(params=pairs)
        text = str(parsed)
        return self.text(text).replace("%2A%2A%2A", _MASK)


class _Registry:
    """The secrets and secret parameter names of every client made in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._params: set[str] = set()
        self.masker = SecretMasker()
        self.param_pattern: re.Pattern[str] | None = None

    def add(self, secrets: Iterable[Secret | str], query_params: Iterable[str]) -> None:
        values = _with_credentials(s.get() if isinstance(s, Secret) else s for s in secrets)
        params = {p.lower() for p in query_params}
        with self._lock:
            if values <= self._secrets and params <= self._params:
                return
            self._secrets |= {v for v in values if v}
            self._params |= params
            self.masker = SecretMasker(self._secrets)
            names = "|".join(sorted(re.escape(p) for p in self._params))
            self.param_pattern = re.compile(rf"(?i)\b({names})=[^&\s'\"\\]+") if names else None

    def mask(self, text: str) -> str:
        masker, pattern = self.masker, self.param_pattern
        # Parameter names first: a short secret value inside a name ("key" in "access_key")
        # must not hide the name from the pattern.
        if pattern is not None:
            text = pattern.sub(rf"\1={_MASK}", text)
        return masker.text(text)


_REGISTRY = _Registry()
_INSTALL_LOCK = threading.Lock()


def register_secrets(secrets: Iterable[Secret | str], *, query_params: Iterable[str] = ()) -> None:
    """Mask ``secrets`` and the values of ``query_params`` in httpx/httpcore/msal log records.

    Every :class:`~asisdk._http.ApiClient` calls this with its own secrets (and a request's
    extra ``Secret`` headers or parameters, such as a Log Analytics bearer token).
    """
    _REGISTRY.add(secrets, query_params)


class HttpLogFilter(logging.Filter):
    """Masks registered secrets in a log record (its formatted message replaces msg and args).

    Installed by :func:`install_http_log_filter` on :data:`FILTERED_LOGGERS`; add it to your
    own handler to cover other loggers. It never drops a record.

    Examples:
        >>> register_secrets(["k3y-doc"], query_params=["access_key"])
        >>> record = logging.LogRecord(
        ...     "httpx", logging.INFO, __file__, 1, "HTTP Request: GET %s", ("/x?access_key=a1",),
        ...     None)
        >>> HttpLogFilter().filter(record), "a1" in record.getMessage()
        (True, False)
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is logging's problem, not ours
            return True
        masked = _REGISTRY.mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


_FILTER = HttpLogFilter()


def install_http_log_filter() -> None:
    """Put the masking filter on every logger in :data:`FILTERED_LOGGERS` (idempotent)."""
    with _INSTALL_LOCK:
        for name in FILTERED_LOGGERS:
            logger = logging.getLogger(name)
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)
