"""MISP: attribute search (``/attributes/restSearch``) on a self-hosted instance."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import httpx

from asisdk._http import RequestLimits, RetryPolicy
from asisdk.config import Config, Secret, resolve_setting
from asisdk.errors import ConfigurationError
from asisdk.ti import _defaults
from asisdk.ti._model import TiStatus, Verdict
from asisdk.ti._observables import TiObservable
from asisdk.ti._provider import Answer, HttpProvider, provider_key

__all__ = ["MispProvider", "parse_misp"]

_IDS_SEVERITY: Final = 80
_CONTEXT_SEVERITY: Final = 40
_LISTED: Final = 5


def parse_misp(base_url: str, body: Mapping[str, Any]) -> Answer:
    """The answer from a ``restSearch`` JSON body (pure).

    An attribute flagged ``to_ids`` (meant for detection) makes the value ``malicious``; one
    present only as context makes it ``suspicious``; no attribute is ``not_found``.

    Examples:
        >>> body = {"response": {"Attribute": [{"id": "7", "event_id": "3", "type": "domain",
        ...     "category": "Network activity", "to_ids": True, "value": "x.example",
        ...     "Event": {"info": "Phishing wave"}}]}}
        >>> answer = parse_misp("https://misp.example", body)
        >>> answer.verdict, answer.permalink
        (<Verdict.MALICIOUS: 'malicious'>, 'https://misp.example/events/view/3')
    """
    response = body.get("response")
    response = response if isinstance(response, Mapping) else {}
    attributes = [a for a in response.get("Attribute") or [] if isinstance(a, Mapping)]
    if not attributes:
        return Answer(status=TiStatus.NOT_FOUND, raw=dict(body))
    ids = any(a.get("to_ids") in (True, "1", 1) for a in attributes)
    events = []
    for attribute in attributes:
        event = attribute.get("Event")
        info = event.get("info") if isinstance(event, Mapping) else None
        label = f"event {attribute.get('event_id')}" + (f": {info}" if info else "")
        if label not in events:
            events.append(label)
    tags = sorted(
        {
            str(t.get("name"))
            for a in attributes
            for t in a.get("Tag") or []
            if isinstance(t, Mapping) and t.get("name")
        }
    )
    reasons = [f"{len(attributes)} attribute(s)" + (", to_ids" if ids else ""), *events[:_LISTED]]
    if tags:
        reasons.append("tags: " + ", ".join(tags[:10]))
    first = attributes[0].get("event_id")
    return Answer(
        status=TiStatus.FOUND,
        verdict=Verdict.MALICIOUS if ids else Verdict.SUSPICIOUS,
        severity=_IDS_SEVERITY if ids else _CONTEXT_SEVERITY,
        reasons=tuple(reasons),
        raw=dict(body),
        permalink=f"{base_url.rstrip('/')}/events/view/{first}" if first else None,
    )


class MispProvider(HttpProvider):
    """A MISP instance: its URL (``base_url``, ``ASISDK_MISP_BASE_URL`` or ``[misp] base_url``)
    and an automation key (``Authorization`` header).

    Raises:
        ConfigurationError: no URL or no key.
    """

    name = "misp"
    types = frozenset({"ipv4", "ipv6", "dns", "url", "md5", "sha1", "sha256", "email"})
    default_url = ""

    def __init__(
        self,
        api_key: str | Secret | None = None,
        *,
        base_url: str | None = None,
        limits: RequestLimits | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | None = None,
        config: Config | None = None,
        limit: int = _defaults.MISP_LIMIT,
    ) -> None:
        root = resolve_setting("misp.base_url", base_url, config=config)
        if not root:
            raise ConfigurationError(
                "MISP needs the URL of your instance: pass base_url=, set ASISDK_MISP_BASE_URL "
                "or add [misp] base_url to the config file"
            )
        key = provider_key(self.name, api_key, config=config)
        assert key is not None
        self.limit = limit
        self._root = root
        super().__init__(
            headers={"Authorization": key, "Content-Type": "application/json"},
            base_url=root,
            limits=limits or RequestLimits(max_concurrency=_defaults.MAX_CONCURRENCY),
            retry=retry,
            http_client=http_client,
            timeout=timeout,
            config=config,
        )

    async def query(self, observable: TiObservable) -> Answer:
        response = await self._api.request(
            "POST",
            "/attributes/restSearch",
            json={
                "returnFormat": "json",
                "value": str(observable.value),
                "limit": self.limit,
                "includeEventTags": True,
            },
            idempotent=True,
        )
        body = self._api.decode_json(response)
        return parse_misp(self._api.base_url, body if isinstance(body, Mapping) else {})
