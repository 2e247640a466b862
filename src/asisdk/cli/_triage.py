"""``asisdk triage``: a thin shell over :mod:`asisdk.pipeline`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
import warnings
from concurrent.futures import Executor
from pathlib import Path
from typing import Any, get_args

import attrs
import pandas as pd

from asisdk.cli import _defaults
from asisdk.cli._common import (
    EXIT_FINDINGS_ERROR,
    EXIT_OK,
    CommandFailedError,
    StageProgress,
    UsageError,
    add_json_option,
    add_query_options,
    query_since,
    virustotal_client,
    workers_executor,
)
from asisdk.pipeline import (
    SIGMA_LEVELS,
    STAGES,
    TOP_FINDINGS,
    VT_MAX_LOOKUPS,
    AllowList,
    InputFormat,
    InputProblem,
    LoadedEvents,
    TriageOptions,
    TriageResult,
    detect_columns,
    enrich_virustotal,
    load_events,
    load_frame,
    run_triage,
    summary_text,
    triage_summary,
    with_event_text,
    write_report,
)

__all__ = ["add_triage_command", "run_triage_command"]

#: The pipeline's own option defaults, shown and used as the flags' defaults.
_TRIAGE_DEFAULTS = TriageOptions()


def add_triage_command(commands: Any) -> None:
    """Register ``asisdk triage`` on an argparse sub-parser collection."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "triage",
        help="investigate a batch of events end to end and write report.html",
        description="Decode encoded payloads, extract indicators from the original and decoded "
        "text, group events into patterns and rank the rare ones, geolocate public IPs "
        "(optionally ask VirusTotal), and write report.html, CSV files, events.parquet and a "
        "STIX 2.1 bundle. Without PATH it triages the bundled sample of real Windows events.",
        epilog="exit codes: 0 report written, 1 the triage failed (nothing readable, --since "
        "left out every event, a stage or output failed, VirusTotal refused the key), 2 usage "
        "error.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="CSV/TSV, JSON lines, JSON, Parquet or Windows EVTX files, mixed freely "
        "(default: the bundled sample)",
    )
    parser.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="COL",
        help="command line / message column (repeatable; default: detected)",
    )
    parser.add_argument(
        "--time-column", metavar="COL", help="event time column (default: detected)"
    )
    parser.add_argument(
        "--timezone",
        metavar="ZONE",
        help="IANA time zone of a local-time column such as a Sentinel export's "
        "'TimeGenerated [Local Time]' (e.g. Europe/Berlin); such a column is refused without it. "
        "Also the zone of syslog times written without one (RFC 3164), converted to UTC "
        "(default UTC)",
    )
    parser.add_argument(
        "--format",
        dest="input_format",
        default="auto",
        choices=list(get_args(InputFormat)),
        help="input format: CSV, JSON lines, JSON, Parquet, EVTX, Windows event XML (winxml), "
        "Zeek, syslog, auditd, Apache/nginx access, IIS W3C or plain text lines (default auto: "
        "told by content; CSV and JSON by file name when the content does not say)",
    )
    parser.add_argument(
        "--out",
        default=_defaults.OUT_DIR,
        metavar="DIR",
        help="output folder (default: ./asisdk-report/)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes for the CPU stages (1: in-process; default: in-process "
        "below 200,000 events, else one per CPU)",
    )
    parser.add_argument(
        "--dask",
        metavar="SCHEDULER_ADDRESS",
        help="run the CPU stages on a Dask cluster (e.g. tcp://10.0.0.5:8786; needs the "
        "`dask` extra); not together with --workers",
    )
    parser.add_argument(
        "--vt",
        action="store_true",
        help="look indicators up on VirusTotal (key: ASISDK_VT_API_KEY or "
        "[virustotal] api_key in the config file)",
    )
    parser.add_argument(
        "--vt-max",
        type=int,
        default=VT_MAX_LOOKUPS,
        metavar="N",
        help=f"most indicators sent to VirusTotal (default: {VT_MAX_LOOKUPS})",
    )
    parser.add_argument(
        "--sigma",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="match the bundled SigmaHQ rules (or --sigma-rules) and rank their matches in "
        "the findings, with each rule's author (default: on)",
    )
    parser.add_argument(
        "--sigma-rules",
        action="append",
        metavar="PATH",
        help="Sigma rule file or directory instead of the bundled pack (repeatable)",
    )
    parser.add_argument(
        "--ti",
        metavar="PROVIDERS",
        help="look indicators up in threat-intelligence providers, e.g. otx,greynoise,circl "
        "(keys: ASISDK_<PROVIDER>_API_KEY); known-good answers set ti_demote (see asisdk ti)",
    )
    parser.add_argument(
        "--geo",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="geolocate public IPs with the local GeoIP database (default: on)",
    )
    parser.add_argument(
        "--query",
        metavar="NAME",
        help="load events with a named query (see `asisdk query --list`)",
    )
    add_query_options(
        parser,
        workspace_help="Log Analytics workspace id (without it, --query runs on the local data "
        "source)",
        param_help="query parameter (repeatable), e.g. --param host_name=WS5",
        since_help="only events newer than this: 30m, 24h, 7d ...",
    )
    parser.add_argument(
        "--timeline",
        choices=["auto", "bokeh", "svg"],
        default="auto",
        help="timeline engine (auto and svg: inline SVG with axis breaks at long gaps; "
        "bokeh: needs the notebook extra)",
    )
    parser.add_argument(
        "--no-csv-neutralise",
        dest="csv_neutralise",
        action="store_false",
        help="write CSV text cells that begin with = + - @ tab or CR as they are (default: "
        "prefixed with ' so a spreadsheet does not run them as formulas)",
    )
    parser.add_argument(
        "--keep-noise-addresses",
        action="store_true",
        help="keep unspecified, loopback, link-local, multicast and broadcast addresses as "
        "indicators (default: set aside and counted in the summary)",
    )
    parser.add_argument(
        "--min-level",
        choices=list(SIGMA_LEVELS),
        default="low",
        help="lowest Sigma rule level that makes a finding (default: low)",
    )
    parser.add_argument(
        "--top",
        type=_positive_int,
        default=TOP_FINDINGS,
        metavar="N",
        help=f"findings shown in the summary and the report (default: {TOP_FINDINGS}; "
        "findings.csv has them all)",
    )
    parser.add_argument(
        "--rare-min-events",
        type=_positive_int,
        default=_TRIAGE_DEFAULTS.rare_min_events,
        metavar="N",
        help="a pattern is rare on its host with at most N events ... (default: "
        f"{_TRIAGE_DEFAULTS.rare_min_events})",
    )
    parser.add_argument(
        "--rare-share",
        type=_share,
        default=_TRIAGE_DEFAULTS.rare_share,
        metavar="SHARE",
        help="... or at most this share of them, whichever is larger (default: "
        f"{_TRIAGE_DEFAULTS.rare_share})",
    )
    parser.add_argument(
        "--allow",
        metavar="FILE",
        help="allow-list of your own benign noise, one entry a line: addresses or networks, "
        "domains, hashes, images, and `command: REGEX` for command lines (see docs/triage.md)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quiet", action="store_true", help="no progress and no summary")
    add_json_option(mode, "print the summary as JSON on stdout")
    parser.set_defaults(handler=run_triage_command)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from exc
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"expected a number between 0 and 1, got {text!r}"
        ) from exc
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {value}")
    return value


