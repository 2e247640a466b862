"""Named defaults shared across asisdk (one place, no magic numbers in function bodies)."""

from __future__ import annotations

from typing import Final

#: Environment variable that points at the TOML configuration file.
CONFIG_ENV_VAR: Final = "ASISDK_CONFIG"
#: File name of the configuration file inside the user config directory.
CONFIG_FILE_NAME: Final = "config.toml"
#: Prefix of every environment variable asisdk reads.
ENV_PREFIX: Final = "ASISDK_"
#: Application name used for the per-user config and data directories.
APP_NAME: Final = "asisdk"

#: What a masked secret looks like.
SECRET_MASK: Final = "***"  # noqa: S105 - the mask, not a secret

#: Rows per chunk the executors aim at when splitting a frame (bounded by the two limits).
CHUNKS_PER_WORKER: Final = 4
MIN_CHUNK_ROWS: Final = 256
MAX_CHUNK_ROWS: Final = 20_000
#: With no executor given, inputs smaller than this run inline: starting worker processes
#: costs more than the work.
INLINE_BELOW_ROWS: Final = 10_000

#: Longest input string accepted as an IP address (anything longer is ``invalid``).
MAX_ADDRESS_LENGTH: Final = 64

#: GeoIP editions the updater can fetch (``asisdk.geo``, ``asisdk geo update``): City
#: databases, and ASN databases (``--asn``).
EDITION_DBIP: Final = "dbip-city-lite"
EDITION_GEOLITE2: Final = "GeoLite2-City"
EDITION_DBIP_ASN: Final = "dbip-asn-lite"
EDITION_GEOLITE2_ASN: Final = "GeoLite2-ASN"
#: The ASN edition from the same provider as each City edition.
ASN_EDITION_OF: Final = {EDITION_DBIP: EDITION_DBIP_ASN, EDITION_GEOLITE2: EDITION_GEOLITE2_ASN}
