"""The typed results of a threat-intelligence lookup (pure: no I/O).

One :class:`TiResult` per (observable, provider), one :class:`TiReport` per observable (the
merged view: the worst verdict and who said what), and :class:`TiReports` for a batch, which
turns into a DataFrame with stable columns.
"""

from __future__ import annotations

import enum
import html
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, overload

import attrs

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEMOTING_VERDICTS",
    "TI_COLUMNS",
    "TI_MERGED_COLUMNS",
    "TiReport",
    "TiReports",
    "TiResult",
    "TiStatus",
    "Verdict",
]


class TiStatus(enum.StrEnum):
    """What happened when one provider was asked about one observable."""

    #: The provider knows the observable (its verdict may still be ``unknown``).
    FOUND = "found"
    #: The provider answered that it knows nothing about it.
    NOT_FOUND = "not_found"
    #: The provider does not take this type (or the value is a private address): not sent.
    UNSUPPORTED = "unsupported"
    #: The value is not a valid indicator, or the provider refused it as invalid.
    INVALID = "invalid"
    #: The lookup failed after retries (network, server errors, a refused key).
    ERROR = "error"
    #: The provider's quota ran out before this value could be asked.
    QUOTA_EXHAUSTED = "quota_exhausted"


class Verdict(enum.StrEnum):
    """A provider's answer normalised to one scale, worst first in :attr:`rank`."""

    MALICIOUS = "malicious"
    SUSPICIOUS = "suspicious"
    BENIGN = "benign"
    KNOWN_GOOD = "known_good"
    UNKNOWN = "unknown"

    @property
    def rank(self) -> int:
        """Higher is worse; ``unknown`` (no opinion) is below every opinion.

        Examples:
            >>> Verdict.MALICIOUS.rank > Verdict.BENIGN.rank > Verdict.KNOWN_GOOD.rank
            True
        """
        return _RANKS[self]


_RANKS: Final = {
    Verdict.UNKNOWN: 0,
    Verdict.KNOWN_GOOD: 1,
    Verdict.BENIGN: 2,
    Verdict.SUSPICIOUS: 3,
    Verdict.MALICIOUS: 4,
}
#: Verdicts that demote an indicator in a triage (noise: known files, benign scanners).
DEMOTING_VERDICTS: Final = frozenset({Verdict.KNOWN_GOOD, Verdict.BENIGN})
_COLOURS: Final = {
    Verdict.MALICIOUS: "#c62828",
    Verdict.SUSPICIOUS: "#ef6c00",
    Verdict.BENIGN: "#2e7d32",
    Verdict.KNOWN_GOOD: "#1565c0",
    Verdict.UNKNOWN: "#616161",
}

#: Columns of :meth:`TiReports.to_frame`: one row per (observable, provider).
TI_COLUMNS: Final[tuple[str, ...]] = (
    "observable",
    "type",
    "value",
    "provider",
    "status",
    "verdict",
    "severity",
    "reasons",
    "permalink",
    "error",
    "cached",
)
#: Columns of :meth:`TiReports.merged_frame` (and added by ``lookup_frame``): one row per
#: observable.
TI_MERGED_COLUMNS: Final[tuple[str, ...]] = (
    "ti_type",
    "ti_verdict",
    "ti_severity",
    "ti_demote",
    "ti_flagged_by",
    "ti_cleared_by",
    "ti_found_by",
    "ti_reasons",
    "ti_errors",
)


