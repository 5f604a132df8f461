"""One settings object.

Precedence, highest first: values passed in (CLI flags) → ``GROUNDED_*`` environment
variables → the config file → defaults. Every setting is listed in docs/configuration.md
(a test keeps that page complete). Plain pydantic, no settings framework: it is read on
every command, and start-up time is the CLI's latency.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grounded.core.validation import plain_message
from grounded.errors import InvalidInput

APP_NAME = "grounded"
CONFIG_ENV = "GROUNDED_CONFIG"
#: Settings a user may persist with ``grounded workspace use`` or by editing the file.
PERSISTED_KEYS = ("workspace", "database_url", "user", "data_dir")


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_model_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)) / "models"


def config_path() -> Path:
    """Where the config file lives: ``$GROUNDED_CONFIG`` or the per-user config directory."""
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


class Settings(BaseModel):
    """What grounded needs to know to run."""

    model_config = ConfigDict(extra="ignore")

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Directory for the default SQLite database and the event store.",
    )
    model_dir: Path = Field(
        default_factory=default_model_dir,
        description="Where embedding models built from their installed packages are kept (a cache: safe to delete).",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the workspace database; default: a SQLite file in the data directory.",
    )
    workspace: str | None = Field(
        default=None,
        description="Slug of the current workspace; optional when the database holds only one.",
    )
    user: str | None = Field(
        default=None,
        description="E-mail or handle recorded as the actor of changes; default: the operating-system login name.",
    )
    host: str = Field(default="127.0.0.1", description="Where `grounded serve` and `grounded demo` listen.")
    port: int = Field(default=8000, ge=1, le=65535, description="The port `grounded serve` and `grounded demo` use.")

    @property
    def database(self) -> str:
        """The effective database URL."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir.expanduser() / 'grounded.db'}"

    def workspace_dir(self, slug: str) -> Path:
        """Per-workspace files (the event store, exports) live here."""
        return self.data_dir.expanduser() / "workspaces" / slug


ENV_PREFIX = "GROUNDED_"
#: Config-file table: database URL → the workspace `grounded workspace use` chose there.
WORKSPACES_TABLE = "workspaces"


def load_settings(**overrides: Any) -> Settings:
    """Settings from, highest first: ``overrides`` (CLI flags; None means not given), the
    ``GROUNDED_*`` environment, the config file, the defaults."""
    values: dict[str, Any] = {}
    config = read_config()
    sources = (overrides, _environment(), config)
    for name in Settings.model_fields:
        for source in sources:
            if source.get(name) not in (None, ""):
                values[name] = source[name]
                break
    try:
        settings = Settings(**values)
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidInput(plain_message(first["msg"]), field=".".join(str(p) for p in first["loc"])) from error
    chosen = _chosen_workspace(config, settings.database)
    if chosen and not (overrides.get("workspace") or os.environ.get(ENV_PREFIX + "WORKSPACE")):
        settings.workspace = chosen
    return settings


def _chosen_workspace(config: dict[str, Any], database: str) -> str | None:
    """The workspace `grounded workspace use` chose for this database, if any."""
    chosen = config.get(WORKSPACES_TABLE, {})
    value = chosen.get(database) if isinstance(chosen, dict) else None
    return value if isinstance(value, str) and value else None


def use_workspace(settings: Settings, slug: str) -> Path:
    """Remember ``slug`` as the current workspace of the settings' database."""
    path = config_path()
    current = read_config(path)
    chosen = current.get(WORKSPACES_TABLE)
    current[WORKSPACES_TABLE] = {**(chosen if isinstance(chosen, dict) else {}), settings.database: slug}
    current.pop("workspace", None)
    _write(path, current)
    return path


def _environment() -> dict[str, str]:
    return {
        name: os.environ[ENV_PREFIX + name.upper()]
        for name in Settings.model_fields
        if ENV_PREFIX + name.upper() in os.environ
    }


def save_config(**values: str | None) -> Path:
    """Merge ``values`` into the config file (``None`` removes a key) and return its path."""
    unknown = set(values) - set(PERSISTED_KEYS)
    if unknown:
        raise InvalidInput(f"not a persisted setting: {', '.join(sorted(unknown))}")
    path = config_path()
    current = read_config(path)
    for key, value in values.items():
        if value is None:
            current.pop(key, None)
        else:
            current[key] = value
    _write(path, current)
    return path


def _write(path: Path, content: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".toml.tmp")
    temporary.write_text(tomli_w.dumps(content), encoding="utf-8")
    temporary.replace(path)


def read_config(path: Path | None = None) -> dict[str, Any]:
    path = path or config_path()
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"{path} is not valid TOML ({error})") from error
