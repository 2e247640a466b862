"""Named defaults of the VirusTotal client."""

from __future__ import annotations

import datetime as dt
from typing import Final

#: The VirusTotal API v3 root.
BASE_URL: Final = "https://www.virustotal.com/api/v3"
#: The VirusTotal web interface root, for permalinks.
GUI_URL: Final = "https://www.virustotal.com/gui"
#: The setting name of the API key (config file ``[virustotal] api_key``).
API_KEY_SETTING: Final = "virustotal.api_key"
#: Environment variables consulted for the key, before ``ASISDK_VIRUSTOTAL_API_KEY``.
API_KEY_ENV: Final = ("ASISDK_VT_API_KEY",)
#: Public API quotas (a free key): 4 requests per minute, 500 per UTC day.
REQUESTS_PER_MINUTE: Final = 4.0
REQUESTS_PER_DAY: Final = 500
MAX_CONCURRENCY: Final = 4
#: How long a cached report is reused.
CACHE_TTL: Final = dt.timedelta(days=1)

#: Keys per SQLite ``IN (...)`` query (well under SQLite's parameter limit).
CACHE_READ_CHUNK: Final = 500
#: Items per page when following a relationship (the API's maximum is 40).
RELATIONSHIP_PAGE_SIZE: Final = 40
#: Hex strings at least this long (without dots) are taken for a (bad) file hash.
MIN_HASH_LIKE_LENGTH: Final = 16
