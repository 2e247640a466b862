"""The ``asisdk`` command line (``asisdk --help``; also ``python -m asisdk``).

Sub-commands: ``triage`` (the main job), ``decode``, ``ioc``, ``vt``, ``geo``, ``query``,
``ti``, ``sample`` and ``config-path``. Exit codes: 0 ok, 1 the work failed (findings error),
2 usage error, 130 interrupted. A failure prints one line on stderr,
``asisdk <command>: error: <message>``, and a warning ``asisdk: warning: <message>``; how a
sub-command plugs into this shell is described in :mod:`asisdk.cli._common`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Final

from asisdk import __version__
from asisdk.cli._common import EXIT_FINDINGS_ERROR, EXIT_OK, EXIT_USAGE

__all__ = ["EXIT_FINDINGS_ERROR", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

_GEO_ACTIONS = frozenset({"update", "lookup", "info", "-h", "--help"})


#: Every sub-command with its one-line help, in ``--help`` order. The sub-command modules
#: import pandas, the pipeline and the HTTP stack; :func:`main` imports them only when a
#: sub-command is given, so ``asisdk --help`` and ``--version`` stay fast. The help lines
#: must equal the ones the modules register (tests/test_imports.py compares both parsers).
_COMMAND_HELP: Final = {
    "triage": "investigate a batch of events end to end and write report.html",
    "decode": "decode base64 / hex / char codes / archives in a text, recursively",
    "ioc": "extract indicators (IPs, URLs, domains, hashes ...)",
    "vt": "look observables up on VirusTotal (needs a key)",
    "geo": "local GeoIP database: update, lookup, info",
    "ipstack": "locate IP addresses with the IPStack API (needs a key)",
    "query": "run a named query (local data by default, --workspace for Log Analytics)",
    "ti": "look observables up in threat-intelligence providers (OTX, AbuseIPDB, ...)",
    "sample": "parse the bundled sample alerts and events and print their entities",
    "sigma": "Sigma detection rules: scan event files, list, kql, update the rule pack",
    "config-path": "print where the config file is read from",
}


def _top_parser() -> tuple[
    argparse.ArgumentParser, argparse._SubParsersAction[argparse.ArgumentParser]
]:
    parser = argparse.ArgumentParser(
        prog="asisdk",
        description="Security investigation and threat hunting from the command line.",
    )
    parser.add_argument("--version", action="version", version=f"asisdk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser, commands


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every sub-command.

    This imports every sub-command module (pandas included); :func:`main` only does so when
    the command line names a sub-command.

    Example:
        >>> build_parser().parse_args(["config-path"]).command
        'config-path'
    """
    from asisdk.cli._sample import add_sample_command
    from asisdk.cli._ti import add_ti_command
    from asisdk.cli._tools import add_tool_commands
    from asisdk.cli._triage import add_triage_command

    parser, commands = _top_parser()
    add_triage_command(commands)
    add_tool_commands(commands)
    add_ti_command(commands)
    add_sample_command(commands)
    from asisdk.cli._sigma import add_sigma_command
    from asisdk.cli._sigma_pack import add_sigma_pack_commands

    add_sigma_pack_commands(add_sigma_command(commands))  # scan, list + kql, update
    config = commands.add_parser("config-path", help=_COMMAND_HELP["config-path"])
    config.set_defaults(handler=_config_path)
    return parser


def _help_parser() -> argparse.ArgumentParser:
    """The top-level parser with placeholder sub-commands: same ``--help``, no heavy imports."""
    parser, commands = _top_parser()
    for name, help_text in _COMMAND_HELP.items():
        commands.add_parser(name, help=help_text)
    return parser


def _names_command(arguments: Sequence[str]) -> bool:
    """Whether the command line may name a sub-command (only then are the modules needed).

    Any argument equal to a command name counts: a false positive only costs the imports.
    """
    return any(argument in _COMMAND_HELP for argument in arguments)


def _config_path(args: argparse.Namespace) -> int:
    from asisdk.config import config_path

    print(config_path())
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 findings error, 2 usage, 130
    interrupted). The handler runs in :func:`~asisdk.cli._common.run_handler`."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser() if _names_command(arguments) else _help_parser()
    if len(arguments) > 1 and arguments[0] == "geo" and arguments[1] not in _GEO_ACTIONS:
        arguments.insert(1, "lookup")  # `asisdk geo IP ...` is short for `asisdk geo lookup IP ...`
    from asisdk.cli._common import run_parser

    return run_parser(parser, arguments)
