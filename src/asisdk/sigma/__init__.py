"""Run Sigma detection rules over local events, compiled to vectorised column operations.

Rules are parsed with pySigma; each rule's detection becomes whole-column operations (pyarrow
string kernels, RE2 regular expressions, numpy masks), and rules are grouped by log source so
each event subset (Sysmon 1, Security 4688 ...) is selected and converted once.

Examples:
    >>> from asisdk.sigma import SigmaRules
    >>> rules = SigmaRules.from_yaml('''
    ... title: Whoami
    ... id: 1b5e2a5e-0000-4000-8000-000000000001
    ... author: Example Author
    ... level: medium
    ... logsource: {product: windows, category: process_creation}
    ... detection:
    ...     selection: {Image|endswith: '\\\\whoami.exe'}
    ...     condition: selection
    ... ''')
    >>> import pandas as pd
    >>> events = pd.DataFrame({"Channel": ["Microsoft-Windows-Sysmon/Operational"],
    ...                        "EventID": [1], "Image": ["C:\\\\Tools\\\\WHOAMI.EXE"]})
    >>> rules.match(events).frame[["rule_title", "author"]].values.tolist()
    [['Whoami', 'Example Author']]
"""

from __future__ import annotations

from asisdk.sigma._kql import (
    KqlBatch,
    KqlTarget,
    SigmaKql,
    SigmaKqlError,
    collection_to_kql,
    rule_to_kql,
)
from asisdk.sigma._logsource import LogsourceVariant, logsource_variants
from asisdk.sigma._matches import MATCH_COLUMNS, SUMMARY_COLUMNS, SigmaMatches
from asisdk.sigma._pack import (
    PackManifest,
    SigmaPackError,
    active_pack_path,
    bundled_rules_path,
    iter_rule_texts,
    load_pack_collection,
    read_manifest,
    rule_by_id,
)
from asisdk.sigma._parallel import match_frame
from asisdk.sigma._rules import LEVELS, DetectionRule, RuleProblem, SigmaRules
from asisdk.sigma._update import SigmaPackUpdater, SigmaUpdateResult

__all__ = [
    "LEVELS",
    "MATCH_COLUMNS",
    "SUMMARY_COLUMNS",
    "DetectionRule",
    "KqlBatch",
    "KqlTarget",
    "LogsourceVariant",
    "PackManifest",
    "RuleProblem",
    "SigmaKql",
    "SigmaKqlError",
    "SigmaMatches",
    "SigmaPackError",
    "SigmaPackUpdater",
    "SigmaRules",
    "SigmaUpdateResult",
    "active_pack_path",
    "bundled_rules_path",
    "collection_to_kql",
    "iter_rule_texts",
    "load_pack_collection",
    "logsource_variants",
    "match_frame",
    "read_manifest",
    "rule_by_id",
    "rule_to_kql",
]
