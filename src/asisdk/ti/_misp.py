"""MISP: attribute search (``/attributes/restSearch``) on a self-hosted instance."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Unpack

from asisdk.config import Secret, resolve_setting
from asisdk.errors import ConfigurationError
from asisdk.ti import _defaults
from asisdk.ti._model import TiStatus, Verdict
from asisdk.ti._observables import TiObservable
from asisdk.ti._provider import Answer, HttpOptions, HttpProvider, found

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
    return found(
        body,
        verdict=Verdict.MALICIOUS if ids else Verdict.SUSPICIOUS,
        severity=_IDS_SEVERITY if ids else _CONTEXT_SEVERITY,
        reasons=reasons,
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
    key_header = "Authorization"

    def __init__(
        self,
        api_key: str | Secret | None = None,
        *,
        limit: int = _defaults.MISP_LIMIT,
        **options: Unpack[HttpOptions],
    ) -> None:
        root = resolve_setting(
            "misp.base_url", options.get("base_url"), config=options.get("config")
        )
        if not root:
            raise ConfigurationError(
                "MISP needs the URL of your instance: pass base_url=, set ASISDK_MISP_BASE_URL "
                "or add [misp] base_url to the config file"
            )
        self.limit = limit
        options["base_url"] = root
        super().__init__(api_key, headers={"Content-Type": "application/json"}, **options)

    async def query(self, observable: TiObservable) -> Answer:
        request = {
            "returnFormat": "json",
            "value": str(observable.value),
            "limit": self.limit,
            "includeEventTags": True,
        }
        body = await self.post_json("/attributes/restSearch", json=request)
        return parse_misp(self._api.base_url, body)
