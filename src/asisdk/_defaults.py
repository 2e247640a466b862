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
