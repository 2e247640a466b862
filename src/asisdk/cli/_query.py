"""Loading events with a named query: the local data source, or Log Analytics (``--workspace``).

Log Analytics credentials come from settings (arguments never carry secrets):

* ``ASISDK_LOGANALYTICS_TOKEN`` (or ``[loganalytics] token``): a bearer token you already have,
  e.g. from ``az account get-access-token --resource https://api.loganalytics.io``;
* else ``ASISDK_LOGANALYTICS_TENANT_ID``, ``..._CLIENT_ID`` and ``..._CLIENT_SECRET``: an app
  registration (client secret);
* else ``ASISDK_LOGANALYTICS_CLIENT_ID`` alone: device-code sign-in (the prompt goes to stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from asisdk.cli._common import UsageError, query_since
from asisdk.config import load_config, resolve_secret, resolve_setting
from asisdk.errors import ConfigurationError, QueryError

if TYPE_CHECKING:
    from asisdk.local import LocalDataSource

__all__ = ["QueryEvents", "parse_params", "query_args_events", "query_events"]

#: Without --since or a start parameter, a workspace query covers the last day ...
_WORKSPACE_DEFAULT_SPAN: Final = pd.Timedelta(days=1)
#: ... and a local query all of the local data.
_LOCAL_START: Final = pd.Timestamp("1970-01-01", tz="UTC")


def parse_params(items: Sequence[str]) -> dict[str, str]:
    """``["host=WS5", "account=bob"]`` as a dict.

    Raises:
        UsageError: an item without ``=``.
    """
    params: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param {item!r}: write it as NAME=VALUE")
        params[key.strip()] = value
    return params


def _credential() -> Any:
    from asisdk.loganalytics.auth import (
        ClientSecretCredential,
        DeviceCodeCredential,
        StaticTokenCredential,
    )

    config = load_config()
    token = resolve_secret("loganalytics.token", config=config, required=False)
    if token is not None:
        return StaticTokenCredential(token.get())
    client_id = resolve_setting("loganalytics.client_id", config=config)
    tenant_id = resolve_setting("loganalytics.tenant_id", config=config)
    secret = resolve_secret("loganalytics.client_secret", config=config, required=False)
    if client_id and tenant_id and secret is not None:
        return ClientSecretCredential(tenant_id, client_id, secret)
    if client_id:

        def prompt(message: str) -> None:
            print(message, file=sys.stderr, flush=True)

        if tenant_id:
            return DeviceCodeCredential(client_id, tenant_id=tenant_id, prompt=prompt)
        return DeviceCodeCredential(client_id, prompt=prompt)
    raise ConfigurationError(
        "no Log Analytics credentials: set ASISDK_LOGANALYTICS_TOKEN (a bearer token), or "
        "ASISDK_LOGANALYTICS_TENANT_ID, ASISDK_LOGANALYTICS_CLIENT_ID and "
        "ASISDK_LOGANALYTICS_CLIENT_SECRET (an app registration), or only "
        "ASISDK_LOGANALYTICS_CLIENT_ID for device-code sign-in; or the same keys under "
        "[loganalytics] in the config file"
    )


class QueryEvents:
    """The rows of a named query and where they came from."""

    def __init__(self, frame: pd.DataFrame, source: str, note: str | None) -> None:
        self.frame = frame
        self.source = source
        self.note = note


def _time_params(
    template: Any, params: dict[str, str], since: pd.Timedelta | None, workspace: bool
) -> dict[str, object]:
    declared = {p.name for p in template.parameters}
    values: dict[str, object] = dict(params)
    now = pd.Timestamp.now(tz="UTC")
    if "start" in declared and "start" not in values:
        if since is not None:
            start = now - since
        else:
            start = now - _WORKSPACE_DEFAULT_SPAN if workspace else _LOCAL_START
        values["start"] = start.to_pydatetime()
    if "end" in declared and "end" not in values:
        values["end"] = now.to_pydatetime()
    return values


def query_events(
    name: str,
    *,
    params: dict[str, str],
    workspace: str | None,
    since: pd.Timedelta | None,
) -> QueryEvents:
    """Run the named query ``name`` and return its rows.

    Raises:
        UsageError: an unknown query or parameter.
        ConfigurationError: Log Analytics credentials or workspace id are missing / invalid.
        QueryError: the query failed.
    """
    from asisdk.errors import QueryParameterError
    from asisdk.queries import QueryProvider

    async def run() -> QueryEvents:
        if workspace is None:
            source = _local_source()
            return await _run(QueryProvider(source), f"local data ({source.origin})")
        from asisdk.loganalytics import LogAnalyticsClient

        base_url = resolve_setting("loganalytics.base_url")
        extra: dict[str, Any] = {"base_url": base_url} if base_url else {}
        async with LogAnalyticsClient(workspace, credential=_credential(), **extra) as client:
            return await _run(QueryProvider(client), f"Log Analytics workspace {workspace}")

    async def _run(provider: Any, where: str) -> QueryEvents:
        try:
            template = provider.library.get(name)
            values = _time_params(template, params, since, workspace is not None)
            result = await provider.run(name, **values)
        except QueryParameterError as exc:
            raise UsageError(f"query {name}: {exc}") from exc
        except QueryError as exc:
            if name not in provider.library:
                raise UsageError(
                    f"no query named {name!r}; run `asisdk query --list` to see them"
                ) from exc
            raise
        status = str(result.status)
        if status == "failure":
            raise QueryError(f"query {name} on {where} failed: {result.error}")
        detail = str(result.error) if result.error else "; ".join(result.hints)
        note = f"partial result: {detail}" if status == "partial" else None
        return QueryEvents(result.to_frame(), f"query {name} on {where}", note)

    return asyncio.run(run())


def query_args_events(name: str, args: argparse.Namespace) -> QueryEvents:
    """:func:`query_events` with the options of :func:`~asisdk.cli._common.add_query_options`
    (``--param``, ``--workspace``, ``--since``) as the command line gave them.

    Raises:
        UsageError: a malformed ``--param`` or ``--since``, an unknown query or parameter.
        ConfigurationError: Log Analytics credentials or workspace id are missing / invalid.
        QueryError: the query failed.
    """
    return query_events(
        name, params=parse_params(args.param), workspace=args.workspace, since=query_since(args)
    )


def list_queries(workspace: str | None) -> list[str]:
    """Names of the queries the chosen source can run."""
    from asisdk.queries import QueryLibrary

    names = QueryLibrary.default().names()
    if workspace is not None:
        return names
    source = _local_source()
    return [n for n in names if source.supports(n)]


def _local_source() -> LocalDataSource:
    """The local data source ``local.data_path`` names, else the bundled sample."""
    from asisdk.local import LocalDataSource

    local = resolve_setting("local.data_path")
    return LocalDataSource(local) if local else LocalDataSource.sample()


def format_query_list(workspace: str | None) -> str:
    """``asisdk query --list``: every query the source can run with its one-line
    description, grouped under its family.

    Examples:
        >>> print(format_query_list("my-workspace").splitlines()[0])  # every query
        Azure
    """
    from asisdk.queries import QueryLibrary

    library = QueryLibrary.default()
    names = list_queries(workspace)
    width = max((len(n) for n in names), default=0)
    blocks: list[str] = []
    for family in library.families():
        members = [n for n in names if n.split(".", 1)[0] == family]
        if not members:
            continue
        rows = [family]
        for name in members:
            template = library.get(name)
            summary = template.description.strip().splitlines()
            also = f" (also {', '.join(template.aliases)})" if template.aliases else ""
            rows.append(f"  {name.ljust(width)}  {summary[0] if summary else ''}{also}".rstrip())
        blocks.append("\n".join(rows))
    return "\n\n".join(blocks)