def _allow_list(path: str | None) -> AllowList | None:
    if path is None:
        return None
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UsageError(f"--allow {path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--allow {path}: cannot read it: {exc}") from exc
    return AllowList.from_text(text, source=path)


def _load(args: argparse.Namespace) -> tuple[LoadedEvents, list[str]]:
    if args.workspace and not args.query:
        raise UsageError("--workspace needs --query NAME (see `asisdk query --list`)")
    if args.query:
        if args.paths:
            raise UsageError("give either PATH ... or --query, not both")
        from asisdk.cli._query import query_args_events

        found = query_args_events(args.query, args)
        loaded = load_frame(found.frame, source=found.source)
        if found.note is not None:
            problem = InputProblem(
                file=found.source, row=None, column=None, message=found.note, skipped=False
            )
            loaded = attrs.evolve(loaded, problems=(problem,), problem_count=1)
        attribution = [] if args.workspace else [_sample_attribution()]
        return loaded, attribution
    if args.paths:
        return load_events(args.paths, input_format=args.input_format, timezone=args.timezone), []
    from asisdk.data import sample_events_frame

    return load_frame(sample_events_frame(), source="bundled sample (OTRF Security Datasets)"), [
        _sample_attribution()
    ]


def _sample_attribution() -> str:
    from asisdk.data import ATTRIBUTION

    return ATTRIBUTION


def _open_geo(enabled: bool) -> tuple[Any, str | None]:
    if not enabled:
        return None, "geolocation switched off (--no-geo)"
    from asisdk.geo import GeoDatabaseError, GeoIpDatabase

    try:
        return GeoIpDatabase(), None
    except GeoDatabaseError as exc:
        return None, f"geolocation skipped: {exc}"


def _triage(args: argparse.Namespace, progress: StageProgress) -> tuple[TriageResult, list[str]]:
    options = TriageOptions(
        text_columns=tuple(args.column),
        time_column=args.time_column,
        # With --query the query's own time range applies --since at the source.
        since=None if args.query else query_since(args),
        keep_noise_addresses=args.keep_noise_addresses,
        min_level=args.min_level,
        rare_min_events=args.rare_min_events,
        rare_share=args.rare_share,
        allow=_allow_list(args.allow),
        timezone=args.timezone,
    )
    progress("load")
    loaded, attribution = _load(args)
    if len(loaded.frame) == 0:
        problems = "; ".join(str(p) for p in loaded.problems[:5])
        raise CommandFailedError(f"no events could be read{': ' + problems if problems else ''}")
    if options.since is not None:
        columns = detect_columns(
            with_event_text(loaded.frame),
            text_columns=options.text_columns or None,
            time_column=args.time_column,
        )
        if columns.time is None:
            raise UsageError("--since needs a time column; name it with --time-column")
    if args.dask and args.workers is not None:
        raise UsageError("--dask and --workers exclude each other: the cluster has its workers")
    geo, geo_note = _open_geo(args.geo)
    try:
        with _executor(args, events=len(loaded.frame)) as executor:
            result = run_triage(
                loaded,
                options=options,
                executor=executor,
                geo=geo,
                geo_note=geo_note,
                progress=progress,
                sigma=_sigma_rules(args),
            )
    finally:
        if geo is not None:
            geo.close()
    if args.vt:
        progress("vt")
        result = asyncio.run(_virustotal(result, args.vt_max, show=not (args.quiet or args.json)))
    if args.ti:
        progress("ti")
        result = asyncio.run(_threat_intel(result, args.ti, options))
    return result, attribution


