"""The ``asisdk`` command line (``asisdk --help``; also ``python -m asisdk``).

Sub-commands: ``triage`` (the main job), ``decode``, ``ioc``, ``vt``, ``geo``, ``query``,
``sample`` and ``config-path``. Exit codes: 0 ok, 1 the work failed (findings error),
2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from asisdk import __version__
from asisdk.cli._common import EXIT_FINDINGS_ERROR, EXIT_OK, EXIT_USAGE
from asisdk.cli._sample import add_sample_command as _add_sample_command
from asisdk.cli._tools import add_tool_commands as _add_tool_commands
from asisdk.cli._triage import add_triage_command as _add_triage_command

__all__ = ["EXIT_FINDINGS_ERROR", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

_GEO_ACTIONS = frozenset({"update", "lookup", "info", "-h", "--help"})


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="asisdk",
        description="Security investigation and threat hunting from the command line.",
    )
    parser.add_argument("--version", action="version", version=f"asisdk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_triage_command(commands)
    _add_tool_commands(commands)
    _add_sample_command(commands)
    config = commands.add_parser("config-path", help="print where the config file is read from")
    config.set_defaults(handler=_config_path)
    return parser


def _config_path(args: argparse.Namespace) -> int:
    from asisdk.config import config_path

    print(config_path())
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 findings error, 2 usage)."""
    parser = build_parser()
    arguments = list(sys.argv[1:] if argv is None else argv)
    if len(arguments) > 1 and arguments[0] == "geo" and arguments[1] not in _GEO_ACTIONS:
        arguments.insert(1, "lookup")  # `asisdk geo IP ...` is short for `asisdk geo lookup IP ...`
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 for --help / --version
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        code: int = args.handler(args)
    except BrokenPipeError:  # `asisdk query ... | head`: the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    return code
