"""The shell every sub-command runs in: exit codes, errors, options, clients, pools, warnings.

How a sub-command module plugs in (each point is a line or two at the call site):

1. **Errors.** A handler takes the parsed ``args``, prints its output and returns
   :data:`EXIT_OK` (or ``None``); on failure it *raises*. :func:`run_handler` (which
   :func:`asisdk.cli.main` calls for every sub-command) maps the exception to the exit code
   with :func:`exit_code_for` and prints one line with :func:`error_line`:
   ``asisdk <command>: error: <message>``. :class:`UsageError`, ``ConfigurationError`` and
   ``InvalidInputError`` exit 2; :class:`CommandFailedError`, every other ``AsiError`` and
   ``OSError`` exit 1; ``KeyboardInterrupt`` 130; a closed pipe 0. A handler that still
   prints and returns a code keeps working unchanged.
2. **Options.** :func:`add_query_options` declares ``--workspace/--param/--since`` and
   :func:`add_json_option` ``--json`` (on a parser or a mutually exclusive group), each once
   for every command; :func:`query_since` reads ``--since`` and
   :func:`asisdk.cli._query.query_args_events` runs ``--query`` with all three.
3. **Clients.** :func:`virustotal_client` (async), :func:`blocking_virustotal_client` and
   :func:`blocking_ipstack_client` build the service clients from settings
   (:mod:`asisdk.config`: arguments, environment, config file), never from ad-hoc variables.
4. **Pools.** :func:`workers_executor` turns ``--workers`` into an executor; worker processes
   come from :func:`asisdk.executors.process_pool`, the library's one pool factory.
5. **Warnings.** :func:`cli_warnings` (entered by :func:`run_handler` only, for the length of
   the command) prints a warning as one line, ``asisdk: warning: <message>``; library users
   keep Python's normal warnings.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO

from asisdk.errors import AsiError, ConfigurationError, InvalidInputError

# pandas, the clients and asisdk.executors are imported where they are used: every
# sub-command, and so `asisdk --help`, imports this module.
if TYPE_CHECKING:
    import pandas as pd

    from asisdk import sync
    from asisdk.virustotal import VirusTotalClient

__all__ = [
    "EXIT_FINDINGS_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "INLINE_BELOW_EVENTS",
    "CommandFailedError",
    "StageProgress",
    "UsageError",
    "add_json_option",
    "add_query_options",
    "blocking_ipstack_client",
    "blocking_virustotal_client",
    "cli_warnings",
    "error_line",
    "exit_code_for",
    "failures_exit_1",
    "failures_exit_2",
    "help_handler",
    "parse_since",
    "query_since",
    "run_handler",
    "run_parser",
    "virustotal_client",
    "workers_executor",
]

EXIT_OK: Final = 0
EXIT_FINDINGS_ERROR: Final = 1
EXIT_USAGE: Final = 2
#: Interrupted with Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED: Final = 130

#: Without --workers, triage runs in-process below this many events.
INLINE_BELOW_EVENTS: Final = 200_000

_SINCE: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_SECONDS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

#: Errors that mean "the command line cannot run as given" (exit code 2).
_USAGE_ERRORS: Final = (ConfigurationError, InvalidInputError, argparse.ArgumentError)
#: Environment variable the VirusTotal API root is read from before ASISDK_VIRUSTOTAL_BASE_URL.
_VT_BASE_URL_ENV: Final = ("ASISDK_VT_BASE_URL",)


class UsageError(AsiError):
    """A command line that cannot run as given (exit code 2); the message says why."""


class CommandFailedError(AsiError):
    """The command ran but its work failed (exit code 1); the message says why."""


def exit_code_for(exc: BaseException) -> int | None:
    """The exit code for an exception a handler raised, ``None`` for one the shell leaves alone.

    Examples:
        >>> exit_code_for(UsageError("--since 3x")), exit_code_for(CommandFailedError("x"))
        (2, 1)
        >>> exit_code_for(BrokenPipeError()), exit_code_for(KeyboardInterrupt())
        (0, 130)
        >>> exit_code_for(ZeroDivisionError()) is None  # a bug: the traceback is the report
        True
    """
    if isinstance(exc, BrokenPipeError):  # `asisdk query ... | head`: the reader left
        return EXIT_OK
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(exc, (UsageError, *_USAGE_ERRORS)):
        return EXIT_USAGE
    if isinstance(exc, AsiError | OSError):
        return EXIT_FINDINGS_ERROR
    return None


def error_line(command: str | None, exc: BaseException | str) -> str:
    """The one line the shell prints for a failed command, with the advice the error carries.

    Examples:
        >>> error_line("query", UsageError("name a query (asisdk query --list shows them)"))
        'asisdk query: error: name a query (asisdk query --list shows them)'
    """
    prefix = f"asisdk {command}" if command else "asisdk"
    return f"{prefix}: error: {_message(exc)}"


def _message(exc: BaseException | str) -> str:
    message = " ".join(str(exc).split()) or type(exc).__name__
    advice = getattr(exc, "advice", None)
    if isinstance(advice, str) and advice and advice not in message:
        message = f"{message}; {advice}"
    return message


@contextlib.contextmanager
def _asi_errors_as(error: type[AsiError]) -> Iterator[None]:
    try:
        yield
    except error:
        raise
    except AsiError as exc:
        raise error(_message(exc)) from exc


def failures_exit_1() -> contextlib.AbstractContextManager[None]:
    """Inside, any ``AsiError`` (configuration ones included) is a failure: exit code 1.

    For commands whose documented contract is "on any failure ... exits 1" (``geo``).
    """
    return _asi_errors_as(CommandFailedError)


def failures_exit_2() -> contextlib.AbstractContextManager[None]:
    """Inside, any ``AsiError`` is a usage error: exit code 2.

    For inputs the command line names (``sigma list``/``scan``: rules or files that cannot
    be read), whatever the error's class.
    """
    return _asi_errors_as(UsageError)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    stream = file if file is not None else sys.stderr
    if stream is None:  # pythonw: no stderr at all
        return
    with contextlib.suppress(OSError):
        stream.write(f"asisdk: warning: {' '.join(str(message).split())}\n")


@contextlib.contextmanager
def cli_warnings() -> Iterator[None]:
    """While inside, warnings print as ``asisdk: warning: <message>`` (one line, no source).

    Only :func:`asisdk.cli.main` enters it; the previous hook comes back on the way out, so
    library callers and tests keep Python's normal warnings.
    """
    previous = warnings.showwarning
    warnings.showwarning = _show_warning
    try:
        yield
    finally:
        warnings.showwarning = previous


def run_handler(args: argparse.Namespace) -> int:
    """Run ``args.handler(args)``; map what it raises to an exit code and print one line.

    :func:`asisdk.cli.main` calls it for every sub-command (a stand-alone parser, such as the
    sigma pack's, can too). Warnings print through :func:`cli_warnings` meanwhile. A handler
    that prints its own message and returns a code keeps working; ``None`` means
    :data:`EXIT_OK`. An exception :func:`exit_code_for` does not know (a bug) propagates with
    its traceback.
    """
    command: str | None = getattr(args, "command", None)
    try:
        with cli_warnings():
            code: int | None = args.handler(args)
    except (Exception, KeyboardInterrupt) as exc:
        mapped = exit_code_for(exc)
        if mapped is None:
            raise
        if isinstance(exc, BrokenPipeError):  # the reader left (`| head`); nothing is wrong
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        elif not isinstance(exc, KeyboardInterrupt):
            print(error_line(command, exc), file=sys.stderr)
        return mapped
    return EXIT_OK if code is None else code


def run_parser(parser: argparse.ArgumentParser, arguments: Sequence[str]) -> int:
    """Parse ``arguments`` and run the handler they name with :func:`run_handler`.

    argparse's own exit (2 for a usage error, 0 for ``--help`` / ``--version``) becomes the
    return value; a command line that names no handler prints the help and returns 2.
    """
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    return run_handler(args)


def help_handler(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """A handler that prints ``parser``'s help on stderr and returns 2 (a command group named
    without one of its actions)."""

    def handler(_args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return EXIT_USAGE

    return handler


def parse_since(text: str) -> pd.Timedelta:
    """``"24h"``, ``"7d"``, ``"30m"``, ``"90s"``, ``"2w"`` as a ``pd.Timedelta``.

    Raises:
        UsageError: not a number followed by s, m, h, d or w.
    """
    match = _SINCE.match(text)
    if match is None:
        raise UsageError(f"--since {text!r}: give a number and a unit: 90s, 30m, 24h, 7d or 2w")
    import pandas as pd

    return pd.Timedelta(seconds=float(match.group(1)) * _SECONDS[match.group(2).lower()])


def query_since(args: argparse.Namespace) -> pd.Timedelta | None:
    """``--since`` of a command with :func:`add_query_options`, parsed (``None`` if not given)."""
    since: str | None = args.since
    return parse_since(since) if since else None


def add_query_options(
    parser: argparse.ArgumentParser,
    *,
    workspace_help: str = "run on this Log Analytics workspace",
    param_help: str | None = None,
    since_help: str = "time range: 30m, 24h, 7d ...",
) -> None:
    """Declare ``--workspace ID``, ``--param K=V`` (repeatable) and ``--since AGE``.

    Commands word the help for what the options mean to them; names, metavars and defaults
    are the same everywhere.
    """
    parser.add_argument("--workspace", metavar="ID", help=workspace_help)
    parser.add_argument("--param", action="append", default=[], metavar="K=V", help=param_help)
    parser.add_argument("--since", metavar="AGE", help=since_help)


def add_json_option(
    parser: argparse.ArgumentParser | argparse._MutuallyExclusiveGroup, help: str
) -> None:
    """Declare ``--json`` (a flag; ``help`` says what it prints)."""
    parser.add_argument("--json", action="store_true", help=help)


def lookup_row(result: Any) -> dict[str, object]:
    """The JSON fields every line of ``geo lookup --json`` and ``ipstack --json`` starts with."""
    return {
        "query": result.query,
        "status": result.status.value,
        "error": result.error,
        "ip_type": None if result.ip is None else result.ip.ip_type.value,
    }


def _service_settings(service: str, env_aliases: tuple[str, ...] = ()) -> dict[str, Any]:
    """A service client's ``config`` and, when one is set, its ``base_url``."""
    from asisdk.config import load_config, resolve_setting

    config = load_config()
    base_url = resolve_setting(f"{service}.base_url", env_aliases=env_aliases, config=config)
    return {"config": config, **({"base_url": base_url} if base_url else {})}


