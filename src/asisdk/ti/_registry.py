"""Providers by name: what ``--providers otx,abuseipdb`` and ``ThreatIntel(["otx"])`` build."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Final

from asisdk.config import Config, load_config
from asisdk.errors import ConfigurationError
from asisdk.ti._abusech import MalwareBazaarProvider, ThreatFoxProvider, UrlhausProvider
from asisdk.ti._abuseipdb import AbuseIpdbProvider
from asisdk.ti._circl import CirclHashlookupProvider
from asisdk.ti._greynoise import GreyNoiseProvider
from asisdk.ti._internetdb import InternetDbProvider
from asisdk.ti._misp import MispProvider
from asisdk.ti._otx import OtxProvider
from asisdk.ti._provider import Provider
from asisdk.ti._tor import TorExitProvider

__all__ = ["PROVIDER_NAMES", "available_providers", "make_provider"]

_log = logging.getLogger("asisdk.ti")


def _virustotal(**options: Any) -> Provider:
    from asisdk.ti._virustotal import VirusTotalProvider

    for name in ("config", "base_url"):  # None: the client's own default applies
        if options.get(name) is None:
            options.pop(name, None)
    return VirusTotalProvider(**options)


_FACTORIES: Final[Mapping[str, Callable[..., Provider]]] = {
    "virustotal": _virustotal,
    "otx": OtxProvider,
    "abuseipdb": AbuseIpdbProvider,
    "greynoise": GreyNoiseProvider,
    "urlhaus": UrlhausProvider,
    "threatfox": ThreatFoxProvider,
    "malwarebazaar": MalwareBazaarProvider,
    "circl": CirclHashlookupProvider,
    "internetdb": InternetDbProvider,
    "tor": TorExitProvider,
    "misp": MispProvider,
}
#: Every provider name, in the order results list them.
PROVIDER_NAMES: Final[tuple[str, ...]] = tuple(_FACTORIES)
_ALIASES: Final = {
    "vt": "virustotal",
    "alienvault": "otx",
    "hashlookup": "circl",
    "shodan": "internetdb",
}


def make_provider(name: str, *, config: Config | None = None, **options: Any) -> Provider:
    """Build a provider by name (keys and URLs from ``options``, the environment or config).

    Args:
        name: one of :data:`PROVIDER_NAMES` (or ``vt``, ``alienvault``, ``hashlookup``,
            ``shodan``).
        config: an already loaded configuration.
        **options: the provider's constructor arguments (``api_key=``, ``base_url=``, ...).

    Raises:
        ConfigurationError: an unknown name, or a key or URL the provider needs is missing.

    Examples:
        >>> make_provider("circl").name
        'circl'
    """
    wanted = _ALIASES.get(name.strip().lower(), name.strip().lower())
    factory = _FACTORIES.get(wanted)
    if factory is None:
        raise ConfigurationError(
            f"unknown threat-intelligence provider {name!r}; known: {', '.join(PROVIDER_NAMES)}"
        )
    return factory(config=config, **options)


def available_providers(config: Config | None = None) -> list[Provider]:
    """Every provider that can be built here: the keyless ones (CIRCL, InternetDB, the Tor
    list, GreyNoise Community) and those whose key (and URL, for MISP) is configured."""
    cfg = config if config is not None else load_config()
    built = []
    for name in PROVIDER_NAMES:
        try:
            built.append(make_provider(name, config=cfg))
        except ConfigurationError as exc:
            _log.debug("provider %s not available: %s", name, exc)
    return built
