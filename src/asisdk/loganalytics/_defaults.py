"""Named defaults of the Log Analytics client and its credentials."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

#: The legacy query host; still the default of Microsoft's own SDK.
BASE_URL: Final = "https://api.loganalytics.io"
#: The token scope for Log Analytics queries (valid for both query hosts).
SCOPE: Final = "https://api.loganalytics.io/.default"
#: Microsoft Entra authority host (sovereign clouds and tests override it).
AUTHORITY_HOST: Final = "https://login.microsoftonline.com"
#: Tenant used by device code sign-in when none is given (work or school accounts).
DEVICE_CODE_TENANT: Final = "organizations"

#: Server-side timeout sent as ``Prefer: wait=N`` (seconds); the service default is 3 minutes.
SERVER_TIMEOUT: Final = 180
#: The service's own ceiling for ``Prefer: wait``.
MAX_SERVER_TIMEOUT: Final = 600
#: Seconds the HTTP read timeout exceeds the server timeout by (the answer needs time to arrive).
READ_TIMEOUT_MARGIN: Final = 30.0
#: Concurrent queries per identity (the service allows 5).
MAX_CONCURRENCY: Final = 5
#: Requests per window per identity, and the window (200 per 30 s).
RATE_REQUESTS: Final = 200
RATE_PERIOD: Final = 30.0

#: Rows at which the service truncates a result.
MAX_ROWS: Final = 500_000
#: Chunks a split query may be cut into (protects against ``split_by=timedelta(seconds=1)``).
MAX_CHUNKS: Final = 1_000
#: Extra workspaces in one cross-workspace query.
MAX_WORKSPACES: Final = 100

#: Tokens are refreshed this long before they expire.
TOKEN_REFRESH_MARGIN: Final = timedelta(minutes=5)
#: Lifetime assumed for a static token with no expiry given.
STATIC_TOKEN_LIFETIME: Final = timedelta(days=3650)
#: Times a chunk that hit the result limit is halved again (each level doubles its requests).
MAX_BISECT_DEPTH: Final = 4
#: Chunks shorter than this are never halved.
MIN_BISECT_CHUNK: Final = timedelta(minutes=1)
#: Longest text taken from an msal or transport exception into an error message.
MAX_AUTH_ERROR_TEXT: Final = 300
