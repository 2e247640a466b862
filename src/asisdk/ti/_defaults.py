"""Named defaults of :mod:`asisdk.ti`: quotas, roots, TTLs and thresholds (no magic numbers)."""

from __future__ import annotations

import datetime as dt
from typing import Final

# -- cache ---------------------------------------------------------------------------------

#: How long an answer is reused, per verdict; ``not_found`` answers expire soonest (a value
#: nobody knew yesterday may be reported today), ``known_good`` ones latest (NSRL changes
#: slowly).
TTL_BY_VERDICT: Final = {
    "malicious": dt.timedelta(days=1),
    "suspicious": dt.timedelta(days=1),
    "unknown": dt.timedelta(days=1),
    "benign": dt.timedelta(days=7),
    "known_good": dt.timedelta(days=30),
}
TTL_NOT_FOUND: Final = dt.timedelta(hours=6)
#: Mode of a folder the Tor list cache creates (lookups reveal an investigation).
CACHE_DIR_MODE: Final = 0o700
#: Keys per SQLite ``IN (...)`` query.
CACHE_READ_CHUNK: Final = 400

# -- verdicts ------------------------------------------------------------------------------

#: Severity (0-100) at and above which a provider's score means ``malicious`` ...
MALICIOUS_SEVERITY: Final = 70
#: ... and at and above which it means ``suspicious``.
SUSPICIOUS_SEVERITY: Final = 25
#: VirusTotal engines flagging an object before it is ``malicious`` (fewer: ``suspicious``).
VT_MALICIOUS_ENGINES: Final = 3
#: OTX pulses: severity of the first pulse and of each further one (capped at suspicious).
OTX_PULSE_BASE: Final = 30
OTX_PULSE_STEP: Final = 5
OTX_PULSE_CAP: Final = 69
#: AbuseIPDB reports looked at (the ``maxAgeInDays`` parameter).
ABUSEIPDB_MAX_AGE_DAYS: Final = 90
#: Severity of a Tor exit node (anonymised traffic, not malice by itself).
TOR_SEVERITY: Final = 40
#: InternetDB tags that mean compromise; any other known CVE makes an IP ``suspicious``.
INTERNETDB_MALICIOUS_TAGS: Final = frozenset({"c2", "compromised", "malware", "botnet"})
INTERNETDB_CVE_BASE: Final = 25
INTERNETDB_CVE_STEP: Final = 2
#: Most MISP attributes asked for per value.
MISP_LIMIT: Final = 50

# -- providers: roots and documented quotas -------------------------------------------------

OTX_URL: Final = "https://otx.alienvault.com/api/v1"
OTX_GUI: Final = "https://otx.alienvault.com/indicator"
#: OTX: 10,000 requests per hour per key.
OTX_PER_HOUR: Final = 10_000.0

ABUSEIPDB_URL: Final = "https://api.abuseipdb.com/api/v2"
ABUSEIPDB_GUI: Final = "https://www.abuseipdb.com/check"
#: AbuseIPDB free plan: 1,000 ``check`` requests per UTC day.
ABUSEIPDB_PER_DAY: Final = 1_000

GREYNOISE_URL: Final = "https://api.greynoise.io/v3"
GREYNOISE_GUI: Final = "https://viz.greynoise.io/ip"
#: GreyNoise Community: 100 lookups per day (the limit its 429 answer names).
GREYNOISE_PER_DAY: Final = 100

URLHAUS_URL: Final = "https://urlhaus-api.abuse.ch/v1"
THREATFOX_URL: Final = "https://threatfox-api.abuse.ch/api/v1"
MALWAREBAZAAR_URL: Final = "https://mb-api.abuse.ch/api/v1"
MALWAREBAZAAR_GUI: Final = "https://bazaar.abuse.ch/sample"
THREATFOX_GUI: Final = "https://threatfox.abuse.ch/ioc"
#: abuse.ch publishes no hard quota (fair use); asisdk sends at most 10 requests per second.
ABUSECH_PER_SECOND: Final = 10.0
#: The environment variable of the Auth-Key all three abuse.ch services share.
ABUSECH_KEY_ENV: Final = "ASISDK_ABUSECH_API_KEY"

CIRCL_URL: Final = "https://hashlookup.circl.lu"
#: CIRCL hashlookup publishes no quota; asisdk sends at most 10 requests per second.
CIRCL_PER_SECOND: Final = 10.0

INTERNETDB_URL: Final = "https://internetdb.shodan.io"
INTERNETDB_GUI: Final = "https://www.shodan.io/host"
#: InternetDB is free and unauthenticated; Shodan asks for 1 request per second.
INTERNETDB_PER_SECOND: Final = 1.0

TOR_URL: Final = "https://check.torproject.org"
TOR_LIST_PATH: Final = "/torbulkexitlist"
TOR_LIST_FILE: Final = "tor-exit-list.txt"
#: The exit list is downloaded again when the local copy is older than this.
TOR_MAX_AGE: Final = dt.timedelta(days=1)
TOR_GUI: Final = "https://metrics.torproject.org/rs.html#search"

#: Concurrent requests per provider.
MAX_CONCURRENCY: Final = 4
