"""Named defaults of the cluster package (no magic numbers in function bodies)."""

from __future__ import annotations

from typing import Final

from asisdk.schema import PROCESS_ROLES

#: Characters counted as delimiters by ``delim_count`` / ``delim_hash`` (the msticpy set:
#: whitespace and ``- \ / . , " ' | & : ; % $ ( )``), so feature values stay comparable.
DELIMITERS: Final = " \t\n\r\f\v-\\/.,\"'|&:;%$()"

#: Logon ids of system sessions (Windows ``0x3e7`` = SYSTEM, ``-1`` as Linux audit uses it).
SYSTEM_LOGON_IDS: Final = frozenset({"0x3e7", "-1"})

#: Input columns of a Windows 4688 process-creation event (from :mod:`asisdk.schema`).
PROCESS_COLUMN: Final = PROCESS_ROLES["security"].image[0]
COMMANDLINE_COLUMN: Final = PROCESS_ROLES["security"].command_line[0]
LOGON_ID_COLUMN: Final = PROCESS_ROLES["security"].logon_id[0]

#: Features ``cluster_events(features="process")`` clusters on.
PROCESS_CLUSTER_FEATURES: Final = (
    "pathLogScore",
    "commandlineLogLen",
    "commandlineTokensFull",
    "isSystemSession",
)

#: DBSCAN defaults (the same meaning and values as msticpy's ``dbcluster_events``).
MAX_DISTANCE: Final = 0.01
MIN_SAMPLES: Final = 2
TIME_COLUMN: Final = "TimeGenerated"

#: Fewest distinct rows per feature chunk (smaller inputs run inline, in one chunk).
MIN_FEATURE_CHUNK_ROWS: Final = 500_000

#: Fewest distinct lines per masking chunk of ``group_patterns`` (fewer run inline).
MIN_PATTERN_CHUNK_LINES: Final = 500_000

#: Characters of text handled per block when vectorising over a Series (bounds memory).
BLOCK_CHARS: Final = 4_000_000

#: Longest line ``group_patterns`` reads; longer lines are cut (hostile input bound).
MAX_LINE_CHARS: Final = 20_000
#: Most tokens of one line that take part in template mining; the rest is one variable.
MAX_TOKENS: Final = 400

#: The placeholder that marks a variable part in a template.
WILDCARD: Final = "<*>"

#: A column of a skeleton group with at most this many distinct words splits the group
#: (constants of sub-templates); with more it is a variable. Chosen on Loghub-2k as one
#: setting for all 16 systems (3 to 5 score alike; see benchmarks/bench_patterns.py).
MAX_CONSTANTS: Final = 4
