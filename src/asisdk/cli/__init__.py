"""The ``asisdk`` command line (``asisdk --help``; also ``python -m asisdk``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from asisdk import __version__
from asisdk.cli._sample import add_sample_command as _add_sample_command
from asisdk.geo._cli import add_geo_command as _add_geo_command

__all__ = ["EXIT_FINDINGS_ERROR", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

EXIT_OK = 0
EXIT_FINDINGS_ERROR = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="asisdk",
        description="Security investigation and threat hunting from the command line.",
    )
    parser.add_argument("--version", action="version", version=f"asisdk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_sample_command(commands)
    _add_geo_command(commands)
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
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 for --help / --version
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    code: int = args.handler(args)
    return code