def _vt_settings() -> dict[str, Any]:
    from platformdirs import user_cache_dir

    from asisdk.cli import _defaults

    cache = Path(user_cache_dir("asisdk")) / _defaults.VT_CACHE_FILE
    cache.parent.mkdir(parents=True, exist_ok=True)
    return {"cache": cache, **_service_settings("virustotal", _VT_BASE_URL_ENV)}


def virustotal_client() -> VirusTotalClient:
    """The async VirusTotal client from settings: key and API root from :mod:`asisdk.config`
    (``ASISDK_VT_API_KEY`` / ``ASISDK_VT_BASE_URL`` or ``[virustotal]`` ``api_key`` /
    ``base_url``), the CLI's report cache in the user cache directory.

    Raises:
        ConfigurationError: no key is configured.
    """
    from asisdk.virustotal import VirusTotalClient

    return VirusTotalClient(**_vt_settings())


def blocking_virustotal_client() -> sync.VirusTotalClient:
    """:func:`virustotal_client` behind the blocking door :mod:`asisdk.sync`."""
    from asisdk import sync

    return sync.VirusTotalClient(**_vt_settings())


def blocking_ipstack_client(*, bulk: bool) -> sync.IPStackClient:
    """The blocking IPStack client from settings (``ASISDK_IPSTACK_API_KEY`` /
    ``ASISDK_IPSTACK_BASE_URL`` or ``[ipstack]`` ``api_key`` / ``base_url``).

    Raises:
        ConfigurationError: no key is configured.
    """
    from asisdk import sync

    return sync.IPStackClient(bulk=bulk, **_service_settings("ipstack"))


