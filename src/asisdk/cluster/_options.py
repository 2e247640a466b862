"""Option objects of the cluster package: frozen, checked once when built.

The pandas and the Dask functions take the same objects, so a bad value is refused with
the same message on both paths, before any work starts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

import attrs

from asisdk.cluster import _defaults
from asisdk.errors import InvalidArgumentError, InvalidInputError

__all__ = ["DbscanOptions", "PatternOptions", "ProcessColumns", "check_mining", "refuse_beside"]


def _check(test: Any, message: str) -> Any:
    """An attrs validator raising ``InvalidInputError(message)`` where ``test`` fails."""

    def validate(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not test(value):
            raise InvalidInputError(message.format(name=attribute.name, value=value))

    return validate


_AT_LEAST_ONE = _check(lambda v: v >= 1, "{name} must be at least 1, got {value}")


@attrs.frozen
class ProcessColumns:
    """Where process-creation events keep what the process features read.

    Attributes:
        process: the process image path column (Windows 4688 ``NewProcessName``).
        commandline: the command line column.
        logon_id: the logon id column (``None``, or absent from the frame: no row is a
            system session).
        path_separator: ``"\\\\"`` or ``"/"``; by default each path is cut at its last
            backslash or slash, so mixed Windows/Linux data works.

    Examples:
        >>> columns = ProcessColumns(process="Image", logon_id=None)
        >>> columns.process, columns.commandline
        ('Image', 'CommandLine')
    """

    process: str = _defaults.PROCESS_COLUMN
    commandline: str = _defaults.COMMANDLINE_COLUMN
    logon_id: str | None = _defaults.LOGON_ID_COLUMN
    path_separator: str | None = attrs.field(
        default=None,
        validator=_check(
            lambda v: v is None or len(v) == 1, "{name} must be one character, got {value!r}"
        ),
    )


def _features(value: str | Sequence[str]) -> str | tuple[str, ...]:
    if isinstance(value, str) and value != "process":
        raise InvalidInputError(
            f"features must be 'process' or a list of column names, got {value!r}"
        )
    if not isinstance(value, str) and not value:
        raise InvalidInputError("features is empty; name at least one feature column")
    return value if isinstance(value, str) else tuple(value)


@attrs.frozen
class DbscanOptions:
    """How ``cluster_events(df, method=DbscanOptions(...))`` clusters with DBSCAN.

    Attributes:
        features: ``"process"`` (``pathLogScore``, ``commandlineLogLen``,
            ``commandlineTokensFull``, ``isSystemSession``) or numeric feature columns
            (process feature names are computed when absent).
        max_distance: DBSCAN ``eps``: how close two events must be to be neighbours.
        min_samples: events (counting duplicates) needed to form a cluster.
        normalize: scale each feature vector to unit length first (as msticpy does).
        process_columns: the columns the process features read.

    Examples:
        >>> DbscanOptions(max_distance=0.05).feature_names[:2]
        ('pathLogScore', 'commandlineLogLen')
    """

    features: Literal["process"] | tuple[str, ...] = attrs.field(
        default="process", converter=_features
    )
    max_distance: float = attrs.field(
        default=_defaults.MAX_DISTANCE,
        validator=_check(lambda v: v > 0, "{name} must be greater than 0, got {value}"),
    )
    min_samples: int = attrs.field(default=_defaults.MIN_SAMPLES, validator=_AT_LEAST_ONE)
    normalize: bool = True
    process_columns: ProcessColumns = ProcessColumns()

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The feature columns clustered on."""
        return _defaults.PROCESS_CLUSTER_FEATURES if self.features == "process" else self.features


def check_mining(
    *, similarity: float | None, max_constants: int, max_line_chars: int, max_tokens: int
) -> None:
    """Refuse template-mining options out of range (:class:`InvalidInputError`)."""
    if min(max_constants, max_line_chars, max_tokens) < 1:
        raise InvalidInputError(
            "max_constants, max_line_chars and max_tokens must be at least 1, got "
            f"{max_constants}, {max_line_chars}, {max_tokens}"
        )
    if similarity is not None and not 0.0 <= similarity <= 1.0:
        raise InvalidInputError(f"similarity must be between 0 and 1 (or None), got {similarity}")


@attrs.frozen
class PatternOptions:
    """How ``cluster_events(df, method=PatternOptions(column=...))`` clusters by template.

    Attributes:
        column: the text column grouped by template (see :func:`group_patterns`).
        min_samples: lines a template group needs to be a cluster (smaller ones stay
            unclustered).
        masks: variable masks (default :data:`DEFAULT_MASKS`).
        similarity: template merging (see :func:`group_patterns`).
        max_constants: see :func:`group_patterns`.

    Examples:
        >>> PatternOptions(column="CommandLine", min_samples=3).min_samples
        3
    """

    column: str = attrs.field(
        validator=_check(
            lambda v: v is not None,
            "method='patterns' needs column= naming the text column (e.g. 'CommandLine')",
        )
    )
    min_samples: int = attrs.field(default=_defaults.MIN_SAMPLES, validator=_AT_LEAST_ONE)
    masks: Mapping[str, str | re.Pattern[str]] | None = None
    similarity: float | None = None
    max_constants: int = _defaults.MAX_CONSTANTS

    #: Longest line read; longer lines are cut (the bound on hostile input).
    MAX_LINE_CHARS: ClassVar[int] = _defaults.MAX_LINE_CHARS
    #: Most tokens of one line that take part in template mining.
    MAX_TOKENS: ClassVar[int] = _defaults.MAX_TOKENS

    def __attrs_post_init__(self) -> None:
        check_mining(
            similarity=self.similarity,
            max_constants=self.max_constants,
            max_line_chars=self.MAX_LINE_CHARS,
            max_tokens=self.MAX_TOKENS,
        )


def refuse_beside(
    options: object, shortcuts: Mapping[str, Any], defaults: Mapping[str, Any]
) -> None:
    """Raise :class:`InvalidArgumentError` for shortcut keywords given beside ``options``."""
    given = [name for name, value in shortcuts.items() if value != defaults[name]]
    if options is not None and given:
        raise InvalidArgumentError(
            f"pass {', '.join(given)} inside {type(options).__name__}(...), "
            "not as keywords beside it"
        )
