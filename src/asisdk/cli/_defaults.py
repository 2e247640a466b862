"""Named defaults of the ``asisdk`` command: where it writes and where it keeps its caches."""

from __future__ import annotations

from typing import Final

#: Where ``asisdk triage`` writes its outputs unless ``--out`` says otherwise.
OUT_DIR: Final = "asisdk-report"
#: File name of the VirusTotal cache in the user cache directory.
VT_CACHE_FILE: Final = "virustotal.sqlite"
#: The SQLite file of the shared threat-intelligence cache, under the user cache directory.
TI_CACHE_FILE: Final = "ti-cache.sqlite"
