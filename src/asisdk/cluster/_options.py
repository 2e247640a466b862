"""Option objects of the cluster package: frozen, checked once when built.

The pandas and the Dask functions take the same objects, so a bad value is refused with
the same message on both paths, before any work starts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import attrs

from asisdk.cluster import _defaults
from asisdk.errors import InvalidArgumentError, InvalidInputError

__all__ = [
    "DbscanOptions",
    "PatternOptions",
    "ProcessColumns",
    "check_mining",
    "process_columns_of",
]


def _one_character(_: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and len(value) != 1:
        raise InvalidInputError(f"path_separator must be one character, got {value!r}")


@attrs.frozen
class ProcessColumns:
    """Where a frame of process-creation events keeps what the process features read.

    Attributes:
        process: the process image path column (Windows 4688 ``NewProcessName``).
        commandline: the command line column.
        logon_id: the logon id column (``None``, or absent from the frame: no row is a
            system session).
        path_separator: ``"\\\\"`` or ``"/"``; by default each path is cut at its last
            backslash or slash, whichever comes later, so mixed Windows/Linux data works.

    Raises:
        InvalidInputError: ``path_separator`` is not one character.

    Examples:
        >>> columns = ProcessColumns(process="Image", logon_id=None)
        >>> columns.process, columns.commandline
        ('Image', 'CommandLine')
    """

    process: str = _defaults.PROCESS_COLUMN
    commandline: str = _defaults.COMMANDLINE_COLUMN
    logon_id: str | None = _defaults.LOGON_ID_COLUMN
    path_separator: str | None = attrs.field(default=None, validator=_one_character)


def process_columns_of(
    given: ProcessColumns | None,
    *,
    process: str,
    commandline: str,
    logon_id: str | None,
    path_separator: str | None,
) -> ProcessColumns:
    """``given``, or the :class:`ProcessColumns` of the keyword shortcuts beside it.

    Raises:
        InvalidArgumentError: ``given`` and shortcut keywords that differ from the defaults.
    """
    built = ProcessColumns(process, commandline, logon_id, path_separator)
    if given is None:
        return built
    if built != ProcessColumns():
        raise InvalidArgumentError(
            "pass the process columns in process_columns=ProcessColumns(...) or as "
            "keywords, not both"
        )
    return given


def _positive(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not value > 0:
        raise InvalidInputError(f"{attribute.name} must be greater than 0, got {value}")


def _at_least_one(_: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if value < 1:
        raise InvalidInputError(f"{attribute.name} must be at least 1, got {value}")


def _features(value: str | Sequence[str]) -> str | tuple[str, ...]:
    if isinstance(value, str):
        if value != "process":
            raise InvalidInputError(
                f"features must be 'process' or a list of column names, got {value!r}"
            )
        return value
    names = tuple(value)
    if not names:
        raise InvalidInputError("features is empty; name at least one feature column")
    return names


@attrs.frozen
class DbscanOptions:
    """How ``cluster_events(df, method=DbscanOptions(...))`` clusters with DBSCAN.

    Attributes:
        features: ``"process"`` (the process features ``pathLogScore``,
            ``commandlineLogLen``, ``commandlineTokensFull``, ``isSystemSession``) or the
            numeric feature columns (process feature names are computed when absent).
        max_distance: DBSCAN ``eps``: how close two events must be to be neighbours.
        min_samples: events (counting duplicates) needed to form a cluster.
        normalize: scale each feature vector to unit length first (as msticpy does).
        process_columns: the columns the process features read.

    Raises:
        InvalidInputError: ``max_distance`` not above 0, ``min_samples`` below 1, or
            ``features`` neither ``"process"`` nor a non-empty list.

    Examples:
        >>> DbscanOptions(max_distance=0.05).feature_names[:2]
        ('pathLogScore', 'commandlineLogLen')
    """

    features: Literal["process"] | tuple[str, ...] = attrs.field(
        default="process", converter=_features
    )
    max_distance: float = attrs.field(default=_defaults.MAX_DISTANCE, validator=_positive)
    min_samples: int = attrs.field(default=_defaults.MIN_SAMPLES, validator=_at_least_one)
    normalize: bool = True
    process_columns: ProcessColumns = ProcessColumns()

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The feature columns clustered on."""
        if self.features == "process":
            return _defaults.PROCESS_CLUSTER_FEATURES
        return tuple(self.features)


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


def _text_column(_: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is None:
        raise InvalidInputError(
            "method='patterns' needs column= naming the text column (e.g. 'CommandLine')"
        )


@attrs.frozen
class PatternOptions:
    """How ``cluster_events(df, method=PatternOptions(...))`` clusters by template.

    Attributes:
        column: the text column grouped by template (see :func:`group_patterns`).
        min_samples: lines needed for a template group to be a cluster; smaller groups
            stay unclustered.
        masks: variable masks (default :data:`DEFAULT_MASKS`).
        similarity: template merging (see :func:`group_patterns`).
        max_constants: see :func:`group_patterns`.

    Raises:
        InvalidInputError: no ``column``, ``min_samples`` or ``max_constants`` below 1, or
            ``similarity`` outside 0-1.

    Examples:
        >>> PatternOptions(column="CommandLine", min_samples=3).min_samples
        3
    """

    column: str = attrs.field(validator=_text_column)
    min_samples: int = attrs.field(default=_defaults.MIN_SAMPLES, validator=_at_least_one)
    masks: Mapping[str, str | re.Pattern[str]] | None = None
    similarity: float | None = None
    max_constants: int = _defaults.MAX_CONSTANTS

    def __attrs_post_init__(self) -> None:
        check_mining(
            similarity=self.similarity,
            max_constants=self.max_constants,
            max_line_chars=_defaults.MAX_LINE_CHARS,
            max_tokens=_defaults.MAX_TOKENS,
        )
