"""The shell every sub-command runs in: one error line, exit codes, warnings, clients, pools."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from asisdk.cli import EXIT_FINDINGS_ERROR, EXIT_OK, EXIT_USAGE, main
from asisdk.cli._common import (
    EXIT_INTERRUPTED,
    CommandFailedError,
    UsageError,
    cli_warnings,
    error_line,
    exit_code_for,
    run_handler,
    workers_executor,
)
from asisdk.errors import ConfigurationError, ServerError
from asisdk.executors import process_pool


def _raising(exc: BaseException) -> argparse.Namespace:
    def handler(args: argparse.Namespace) -> int:
        raise exc

    return argparse.Namespace(command="demo", handler=handler)


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (UsageError("--since 3x: give a number and a unit"), EXIT_USAGE),
        (ConfigurationError("set ASISDK_VT_API_KEY"), EXIT_USAGE),
        (CommandFailedError("every lookup failed"), EXIT_FINDINGS_ERROR),
        (ServerError("VirusTotal answered 503"), EXIT_FINDINGS_ERROR),
        (PermissionError("report.html: permission denied"), EXIT_FINDINGS_ERROR),
    ],
)
def test_a_raised_error_is_one_line_and_its_exit_code(
    exc: BaseException, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_handler(_raising(exc)) == code
    captured = capsys.readouterr()
    assert captured.err == f"asisdk demo: error: {exc}\n"
    assert captured.out == ""


def test_interrupt_and_closed_pipe_exit_quietly(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_handler(_raising(KeyboardInterrupt())) == EXIT_INTERRUPTED == 130
    assert run_handler(_raising(BrokenPipeError())) == EXIT_OK
    assert capsys.readouterr().err == ""


def test_a_bug_keeps_its_traceback() -> None:
    with pytest.raises(ZeroDivisionError):
        run_handler(_raising(ZeroDivisionError()))
    assert exit_code_for(ZeroDivisionError()) is None


def test_a_handler_that_prints_and_returns_its_code_keeps_working(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def handler(args: argparse.Namespace) -> int:
        print("asisdk demo: failed: the old way")
        return EXIT_FINDINGS_ERROR

    assert run_handler(argparse.Namespace(command="demo", handler=handler)) == 1
    assert capsys.readouterr().out == "asisdk demo: failed: the old way\n"


def test_error_line_joins_lines_and_adds_the_advice() -> None:
    error = CommandFailedError("the pack\nis broken")
    error.advice = "run `asisdk sigma update`"  # type: ignore[attr-defined]
    assert error_line("sigma", error) == (
        "asisdk sigma: error: the pack is broken; run `asisdk sigma update`"
    )


@pytest.mark.parametrize(
    ("argv", "prefix"),
    [
        (["vt", "8.8.8.8"], "asisdk vt: error: "),
        (["ipstack", "8.8.8.8"], "asisdk ipstack: error: "),
        (["ioc", "x", "--types", "nonsense"], "asisdk ioc: error: "),
        (["query"], "asisdk query: error: "),
        (["query", "--since", "3x", "WindowsSecurity.list_host_logons"], "asisdk query: error: "),
        (["ti", "lookup", "8.8.8.8", "--providers", "nope", "--no-cache"], "asisdk ti: error: "),
    ],
)
def test_every_command_prints_the_same_error_format(
    argv: list[str], prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0].startswith(prefix)


@pytest.mark.filterwarnings("default::UserWarning")
def test_warnings_are_one_line_only_inside_the_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = warnings.showwarning
    with cli_warnings(), warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("the GeoIP database is 400\n days old", UserWarning, stacklevel=1)
    assert capsys.readouterr().err == "asisdk: warning: the GeoIP database is 400 days old\n"
    assert warnings.showwarning is before, "library users keep Python's warnings"
    assert main(["config-path"]) == EXIT_OK
    assert warnings.showwarning is before


def test_vt_settings_come_from_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from _support.loopback import LoopbackServer, VtApp, threaded_server

    with threaded_server(LoopbackServer(VtApp())) as server:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[virustotal]\napi_key = "file-vt-key"\nbase_url = "{server.base_url}/api/v3"\n',
            encoding="utf-8",
        )
        monkeypatch.setenv("ASISDK_CONFIG", str(config))
        assert main(["vt", "example.com", "--json"]) == EXIT_OK
        assert server.stats.api_keys == {"file-vt-key": 1}
    assert json.loads(capsys.readouterr().out)[0]["status"] == "found"


def test_worker_pools_come_from_the_library_factory() -> None:
    with workers_executor(2) as pool:
        assert isinstance(pool, ProcessPoolExecutor)
        assert pool.submit(os.getpid).result() != os.getpid()
        method = pool._mp_context.get_start_method()
    expected = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    assert method == expected
    with pytest.raises(ConfigurationError):
        process_pool(0)
    with pytest.raises(UsageError), workers_executor(0):
        pass