@attrs.frozen(kw_only=True)
class TiResult:
    """What one provider said about one observable.

    Attributes:
        observable: the value as given (an entity's value for entity inputs).
        type: the IoC type (``ipv4``, ``ipv6``, ``dns``, ``url``, ``md5``, ``sha1``,
            ``sha256``, ...), ``None`` when it could not be told.
        value: the normalised value sent (``None`` when invalid).
        provider: the provider's name (``otx``, ``abuseipdb``, ...).
        status: what happened.
        verdict: the normalised verdict (``unknown`` unless ``found``).
        severity: 0 (harmless or no opinion) to 100 (certainly malicious).
        reasons: the provider's own reasons: detections, tags, pulses, abuse confidence,
            classification.
        raw: the provider's answer as decoded JSON (excluded from equality).
        permalink: the provider's web page about the observable, when it has one.
        error: why the status is not ``found`` / ``not_found``.
        cached: answered from the cache, without a request.

    Examples:
        >>> TiResult(observable="8.8.8.8", type="ipv4", value="8.8.8.8", provider="tor",
        ...          status=TiStatus.NOT_FOUND).verdict
        <Verdict.UNKNOWN: 'unknown'>
    """

    observable: str
    type: str | None
    value: str | None
    provider: str
    status: TiStatus
    verdict: Verdict = Verdict.UNKNOWN
    severity: int = 0
    reasons: tuple[str, ...] = ()
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)
    permalink: str | None = None
    error: str | None = None
    cached: bool = attrs.field(default=False, eq=False)

    @property
    def summary(self) -> str:
        """``provider: verdict (reasons)`` or ``provider: status (error)``."""
        if self.status is TiStatus.FOUND:
            why = "; ".join(self.reasons)
            return f"{self.provider}: {self.verdict.value}" + (f" ({why})" if why else "")
        return f"{self.provider}: {self.status.value}" + (f" ({self.error})" if self.error else "")

    def _repr_html_(self) -> str:
        return _table([self], title=html.escape(self.observable))


@attrs.frozen(kw_only=True)
class TiReport:
    """The merged view of one observable: every provider's result and the worst verdict.

    Attributes:
        observable: the value as given.
        type: its IoC type (``None`` when it could not be told).
        value: the normalised value.
        results: one result per provider asked, in provider order.

    Examples:
        >>> bad = TiResult(observable="x.example", type="dns", value="x.example",
        ...                provider="otx", status=TiStatus.FOUND,
        ...                verdict=Verdict.SUSPICIOUS, severity=35)
        >>> report = TiReport(observable="x.example", type="dns", value="x.example",
        ...                   results=(bad,))
        >>> report.verdict, report.severity, report.flagged_by
        (<Verdict.SUSPICIOUS: 'suspicious'>, 35, ('otx',))
    """

    observable: str
    type: str | None
    value: str | None
    results: tuple[TiResult, ...] = ()

    @property
    def found(self) -> tuple[TiResult, ...]:
        """The results whose provider knew the observable."""
        return tuple(r for r in self.results if r.status is TiStatus.FOUND)

    @property
    def verdict(self) -> Verdict:
        """The worst verdict among the providers that knew the observable."""
        return max((r.verdict for r in self.found), key=lambda v: v.rank, default=Verdict.UNKNOWN)

    @property
    def severity(self) -> int:
        """The highest severity among the results with the worst verdict."""
        worst = self.verdict
        return max((r.severity for r in self.found if r.verdict is worst), default=0)

    @property
    def flagged_by(self) -> tuple[str, ...]:
        """Providers calling it malicious or suspicious."""
        bad = (Verdict.MALICIOUS, Verdict.SUSPICIOUS)
        return tuple(r.provider for r in self.found if r.verdict in bad)

    @property
    def cleared_by(self) -> tuple[str, ...]:
        """Providers calling it benign or known good."""
        return tuple(r.provider for r in self.found if r.verdict in DEMOTING_VERDICTS)

    @property
    def demote(self) -> bool:
        """Whether a triage should demote it: cleared (known good, a benign scanner or
        business service) by a provider, and flagged by none."""
        return bool(self.cleared_by) and not self.flagged_by

    def result(self, provider: str) -> TiResult | None:
        """The result of one provider, or ``None`` when it was not asked."""
        return next((r for r in self.results if r.provider == provider), None)

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.verdict]
        title = (
            f"{html.escape(self.observable)} ({html.escape(str(self.type or 'unknown'))}): "
            f'<b style="color:{colour}">{self.verdict.value}</b> severity {self.severity}'
        )
        return _table(list(self.results), title=title)


