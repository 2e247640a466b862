"""Named defaults of the IPStack client."""

from __future__ import annotations

from typing import Final

#: The API root. IPStack's free plan may refuse HTTPS (error 105); see ``allow_http``.
BASE_URL: Final = "https://api.ipstack.com"
#: Setting name of the access key (config ``[ipstack] api_key``, env ASISDK_IPSTACK_API_KEY).
API_KEY_SETTING: Final = "ipstack.api_key"
#: The query parameter carrying the key (the API accepts it nowhere else).
KEY_PARAM: Final = "access_key"
#: Client-side rate limit: IPStack publishes no per-second limit; stay modest.
REQUESTS_PER_MINUTE: Final = 300.0
MAX_CONCURRENCY: Final = 4
#: Addresses per bulk request (the API's maximum).
BULK_SIZE: Final = 50
#: IPStack error codes (answered with HTTP 200 and ``"success": false``).
CODE_NOT_FOUND: Final = 404
CODE_MISSING_OR_INVALID_KEY: Final = 101
CODE_INACTIVE_USER: Final = 102
CODE_USAGE_LIMIT: Final = 104
CODE_ACCESS_RESTRICTED: Final = 105
CODE_INVALID_IP: Final = 106
CODE_BULK_NOT_SUPPORTED: Final = 303
#: The two ``type`` values of error 105: the plan refuses HTTPS, or the function asked for.
TYPE_HTTPS_RESTRICTED: Final = "https_access_restricted"
TYPE_FUNCTION_RESTRICTED: Final = "function_access_restricted"
