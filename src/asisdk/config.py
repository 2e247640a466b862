"""Settings: explicit arguments, then ``ASISDK_*`` environment variables, then a TOML file.

The configuration file is found at ``$ASISDK_CONFIG`` or, by default, ``config.toml`` in the
user config directory (``asisdk config-path`` prints it). It is plain TOML with one table per
service::

    [virustotal]
    api_key = "..."

    [ipstack]
    api_key = "..."

    [geoip]
    db_path = "/data/GeoLite2-City.mmdb"

A setting ``virustotal.api_key`` is read from the argument a caller passed, then from the
environment variable ``ASISDK_VIRUSTOTAL_API_KEY`` (or an alias the service documents, such as
``ASISDK_VT_API_KEY``), then from the file. Secrets are wrapped in :class:`Secret`, whose
``repr`` and ``str`` never show the value.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

import attrs
import platformdirs

from asisdk import _defaults
from asisdk.errors import ConfigurationError

__all__ = [
    "Config",
    "Secret",
    "config_path",
    "load_config",
    "resolve_secret",
    "resolve_setting",
]

_MASK: Final = _defaults.SECRET_MASK


class Secret:
    """A secret value (API key, client secret, token) that never shows itself.

    ``repr()``, ``str()`` and f-strings print ``Secret('***')``; use :meth:`get` only where the
    value must travel (an HTTP header).

    Examples:
        >>> key = Secret("0123456789abcdef")
        >>> key
        Secret('***')
        >>> key.get()
        '0123456789abcdef'
    """

    __slots__ = ("_value",)
    _value: str

    def __init__(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise ConfigurationError("a Secret needs a non-empty string value")
        object.__setattr__(self, "_value", value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Secret is immutable")

    def get(self) -> str:
        """Return the secret value itself."""
        return self._value

    def mask(self, text: str) -> str:
        """Return ``text`` with every occurrence of the secret replaced by ``***``."""
        return text.replace(self._value, _MASK)

    def __repr__(self) -> str:
        return f"Secret({_MASK!r})"

    def __str__(self) -> str:
        return _MASK

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return self._value == other._value

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self) -> tuple[type[Secret], tuple[str]]:
        return (Secret, (self._value,))


def config_path() -> Path:
    """Return where the configuration file is read from (it need not exist)."""
    explicit = os.environ.get(_defaults.CONFIG_ENV_VAR)
    if explicit:
        return Path(explicit).expanduser()
    return Path(platformdirs.user_config_dir(_defaults.APP_NAME)) / _defaults.CONFIG_FILE_NAME


@attrs.frozen
class Config:
    """The parsed configuration file: ``{table: {key: value}}``.

    Attributes:
        path: the file it came from, or ``None`` when no file was found.
        data: the parsed TOML document.
    """

    path: Path | None = None
    data: Mapping[str, object] = attrs.field(factory=dict, repr=False)

    def get(self, dotted_key: str) -> object | None:
        """Return the value at ``"table.key"`` (any depth), or ``None`` when it is not set."""
        node: object = self.data
        for part in dotted_key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return node


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read the TOML configuration file.

    Args:
        path: the file to read; by default :func:`config_path`.

    Returns:
        The parsed configuration; an empty :class:`Config` when the default file does not
        exist. An explicitly named file that does not exist is an error.

    Raises:
        ConfigurationError: the file is missing (when named explicitly), not UTF-8 or not valid
            TOML.
    """
    explicit = path is not None or bool(os.environ.get(_defaults.CONFIG_ENV_VAR))
    file = Path(path).expanduser() if path is not None else config_path()
    if not file.is_file():
        if explicit:
            raise ConfigurationError(
                f"configuration file {file} does not exist; create it or unset "
                f"{_defaults.CONFIG_ENV_VAR}"
            )
        return Config()
    try:
        with file.open("rb") as handle:
            data = tomllib.load(handle)
    except UnicodeDecodeError as exc:
        raise ConfigurationError(
            f"configuration file {file} is not UTF-8 text (byte {exc.start}: {exc.reason}); "
            "TOML files must be UTF-8: re-save it as UTF-8 (without a UTF-16 byte order mark), "
            f"e.g. `iconv -f LATIN1 -t UTF-8 {file}`"
        ) from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"cannot read configuration file {file}: {exc}") from exc
    return Config(path=file, data=data)


def _env_names(dotted_key: str, aliases: Sequence[str]) -> list[str]:
    canonical = _defaults.ENV_PREFIX + dotted_key.replace(".", "_").upper()
    return [*aliases, canonical] if canonical not in aliases else list(aliases)


def resolve_setting(
    dotted_key: str,
    value: str | None = None,
    *,
    env_aliases: Sequence[str] = (),
    config: Config | None = None,
) -> str | None:
    """Find a setting: the explicit ``value``, then the environment, then the config file.

    Args:
        dotted_key: the setting's name in the config file, e.g. ``"geoip.db_path"``; its
            environment variable is ``ASISDK_`` plus the key upper-cased with ``_`` for ``.``.
        value: what the caller passed explicitly (wins when not ``None``).
        env_aliases: environment variable names tried before the canonical one.
        config: an already loaded configuration; by default the file is read.

    Returns:
        The value, or ``None`` when it is set nowhere.

    Raises:
        ConfigurationError: the config file holds a table or an array at ``dotted_key``.

    Examples:
        >>> resolve_setting("geoip.db_path", config=Config(data={"geoip": {"db_path": "/x"}}))
        '/x'
    """
    if value is not None:
        return value
    for name in _env_names(dotted_key, env_aliases):
        found = os.environ.get(name)
        if found:
            return found
    cfg = config if config is not None else load_config()
    found_cfg = cfg.get(dotted_key)
    if found_cfg is None:
        return None
    if isinstance(found_cfg, Mapping | list):
        table, _, key = dotted_key.rpartition(".")
        kind = "a table" if isinstance(found_cfg, Mapping) else "an array"
        raise ConfigurationError(
            f"{dotted_key} in {cfg.path or 'the configuration'} is {kind}, not a single value; "
            f'write it as `{key} = "..."`' + (f" under [{table}]" if table else "")
        )
    return str(found_cfg)


def resolve_secret(
    dotted_key: str,
    value: str | Secret | None = None,
    *,
    env_aliases: Sequence[str] = (),
    config: Config | None = None,
    required: bool = True,
) -> Secret | None:
    """Like :func:`resolve_setting`, for secrets: returns a :class:`Secret`.

    Raises:
        ConfigurationError: ``required`` and the secret is set nowhere; the message names the
            argument, the environment variables and the config key that were consulted.
    """
    if isinstance(value, Secret):
        return value
    found = resolve_setting(dotted_key, value, env_aliases=env_aliases, config=config)
    if found:
        return Secret(found)
    if not required:
        return None
    names = " or ".join(_env_names(dotted_key, env_aliases))
    raise ConfigurationError(
        f"no value for {dotted_key}: pass it as an argument, set {names}, or add it to "
        f"{config_path()} as [{dotted_key.rsplit('.', 1)[0]}] {dotted_key.rsplit('.', 1)[-1]}"
    )
