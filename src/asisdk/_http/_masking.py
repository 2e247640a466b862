"""Keep secrets out of log lines, reprs and exception messages.

A :class:`SecretMasker` knows the secret values a client sends (API keys in headers or query
parameters) and the names of query parameters that carry secrets (IPStack's ``access_key``).
Every text the HTTP layer logs or puts in an exception goes through it first.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from asisdk import _defaults as _root_defaults
from asisdk.config import Secret

__all__ = ["SecretMasker"]

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