@contextlib.contextmanager
def workers_executor(workers: int | None, *, events: int = 0) -> Iterator[Executor | None]:
    """The executor for ``--workers``: inline for 1, a pool of N for N > 1.

    Without ``--workers``: inline below :data:`INLINE_BELOW_EVENTS` events (starting worker
    processes costs more than it saves there; see benchmarks/bench_triage.py), else ``None``
    (the library's shared pool, one worker per CPU).

    Raises:
        UsageError: ``workers`` below 1.
    """
    from asisdk.executors import InlineExecutor, process_pool

    if workers is None:
        yield InlineExecutor() if events < INLINE_BELOW_EVENTS else None
        return
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    if workers == 1:
        yield InlineExecutor()
        return
    pool = process_pool(workers)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class StageProgress:
    """One progress bar on stderr over the triage stages (tqdm), or plain lines without it."""

    def __init__(self, stages: list[str], *, enabled: bool, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._enabled = enabled
        self._bar: Any = None
        self._stages = stages
        if not enabled:
            return
        try:
            from tqdm import tqdm
        except ImportError:  # tqdm is a dependency; stay useful if someone removed it
            return
        self._bar = tqdm(
            total=len(stages),
            file=self._stream,
            unit="stage",
            bar_format="{desc:<28}{bar:20} {n_fmt}/{total_fmt} [{elapsed}]",
            leave=True,
        )

    def __call__(self, stage: str) -> None:
        """Mark ``stage`` as started (the previous one as done)."""
        if not self._enabled:
            return
        if self._bar is None:
            print(f"asisdk: {stage} ...", file=self._stream, flush=True)
            return
        if self._bar.desc:
            self._bar.update(1)
        self._bar.set_description_str(f"triage: {stage}")

    def close(self) -> None:
        """Finish the bar."""
        if self._bar is not None:
            self._bar.update(self._bar.total - self._bar.n)
            self._bar.set_description_str("triage: done")
            self._bar.close()
            self._bar = None