def _executor(
    args: argparse.Namespace, *, events: int
) -> contextlib.AbstractContextManager[Executor | None]:
    """The executor for the CPU stages: a Dask cluster's (``--dask``) or local workers."""
    if args.dask:
        from asisdk.dask import executor_for

        return executor_for(args.dask)
    return workers_executor(args.workers, events=events)


async def _virustotal(result: TriageResult, max_lookups: int, *, show: bool) -> TriageResult:
    async with virustotal_client() as client:
        return await enrich_virustotal(result, client, max_lookups=max_lookups, progress=show)


async def _threat_intel(
    result: TriageResult, providers: str, options: TriageOptions
) -> TriageResult:
    """``--ti``: verdicts of :mod:`asisdk.ti` in the indicator table (ti_* columns) and in
    the findings, ranked again with them (known-good and benign answers demote)."""
    from asisdk.cli._ti import default_cache_path, parse_providers
    from asisdk.pipeline import enrich_ti_iocs, rerank_findings, ti_verdicts
    from asisdk.ti import ThreatIntel

    start = time.perf_counter()
    async with ThreatIntel(parse_providers(providers), cache=default_cache_path()) as ti:
        verdicts = await ti_verdicts(result.iocs, ti)
    done = attrs.evolve(result, iocs=enrich_ti_iocs(result.iocs, verdicts))
    done = rerank_findings(done, ti_verdicts=_verdict_frame(verdicts), options=options)
    return done.with_timing("ti", time.perf_counter() - start, len(verdicts))


def _sigma_rules(args: argparse.Namespace) -> Any:
    """``rules.match`` of the Sigma rules the triage runs (``None`` with ``--no-sigma``)."""
    if not args.sigma:
        if args.sigma_rules:
            raise UsageError("--sigma-rules and --no-sigma exclude each other")
        return None
    from asisdk.sigma import SigmaRules

    rules = SigmaRules.from_paths(*args.sigma_rules) if args.sigma_rules else SigmaRules.bundled()
    for problem in rules.errors[:5]:
        warnings.warn(f"Sigma rule skipped: {problem.file}: {problem.reason}", stacklevel=1)
    return rules.match


def _verdict_frame(verdicts: pd.DataFrame) -> pd.DataFrame:
    """The ti_* verdict table as the findings read it (``value``, ``verdict``, ``severity``)."""
    return pd.DataFrame(
        {
            "value": verdicts["observable"],
            "verdict": verdicts["ti_verdict"],
            "severity": verdicts["ti_severity"],
            "provider": verdicts["ti_flagged_by"].astype("string").fillna(""),
        }
    )


def run_triage_command(args: argparse.Namespace) -> int:
    """Run ``asisdk triage``; returns the exit code (failures raise, for the CLI shell)."""
    quiet = args.quiet or args.json
    stages = ["load", *STAGES, *(["vt"] if args.vt else []), *(["ti"] if args.ti else []), "report"]
    progress = StageProgress(stages, enabled=not quiet)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # warnings are collected into the report instead
            result, attribution = _triage(args, progress)
            progress("report")
            result, files = write_report(
                result,
                args.out,
                data_attribution=attribution,
                timeline=args.timeline,
                neutralise_csv=args.csv_neutralise,
                top=args.top,
            )
    finally:
        progress.close()
    for problem in result.loaded.problems[:10] if not quiet else ():
        print(f"asisdk triage: warning: {problem}", file=sys.stderr)
    summary = triage_summary(
        result, outputs={name: str(path.resolve()) for name, path in files.items()}, top=args.top
    )
    failure = _since_removed_all(result, args.since)
    if failure is not None:
        summary["failure"] = failure
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    elif not args.quiet:
        print(summary_text(summary))
        if failure is not None:
            print(f"failed: {failure}")
    if failure is not None:
        print(f"asisdk triage: failed: {failure}", file=sys.stderr)
        return EXIT_FINDINGS_ERROR
    return EXIT_OK


def _since_removed_all(result: TriageResult, since: str | None) -> str | None:
    """Why a triage whose ``--since`` left out every event failed, else ``None``."""
    if len(result.events) or not result.removed_by_since:
        return None
    return (
        f"--since {since} left out all {result.removed_by_since:,} events "
        "(none is newer); try a longer --since"
    )
