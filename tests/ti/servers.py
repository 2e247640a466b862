"""Loopback apps answering like each threat-intelligence provider's documented API.

Each app is a callable for :class:`_support.loopback.LoopbackServer` (a real HTTP/1.1 server on
127.0.0.1). It answers in the provider's documented JSON shapes (found, not found, invalid
value, refused key) and enforces a per-window quota of its own with the provider's own quota
answer (a 429 with its body, or a daily-limit body). It counts what a test asserts on: every
observable asked (``asked``), keys seen, requests per window, 429s sent.

Run as a script (``python tests/ti/servers.py --window 2 --quota otx=200 ...``) it serves
several apps from one process and prints ``{"otx": PORT, ...}`` for the benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _support.loopback import Reply, Request

STATS_PATH = "/__ti_stats"
RESET_PATH = "/__ti_reset"


def digest(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


@dataclass
class AppStats:
    asked: Counter[str] = field(default_factory=Counter)
    keys: Counter[str] = field(default_factory=Counter)
    per_window: Counter[int] = field(default_factory=Counter)
    sent_429: int = 0
    requests: int = 0
    first: float | None = None
    last: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "distinct": len(self.asked),
            "max_asked": max(self.asked.values(), default=0),
            "sent_429": self.sent_429,
            "per_window": {str(k): v for k, v in sorted(self.per_window.items())},
            "first": self.first,
            "last": self.last,
        }


class ProviderApp:
    """Base: key check, per-window quota, counters; subclasses answer requests.

    Args:
        api_key: the only key accepted (``None``: no key needed).
        quota: requests allowed per window (``None``: unlimited).
        window: the window length in seconds.
        daily: answer the quota with the provider's daily-limit body (else a short 429).
        not_found, invalid: values answered as unknown / refused.
    """

    key_header = ""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        quota: int | None = None,
        window: float = 1.0,
        daily: bool = False,
        not_found: Iterable[str] = (),
        invalid: Iterable[str] = (),
        good: Iterable[str] = (),
    ) -> None:
        self.api_key = api_key
        self.quota = quota
        self.window = window
        self.daily = daily
        self.not_found = set(not_found)
        self.invalid = set(invalid)
        self.good = set(good)
        self.stats = AppStats()
        self._started = time.monotonic()

    def reset(self) -> None:
        self.stats = AppStats()
        self._started = time.monotonic()

    def retry_after(self) -> str:
        """Seconds until the current window ends (what a quota answer's Retry-After says)."""
        elapsed = time.monotonic() - self._started
        return f"{self.window - elapsed % self.window:.3f}"

    def __call__(self, request: Request) -> Reply:
        if request.path == STATS_PATH:
            return Reply.json(200, self.stats.as_dict())
        if request.path == RESET_PATH:
            self.reset()
            return Reply.json(200, {})
        stats = self.stats
        now = time.monotonic()
        stats.requests += 1
        stats.first = stats.first if stats.first is not None else now - self._started
        stats.last = now - self._started
        window = int((now - self._started) // self.window)
        stats.per_window[window] += 1
        if self.key_header:
            key = request.headers.get(self.key_header.lower())
            if key is not None:
                stats.keys[key] += 1
            if self.api_key is not None and key != self.api_key:
                return self.refused()
        if self.quota is not None and stats.per_window[window] > self.quota:
            stats.sent_429 += 1
            return self.quota_reply()
        value = self.value_of(request)
        if value is None:
            return Reply.json(404, {"detail": "Not found."})
        stats.asked[value] += 1
        return self.answer(request, value)

    # -- per provider ----------------------------------------------------------------------
    def value_of(self, request: Request) -> str | None:
        raise NotImplementedError

    def answer(self, request: Request, value: str) -> Reply:
        raise NotImplementedError

    def refused(self) -> Reply:
        return Reply.json(401, {"detail": "Authentication failed"})

    def quota_reply(self) -> Reply:
        return Reply.json(
            429, {"detail": "Too many requests"}, **{"retry-after": self.retry_after()}
        )


def form(request: Request) -> dict[str, str]:
    return dict(parse_qsl(request.body.decode()))


class OtxApp(ProviderApp):
    """``/api/v1/indicators/{type}/{value}/{general|reputation}`` (Django REST shapes)."""

    key_header = "X-OTX-API-KEY"

    def value_of(self, request: Request) -> str | None:
        parts = request.path.split("/")
        if len(parts) != 7 or parts[1:4] != ["api", "v1", "indicators"]:
            return None
        return f"{unquote(parts[5])}#{parts[6]}"

    def refused(self) -> Reply:
        return Reply.json(403, {"detail": "Invalid API key"})

    def quota_reply(self) -> Reply:
        return Reply.json(
            429,
            {"detail": "Request was throttled. Expected available in 1 second."},
            **{"retry-after": self.retry_after()},
        )

    def answer(self, request: Request, value: str) -> Reply:
        indicator, section = value.rsplit("#", 1)
        if indicator in self.invalid:
            return Reply.json(400, {"detail": "Invalid indicator"})
        if indicator in self.not_found:
            return Reply.json(404, {"detail": "Not found."})
        count = digest(indicator)[0] % 4
        if section == "reputation":
            score = digest(indicator)[1] % 8
            return Reply.json(
                200,
                {"reputation": {"threat_score": score, "counts": {}, "activities": []}}
                if score
                else {"reputation": None},
            )
        pulses = [
            {"id": f"p{n}", "name": f"Campaign {n} on {indicator}", "tags": ["loopback", f"t{n}"]}
            for n in range(count)
        ]
        validation = (
            [{"source": "whitelist", "message": "Whitelisted", "name": "Known good"}]
            if indicator in self.good
            else []
        )
        return Reply.json(
            200,
            {
                "indicator": indicator,
                "type": request.path.split("/")[4],
                "sections": ["general", "reputation"],
                "validation": validation,
                "pulse_info": {"count": count, "pulses": pulses, "references": []},
            },
        )


class AbuseIpdbApp(ProviderApp):
    """``/api/v2/check?ipAddress=`` with ``{"data": {...}}`` and ``{"errors": [...]}``."""

    key_header = "Key"

    def value_of(self, request: Request) -> str | None:
        if request.path != "/api/v2/check":
            return None
        return request.query.get("ipAddress", "")

    def refused(self) -> Reply:
        return Reply.json(
            401,
            {
                "errors": [
                    {
                        "detail": "Authentication failed. Your API key is either missing, "
                        "incorrect, or revoked. Note: The APIv2 key differs from the APIv1 key.",
                        "status": 401,
                    }
                ]
            },
        )

    def quota_reply(self) -> Reply:
        if self.daily:
            return Reply.json(
                429,
                {
                    "errors": [
                        {
                            "detail": "Daily rate limit of 1000 requests exceeded for this "
                            "endpoint. See headers for additional details.",
                            "status": 429,
                        }
                    ]
                },
                **{
                    "retry-after": "29036",
                    "x-ratelimit-limit": "1000",
                    "x-ratelimit-remaining": "0",
                },
            )
        return Reply.json(
            429,
            {"errors": [{"detail": "Too Many Requests", "status": 429}]},
            **{"retry-after": self.retry_after()},
        )

    def answer(self, request: Request, value: str) -> Reply:
        if value in self.invalid:
            return Reply.json(
                422,
                {
                    "errors": [
                        {
                            "detail": "The ip address must be a valid IPv4 or IPv6 address "
                            "(e.g. 8.8.8.8 or 2001:4860:4860::8888).",
                            "status": 422,
                            "source": {"parameter": "ipAddress"},
                        }
                    ]
                },
            )
        score = 0 if value in self.good else digest(value)[0] * 100 // 255
        return Reply.json(
            200,
            {
                "data": {
                    "ipAddress": value,
                    "isPublic": True,
                    "ipVersion": 6 if ":" in value else 4,
                    "isWhitelisted": value in self.good,
                    "abuseConfidenceScore": score,
                    "countryCode": "NL",
                    "usageType": "Data Center/Web Hosting/Transit",
                    "isp": "Loopback Hosting",
                    "domain": "loopback.example",
                    "hostnames": [],
                    "isTor": False,
                    "totalReports": score // 3,
                    "numDistinctUsers": score // 5,
                    "lastReportedAt": "2026-11-30T10:00:00+00:00" if score else None,
                }
            },
        )


class GreyNoiseApp(ProviderApp):
    """``/v3/community/{ip}``: noise / RIOT, 404 "not observed", the plan's 429 body."""

    key_header = "key"

    def value_of(self, request: Request) -> str | None:
        prefix = "/v3/community/"
        return request.path[len(prefix) :] if request.path.startswith(prefix) else None

    def refused(self) -> Reply:
        return Reply.json(401, {"message": "Unauthorized"})

    def quota_reply(self) -> Reply:
        return Reply.json(
            429,
            {
                "plan": "unauthenticated",
                "rate-limit": "100-lookups/day",
                "plan_url": "https://greynoise.io/pricing",
                "message": "You have hit your daily rate limit of 100 requests per day. Please "
                "create a free account or upgrade your plan at https://greynoise.io/pricing.",
            },
        )

    def answer(self, request: Request, value: str) -> Reply:
        if value in self.invalid:
            return Reply.json(400, {"message": "Request is not a valid routable IPv4 address"})
        if value in self.not_found:
            return Reply.json(
                404,
                {
                    "ip": value,
                    "noise": False,
                    "riot": False,
                    "message": "IP not observed scanning the internet or contained in RIOT "
                    "data set.",
                },
            )
        riot = value in self.good
        pick = digest(value)[0] % 3
        classification = "benign" if riot else ("malicious", "benign", "unknown")[pick]
        return Reply.json(
            200,
            {
                "ip": value,
                "noise": not riot,
                "riot": riot,
                "classification": classification,
                "name": "Loopback CDN" if riot else "unknown",
                "link": f"https://viz.greynoise.io/ip/{value}",
                "last_seen": "2026-12-01",
                "message": "Success",
            },
        )


class CirclApp(ProviderApp):
    """``/lookup/{md5|sha1|sha256}/{hash}``: known files, 404 "Non existing", 400."""

    def value_of(self, request: Request) -> str | None:
        parts = request.path.split("/")
        if len(parts) != 4 or parts[1] != "lookup":
            return None
        return parts[3]

    def quota_reply(self) -> Reply:
        return Reply.json(
            429, {"message": "Too many requests"}, **{"retry-after": self.retry_after()}
        )

    def answer(self, request: Request, value: str) -> Reply:
        kind = request.path.split("/")[2]
        label = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256"}[kind]
        if value in self.invalid:
            return Reply.json(400, {"message": f"Incorrect {label} value", "query": value})
        known = value in self.good or (not self.good and digest(value)[0] % 2 == 0)
        if not known:
            return Reply.json(404, {"message": f"Non existing {label}", "query": value})
        return Reply.json(
            200,
            {
                label: value.upper(),
                "FileName": "./Windows/System32/kernel32.dll",
                "FileSize": "720896",
                "ProductCode": {"ProductName": "Windows 10"},
                "source": "NSRL",
                "hashlookup:trust": 100,
            },
        )


class InternetDbApp(ProviderApp):
    """``/{ip}``: ports, tags, CVEs; 404 ``{"detail": "No information available"}``."""

    def value_of(self, request: Request) -> str | None:
        value = request.path.lstrip("/")
        return value or None

    def answer(self, request: Request, value: str) -> Reply:
        if value in self.not_found:
            return Reply.json(404, {"detail": "No information available"})
        seed = digest(value)
        return Reply.json(
            200,
            {
                "cpes": ["cpe:/a:openbsd:openssh"],
                "hostnames": [f"host-{seed[0]}.loopback.example"],
                "ip": value,
                "ports": [22, 80, 443][: 1 + seed[1] % 3],
                "tags": ["c2"] if seed[2] % 5 == 0 else ["cloud"],
                "vulns": [f"CVE-2024-{1000 + n}" for n in range(seed[3] % 3)],
            },
        )


class UrlhausApp(ProviderApp):
    """``POST /v1/url/``, ``/v1/host/``, ``/v1/payload/`` with ``query_status``."""

    key_header = "Auth-Key"

    def value_of(self, request: Request) -> str | None:
        fields = form(request)
        return next(iter(fields.values()), None) if request.method == "POST" else None

    def refused(self) -> Reply:
        return Reply.json(401, {"query_status": "unknown_auth_key"})

    def answer(self, request: Request, value: str) -> Reply:
        if value in self.invalid:
            return Reply.json(200, {"query_status": "invalid_url"})
        if value in self.not_found:
            return Reply.json(200, {"query_status": "no_results"})
        if request.path == "/v1/url/":
            return Reply.json(
                200,
                {
                    "query_status": "ok",
                    "id": "2947",
                    "urlhaus_reference": "https://urlhaus.abuse.ch/url/2947/",
                    "url": value,
                    "url_status": "online",
                    "threat": "malware_download",
                    "tags": ["elf", "mirai"],
                    "payloads": [],
                },
            )
        if request.path == "/v1/payload/":
            return Reply.json(
                200,
                {
                    "query_status": "ok",
                    "md5_hash": value if len(value) == 32 else "0" * 32,
                    "sha256_hash": value if len(value) == 64 else "1" * 64,
                    "file_type": "exe",
                    "signature": "Heodo",
                    "url_count": "3",
                    "urls": [],
                },
            )
        return Reply.json(
            200,
            {
                "query_status": "ok",
                "urlhaus_reference": f"https://urlhaus.abuse.ch/host/{value}/",
                "host": value,
                "url_count": "2",
                "blacklists": {"spamhaus_dbl": "not listed", "surbl": "listed"},
                "urls": [
                    {"url": f"http://{value}/a.exe", "url_status": "offline", "tags": ["exe"]},
                    {"url": f"http://{value}/b.sh", "url_status": "online", "tags": ["mirai"]},
                ],
            },
        )


class ThreatFoxApp(ProviderApp):
    """``POST /api/v1/`` JSON ``search_ioc`` / ``search_hash``."""

    key_header = "Auth-Key"

    def value_of(self, request: Request) -> str | None:
        if request.method != "POST":
            return None
        body = json.loads(request.body or b"{}")
        return str(body.get("search_term") or body.get("hash") or "")

    def refused(self) -> Reply:
        return Reply.json(401, {"query_status": "unknown_auth_key"})

    def answer(self, request: Request, value: str) -> Reply:
        if value in self.invalid:
            return Reply.json(200, {"query_status": "illegal_search_term"})
        if value in self.not_found:
            return Reply.json(
                200, {"query_status": "no_result", "data": "Your search did not yield any results"}
            )
        return Reply.json(
            200,
            {
                "query_status": "ok",
                "data": [
                    {
                        "id": "41",
                        "ioc": value,
                        "threat_type": "botnet_cc",
                        "ioc_type": "domain",
                        "malware_printable": "Cobalt Strike",
                        "confidence_level": 75 + digest(value)[0] % 26,
                        "first_seen": "2026-11-01 10:00:00 UTC",
                        "tags": ["CobaltStrike"],
                    }
                ],
            },
        )


class MalwareBazaarApp(ProviderApp):
    """``POST /api/v1/`` form ``query=get_info&hash=``."""

    key_header = "Auth-Key"

    def value_of(self, request: Request) -> str | None:
        return form(request).get("hash") if request.method == "POST" else None

    def refused(self) -> Reply:
        return Reply.json(401, {"query_status": "unknown_auth_key"})

    def answer(self, request: Request, value: str) -> Reply:
        if value in self.invalid:
            return Reply.json(200, {"query_status": "illegal_hash"})
        if value in self.not_found:
            return Reply.json(200, {"query_status": "hash_not_found"})
        return Reply.json(
            200,
            {
                "query_status": "ok",
                "data": [
                    {
                        "sha256_hash": "ab" * 32,
                        "md5_hash": value,
                        "file_type": "exe",
                        "signature": "AgentTesla",
                        "tags": ["AgentTesla", "exe"],
                    }
                ],
            },
        )


class MispApp(ProviderApp):
    """``POST /attributes/restSearch`` with ``{"response": {"Attribute": [...]}}``."""

    key_header = "Authorization"

    def value_of(self, request: Request) -> str | None:
        if request.path != "/attributes/restSearch":
            return None
        return str(json.loads(request.body or b"{}").get("value", ""))

    def refused(self) -> Reply:
        return Reply.json(
            403,
            {
                "name": "Authentication failed. Please make sure you pass the API key of an API "
                "enabled user along in the Authorization header.",
                "message": "Authentication failed.",
                "url": "/attributes/restSearch",
            },
        )

    def answer(self, request: Request, value: str) -> Reply:
        if value in self.not_found:
            return Reply.json(200, {"response": {"Attribute": []}})
        return Reply.json(
            200,
            {
                "response": {
                    "Attribute": [
                        {
                            "id": "101",
                            "event_id": "12",
                            "category": "Network activity",
                            "type": "ip-dst",
                            "to_ids": digest(value)[0] % 2 == 0,
                            "value": value,
                            "Event": {"id": "12", "info": "Loopback campaign"},
                            "Tag": [{"name": "tlp:amber"}],
                        }
                    ]
                }
            },
        )


class TorApp(ProviderApp):
    """``/torbulkexitlist``: one exit address per line."""

    def __init__(self, exits: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.exits = list(exits)

    def value_of(self, request: Request) -> str | None:
        return "list" if request.path == "/torbulkexitlist" else None

    def answer(self, request: Request, value: str) -> Reply:
        body = "\n".join(self.exits) + "\n"
        return Reply(200, body.encode(), {"content-type": "text/plain"})


APPS: dict[str, Callable[..., ProviderApp]] = {
    "otx": OtxApp,
    "abuseipdb": AbuseIpdbApp,
    "greynoise": GreyNoiseApp,
    "circl": CirclApp,
    "internetdb": InternetDbApp,
    "urlhaus": UrlhausApp,
    "threatfox": ThreatFoxApp,
    "malwarebazaar": MalwareBazaarApp,
    "misp": MispApp,
}


async def _main() -> None:
    from _support.loopback import LoopbackServer

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--window", type=float, default=1.0)
    parser.add_argument("--quota", action="append", default=[], metavar="NAME=N")
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    servers = {}
    for item in args.quota:
        name, quota = item.split("=", 1)
        app = APPS[name](quota=int(quota), window=args.window)
        servers[name] = await LoopbackServer(app, latency=args.latency).start()
    print(json.dumps({name: server.port for name, server in servers.items()}), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main())
