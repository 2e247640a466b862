"""``ThreatIntel``: one lookup over many providers, each within its own quota, all concurrent."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from asisdk._closing import AsyncClosing
from asisdk.config import Config
from asisdk.errors import ConfigurationError
from asisdk.ti._cache import TiCache
from asisdk.ti._dispatch import dispatch, status_result
from asisdk.ti._model import TI_MERGED_COLUMNS, TiReport, TiReports, TiResult, TiStatus, merged_row
from asisdk.ti._observables import Observable, TiObservable, to_observable
from asisdk.ti._provider import Provider
from asisdk.ti._registry import available_providers, make_provider

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ThreatIntel"]


class ThreatIntel(AsyncClosing):
    """Look observables up in many threat-intelligence providers at once.

    Each distinct observable is asked once per provider that takes its type (a provider is
    never asked about a type it does not support, and private addresses are never sent);
    providers run concurrently, each paced under its own documented quota; answers come from
    the shared cache first. Failures are statuses on the results (``error``,
    ``quota_exhausted``, ...), never exceptions.

    Args:
        providers: provider instances or names (``"otx"``, ``"abuseipdb"``, ...; see
            :data:`asisdk.ti.PROVIDER_NAMES`); by default every provider that is available
            (keyless ones, and those whose key is configured).
        cache: a :class:`TiCache` or the path of its SQLite file; ``None`` for none.
        config: an already loaded configuration (for keys of providers given by name).
        refresh: never answer from the cache (answers are still stored).

    Raises:
        ConfigurationError: an unknown provider name, a named provider whose key is missing,
            or the same provider twice.

    Examples:
        >>> async def main() -> None:
        ...     async with ThreatIntel(["otx", "greynoise", "circl"], cache="ti.sqlite") as ti:
        ...         report = await ti.lookup("185.220.101.1")
        ...         print(report.verdict, [r.summary for r in report.results])
    """

    def __init__(
        self,
        providers: Iterable[Provider | str] | None = None,
        *,
        cache: TiCache | str | os.PathLike[str] | None = None,
        config: Config | None = None,
        refresh: bool = False,
    ) -> None:
        built: list[Provider] = []
        owned: list[Provider] = []
        if providers is None:
            built = owned = available_providers(config)
        else:
            for item in providers:
                if isinstance(item, Provider):
                    built.append(item)
                else:
                    provider = make_provider(item, config=config)
                    built.append(provider)
                    owned.append(provider)
        names = [p.name for p in built]
        if len(set(names)) != len(names):
            raise ConfigurationError(f"a provider is given twice: {names}")
        self.providers: tuple[Provider, ...] = tuple(built)
        self._owned = tuple(owned)
        self._owns_cache = cache is not None and not isinstance(cache, TiCache)
        self.cache: TiCache | None = (
            cache if isinstance(cache, TiCache) or cache is None else TiCache(cache)
        )
        self.refresh = refresh

    def __repr__(self) -> str:
        names = [p.name for p in self.providers]
        return f"ThreatIntel(providers={names!r}, cache={self.cache!r})"

    async def aclose(self) -> None:
        """Close the providers and the cache this object made. Idempotent."""
        for provider in self._owned:
            await provider.aclose()
        if self._owns_cache and self.cache is not None:
            await self.cache.aclose()

    # -- lookups ---------------------------------------------------------------------------

    async def lookup(self, observable: Observable, *, refresh: bool | None = None) -> TiReport:
        """Look one observable up in every provider that takes its type.

        Examples:
            >>> async def check(ti: ThreatIntel) -> None:
            ...     report = await ti.lookup("44d88612fea8a8f36de82e1278abb02f")
            ...     print(report.verdict, report.flagged_by)
        """
        return (await self.lookup_many([observable], refresh=refresh))[0]

    async def lookup_many(
        self, observables: Iterable[Observable], *, refresh: bool | None = None
    ) -> TiReports:
        """Look many observables up; one :class:`TiReport` per input, in input order.

        Args:
            observables: strings (IPs, domains, URLs, hashes; defanged spellings accepted)
                or ``IpAddress``, ``Dns``, ``Url``, ``File``, ``FileHash`` entities.
            refresh: bypass the cache for this call (default: the client's ``refresh``).

        Examples:
            >>> async def batch(ti: ThreatIntel) -> None:
            ...     reports = await ti.lookup_many(["8.8.8.8", "evil[.]example", "8.8.8.8"])
            ...     print(reports.to_frame()[["observable", "provider", "verdict"]])
        """
        parsed = [to_observable(value) for value in observables]
        bypass = self.refresh if refresh is None else refresh
        distinct: dict[str, TiObservable] = {}
        for observable in parsed:
            if observable.valid and not observable.private:
                distinct.setdefault(observable.key, observable)
        answered: dict[str, dict[str, TiResult]] = {}
        async with asyncio.TaskGroup() as group:
            for provider in self.providers:
                wanted = [o for o in distinct.values() if provider.supports(o)]
                answered[provider.name] = {}
                group.create_task(
                    self._run_provider(provider, wanted, answered[provider.name], bypass=bypass)
                )
        return TiReports(tuple(self._report(o, answered) for o in parsed))

    async def lookup_frame(
        self, df: pd.DataFrame, column: str, *, refresh: bool | None = None
    ) -> pd.DataFrame:
        """Look up ``df[column]``; return a copy of ``df`` with :data:`TI_MERGED_COLUMNS`.

        Args:
            df: the frame (not modified).
            column: the column of observables (strings or entities); empty cells are
                ``invalid``.
            refresh: bypass the cache for this call.

        Raises:
            InvalidInputError: ``column`` is not in ``df``.

        Examples:
            >>> async def enrich(ti: ThreatIntel, iocs: "pd.DataFrame") -> "pd.DataFrame":
            ...     return await ti.lookup_frame(iocs, "observable")
        """
        import pandas as pd

        from asisdk._geo_frame import column_values

        values: list[Any] = ["" if v is None else v for v in column_values(df, column)]
        reports = await self.lookup_many(values, refresh=refresh)
        rows = [merged_row(report) for report in reports]
        out = df.copy()
        for index, name in enumerate(TI_MERGED_COLUMNS):
            out[name] = pd.Series([row[index] for row in rows], index=df.index, dtype=object)
        return out.astype({"ti_severity": "int64", "ti_demote": "bool"})

    # -- internals -------------------------------------------------------------------------

    async def _run_provider(
        self,
        provider: Provider,
        wanted: Sequence[TiObservable],
        into: dict[str, TiResult],
        *,
        bypass: bool,
    ) -> None:
        todo = list(wanted)
        cache = self.cache
        if cache is not None and todo and not bypass:
            hits = await cache.get_many(provider.name, [(str(o.type), str(o.value)) for o in todo])
            for observable in todo:
                hit = hits.get((str(observable.type), str(observable.value)))
                if hit is not None:
                    into[observable.key] = hit
            todo = [o for o in todo if o.key not in into]
        store = cache.put if cache is not None else None
        into.update(await dispatch(provider, todo, on_result=store))
        if cache is not None:
            await cache.flush()  # everything paid for is on disk when the call returns

    def _report(
        self, observable: TiObservable, answered: dict[str, dict[str, TiResult]]
    ) -> TiReport:
        results = []
        for provider in self.providers:
            name = provider.name
            if not observable.valid:
                result = status_result(
                    observable, name, TiStatus.INVALID, observable.error or "invalid"
                )
            elif observable.private:
                result = status_result(
                    observable,
                    name,
                    TiStatus.UNSUPPORTED,
                    "not a public address: never sent to a provider",
                )
            elif not provider.supports(observable):
                result = status_result(
                    observable,
                    name,
                    TiStatus.UNSUPPORTED,
                    f"{name} does not look up {observable.type}",
                )
            else:
                result = answered[name][observable.key]
                if result.observable != observable.text:
                    result = attrs.evolve(result, observable=observable.text)
            results.append(result)
        return TiReport(
            observable=observable.text,
            type=observable.type,
            value=observable.value,
            results=tuple(results),
        )