def _table(results: Sequence[TiResult], *, title: str) -> str:
    cell = 'style="text-align:left"'
    head = "".join(
        f"<th {cell}>{name}</th>"
        for name in ("provider", "status", "verdict", "severity", "reasons", "link")
    )
    rows = []
    for r in results:
        colour = _COLOURS[r.verdict]
        link = (
            f'<a href="{html.escape(r.permalink, quote=True)}" target="_blank" '
            'rel="noopener">open</a>'
            if r.permalink
            else ""
        )
        why = "; ".join(r.reasons) or (r.error or "")
        rows.append(
            f"<tr><td {cell}>{html.escape(r.provider)}</td><td {cell}>{r.status.value}</td>"
            f'<td {cell}><b style="color:{colour}">{r.verdict.value}</b></td>'
            f"<td {cell}>{r.severity}</td><td {cell}>{html.escape(why)}</td>"
            f"<td {cell}>{link}</td></tr>"
        )
    return (
        f'<table class="asisdk-ti"><caption {cell}>{title}</caption><tr>{head}</tr>'
        + "".join(rows)
        + "</table>"
    )


@attrs.frozen
class TiReports(Sequence[TiReport]):
    """The reports of a batch, in input order (a sequence of :class:`TiReport`).

    Examples:
        >>> TiReports(()).to_frame().columns.tolist() == list(TI_COLUMNS)
        True
    """

    reports: tuple[TiReport, ...]

    @overload
    def __getitem__(self, index: int) -> TiReport: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[TiReport]: ...
    def __getitem__(self, index: int | slice) -> TiReport | Sequence[TiReport]:
        return self.reports[index]

    def __len__(self) -> int:
        return len(self.reports)

    def __iter__(self) -> Iterator[TiReport]:
        return iter(self.reports)

    def to_frame(self) -> pd.DataFrame:
        """One row per (observable, provider), columns :data:`TI_COLUMNS`.

        ``reasons`` is a ``"; "``-joined string; ``severity`` an integer.
        """
        import pandas as pd

        rows = [
            (
                r.observable,
                r.type,
                r.value,
                r.provider,
                r.status.value,
                r.verdict.value,
                r.severity,
                "; ".join(r.reasons),
                r.permalink,
                r.error,
                r.cached,
            )
            for report in self.reports
            for r in report.results
        ]
        frame = pd.DataFrame(rows, columns=list(TI_COLUMNS))
        return frame.astype({"severity": "int64", "cached": "bool"})

    def merged_frame(self) -> pd.DataFrame:
        """One row per input, ``observable`` then :data:`TI_MERGED_COLUMNS`."""
        import pandas as pd

        rows = [merged_row(report) for report in self.reports]
        frame = pd.DataFrame(
            [(report.observable, *row) for report, row in zip(self.reports, rows, strict=True)],
            columns=["observable", *TI_MERGED_COLUMNS],
        )
        return frame.astype({"ti_severity": "int64", "ti_demote": "bool"})

    def _repr_html_(self) -> str:
        cell = 'style="text-align:left"'
        head = "".join(
            f"<th {cell}>{name}</th>"
            for name in ("observable", "type", "verdict", "severity", "flagged by", "cleared by")
        )
        rows = []
        for report in self.reports:
            colour = _COLOURS[report.verdict]
            rows.append(
                f"<tr><td {cell}>{html.escape(report.observable)}</td>"
                f"<td {cell}>{html.escape(str(report.type or ''))}</td>"
                f'<td {cell}><b style="color:{colour}">{report.verdict.value}</b></td>'
                f"<td {cell}>{report.severity}</td>"
                f"<td {cell}>{html.escape(', '.join(report.flagged_by))}</td>"
                f"<td {cell}>{html.escape(', '.join(report.cleared_by))}</td></tr>"
            )
        return f'<table class="asisdk-ti"><tr>{head}</tr>{"".join(rows)}</table>'


def merged_row(report: TiReport) -> tuple[object, ...]:
    """The :data:`TI_MERGED_COLUMNS` values of one report."""
    errors = [r.summary for r in report.results if r.status in _FAILED]
    return (
        report.type,
        report.verdict.value,
        report.severity,
        report.demote,
        ",".join(report.flagged_by),
        ",".join(report.cleared_by),
        ",".join(r.provider for r in report.found),
        " | ".join(r.summary for r in report.found),
        " | ".join(errors) or None,
    )


_FAILED: Final = frozenset({TiStatus.ERROR, TiStatus.QUOTA_EXHAUSTED, TiStatus.INVALID})
