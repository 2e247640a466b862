from __future__ import annotations

import logging
import pickle
from pathlib import Path

import pytest

from asisdk.config import Secret, config_path, load_config, resolve_secret, resolve_setting
from asisdk.errors import ConfigurationError

KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[virustotal]\napi_key = "from-file"\n[geoip]\ndb_path = "/data/db.mmdb"\n')
    monkeypatch.setenv("ASISDK_CONFIG", str(path))
    for name in ("ASISDK_VT_API_KEY", "ASISDK_VIRUSTOTAL_API_KEY", "ASISDK_GEOIP_DB_PATH"):
        monkeypatch.delenv(name, raising=False)
    return path


def test_secret_never_shows_itself(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret(KEY)
    assert KEY not in repr(secret)
    assert KEY not in str(secret)
    assert KEY not in f"{secret}"
    assert KEY not in repr({"key": secret})
    logging.getLogger("asisdk.test").warning("key is %s", secret)
    assert KEY not in caplog.text
    assert secret.get() == KEY


def test_secret_masks_text_and_survives_pickle() -> None:
    secret = Secret(KEY)
    assert secret.mask(f"https://api/x?access_key={KEY}") == "https://api/x?access_key=***"
    clone = pickle.loads(pickle.dumps(secret))
    assert clone == secret
    assert clone.get() == KEY


def test_secret_is_immutable_and_non_empty() -> None:
    with pytest.raises(AttributeError):
        Secret(KEY)._value = "other"  # type: ignore[misc]
    with pytest.raises(ConfigurationError):
        Secret("")


def test_argument_beats_environment_beats_file(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert resolve_setting("virustotal.api_key") == "from-file"
    monkeypatch.setenv("ASISDK_VIRUSTOTAL_API_KEY", "from-env")
    assert resolve_setting("virustotal.api_key") == "from-env"
    monkeypatch.setenv("ASISDK_VT_API_KEY", "from-alias")
    assert resolve_setting("virustotal.api_key", env_aliases=["ASISDK_VT_API_KEY"]) == "from-alias"
    assert resolve_setting("virustotal.api_key", "from-arg") == "from-arg"


def test_missing_secret_names_every_place_it_looked(config_file: Path) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_secret("ipstack.api_key", env_aliases=["ASISDK_IPSTACK_API_KEY"])
    message = str(info.value)
    assert "ASISDK_IPSTACK_API_KEY" in message
    assert "[ipstack] api_key" in message
    assert str(config_file) in message
    assert resolve_secret("ipstack.api_key", required=False) is None


def test_resolved_secret_is_wrapped(config_file: Path) -> None:
    secret = resolve_secret("virustotal.api_key")
    assert isinstance(secret, Secret)
    assert secret.get() == "from-file"


def test_config_get_walks_tables(config_file: Path) -> None:
    config = load_config()
    assert config.path == config_file
    assert config.get("geoip.db_path") == "/data/db.mmdb"
    assert config.get("geoip.missing") is None
    assert config.get("nothing.here") is None
    assert config_path() == config_file


def test_invalid_toml_is_a_configuration_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[virustotal\napi_key = 1")
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_config(bad)


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_config(tmp_path / "absent.toml")


def test_default_location_may_be_absent(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ASISDK_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert load_config().path is None


@pytest.mark.parametrize(
    "content",
    [
        '[virustotal]\napi_key = "cl\xe9"\n'.encode("latin-1"),
        '[virustotal]\napi_key = "k"\n'.encode("utf-16"),
    ],
    ids=["latin-1", "utf-16"],
)
def test_non_utf8_file_is_a_configuration_error_with_advice(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "latin.toml"
    bad.write_bytes(content)
    with pytest.raises(ConfigurationError, match="not UTF-8") as caught:
        load_config(bad)
    assert "re-save it as UTF-8" in str(caught.value)
    assert isinstance(caught.value.__cause__, UnicodeDecodeError)


@pytest.mark.parametrize(
    ("toml", "kind"),
    [
        ('[virustotal.api_key]\nvalue = "k"\n', "a table"),
        ('[virustotal]\napi_key = { value = "k" }\n', "a table"),
        ('[virustotal]\napi_key = ["k1", "k2"]\n', "an array"),
    ],
)
def test_table_or_array_value_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, toml: str, kind: str
) -> None:
    monkeypatch.delenv("ASISDK_VIRUSTOTAL_API_KEY", raising=False)
    file = tmp_path / "config.toml"
    file.write_text(toml, encoding="utf-8")
    config = load_config(file)
    with pytest.raises(ConfigurationError, match=f"virustotal.api_key in .* is {kind}"):
        resolve_setting("virustotal.api_key", config=config)
    with pytest.raises(ConfigurationError, match=kind):
        resolve_secret("virustotal.api_key", config=config)
