"""Triage a batch of events end to end: decode, indicators, patterns, enrichment, report.

The stages are pure functions over DataFrames, usable one by one (:func:`decode_events`,
:func:`extract_iocs`, :func:`find_patterns`, :func:`geolocate_iocs`); :func:`run_triage`
chains them with timings, :func:`enrich_virustotal` adds VirusTotal verdicts and
:func:`write_report` writes report.html, the CSV files, events.parquet and a STIX 2.1
bundle. ``asisdk triage`` is a thin shell over these.

Examples:
    >>> from asisdk.data import sample_events_frame
    >>> from asisdk.pipeline import load_frame, run_triage, triage_summary
    >>> result = run_triage(load_frame(sample_events_frame()))
    >>> triage_summary(result)["decoded_payloads"] > 0
    True
"""

from __future__ import annotations

from asisdk.pipeline._allow import AllowList
from asisdk.pipeline._columns import (
    EVENT_TEXT_COLUMN,
    EventColumns,
    detect_columns,
    with_event_text,
)
from asisdk.pipeline._defaults import VT_MAX_LOOKUPS
from asisdk.pipeline._findings import (
    FINDING_COLUMNS,
    SIGMA_LEVELS,
    SIGMA_MATCH_COLUMNS,
    TI_VERDICT_COLUMNS,
    FindingWeights,
    build_findings,
)
from asisdk.pipeline._load import (
    InputFormat,
    InputProblem,
    LoadedEvents,
    compact_text_columns,
    detect_format,
    load_events,
    load_frame,
)
from asisdk.pipeline._outputs import CSV_FORMULA_PREFIXES, OUTPUT_FILES, write_csv, write_report
from asisdk.pipeline._report import SECTIONS, render_report
from asisdk.pipeline._stages import (
    DECODED_COLUMNS,
    DEFAULT_IOC_TYPES,
    GEO_COLUMNS,
    IOC_COLUMNS,
    PATTERN_COLUMNS,
    decode_events,
    extract_iocs,
    find_patterns,
    geolocate_iocs,
    summarise_iocs,
)
from asisdk.pipeline._stix import stix_bundle
from asisdk.pipeline._summary import TOP_FINDINGS, summary_text, top_findings, triage_summary
from asisdk.pipeline._ti import TI_IOC_COLUMNS, enrich_ti_iocs, ti_candidates, ti_verdicts
from asisdk.pipeline._timeline import TimelineEngine
from asisdk.pipeline._triage import (
    STAGES,
    StageTiming,
    TriageOptions,
    TriageResult,
    rerank_findings,
    run_triage,
)
from asisdk.pipeline._virustotal import VT_COLUMNS, enrich_virustotal, vt_candidates

__all__ = [
    "CSV_FORMULA_PREFIXES",
    "DECODED_COLUMNS",
    "DEFAULT_IOC_TYPES",
    "EVENT_TEXT_COLUMN",
    "FINDING_COLUMNS",
    "GEO_COLUMNS",
    "IOC_COLUMNS",
    "OUTPUT_FILES",
    "PATTERN_COLUMNS",
    "SECTIONS",
    "SIGMA_LEVELS",
    "SIGMA_MATCH_COLUMNS",
    "STAGES",
    "TI_IOC_COLUMNS",
    "TI_VERDICT_COLUMNS",
    "TOP_FINDINGS",
    "VT_COLUMNS",
    "VT_MAX_LOOKUPS",
    "AllowList",
    "EventColumns",
    "FindingWeights",
    "InputFormat",
    "InputProblem",
    "LoadedEvents",
    "StageTiming",
    "TimelineEngine",
    "TriageOptions",
    "TriageResult",
    "build_findings",
    "compact_text_columns",
    "decode_events",
    "detect_columns",
    "detect_format",
    "enrich_ti_iocs",
    "enrich_virustotal",
    "extract_iocs",
    "find_patterns",
    "geolocate_iocs",
    "load_events",
    "load_frame",
    "render_report",
    "rerank_findings",
    "run_triage",
    "stix_bundle",
    "summarise_iocs",
    "summary_text",
    "ti_candidates",
    "ti_verdicts",
    "top_findings",
    "triage_summary",
    "vt_candidates",
    "with_event_text",
    "write_csv",
    "write_report",
]
