"""The app's settings: one typed model composed of each package's section.

Precedence, lowest to highest: field defaults -> the TOML config file (`--config PATH` or
`APEX_CONFIG_FILE`) -> environment `APEX_<SECTION>__<KEY>` -> command-line flags.
Every problem is reported as one line naming the key (`broker.port: ...`), never a traceback.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from apex_tui.domain.errors import ConfigError
from apex_tui.settings_sections import (
    BrokerSettings,
    DataSettings,
    FlagsSettings,
    JobsSettings,
    OrdersSettings,
    RiskSettings,
    SignalsSettings,
    SimSettings,
)

CONFIG_ENV_VAR = "APEX_CONFIG_FILE"


class WatchlistSettings(BaseModel):
    """The symbols the Quotes pane streams at start."""

    model_config = ConfigDict(extra="forbid")

    symbols: list[str] = Field(
        default_factory=lambda: ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "SPY"],
        description="Symbols streamed at start; `+` and `-` in the Quotes pane edit the list.",
    )
    file: Path = Field(
        default=Path("state/watchlist.json"),
        description="Where edits to the watchlist persist between runs.",
    )


class UISettings(BaseModel):
    """How the terminal UI looks and refreshes."""

    model_config = ConfigDict(extra="forbid")

    refresh_ms: int = Field(
        default=100,
        ge=20,
        le=5000,
        description="Milliseconds between pane refreshes from the stores (not per tick).",
    )
    theme: str = Field(
        default="apex-dark",
        min_length=1,
        description="Theme name: a file themes/<name>.toml (apex-dark, apex-light, "
        "apex-high-contrast).",
    )
    themes_dir: Path = Field(
        default=Path("themes"), description="Folder holding the *.toml theme files."
    )
    mask_accounts: bool = Field(
        default=False, description="Show account ids masked (DU****567) in the UI."
    )


class LoggingSettings(BaseModel):
    """Structured JSON-lines logging to a rotated file (never the terminal while the TUI runs)."""

    model_config = ConfigDict(extra="forbid")

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Lowest level written to the log file and the log pane."
    )
    file: Path = Field(default=Path("logs/apex.jsonl"), description="Log file path.")
    max_bytes: int = Field(
        default=10_000_000, gt=0, description="Rotate the log file when it exceeds this size."
    )
    backups: int = Field(default=5, ge=0, description="Rotated log files kept.")


class Settings(BaseSettings):
    """Everything the app can be told, by section."""

    model_config = SettingsConfigDict(
        env_prefix="APEX_",
        env_nested_delimiter="__",
        extra="forbid",
        nested_model_default_partial_update=True,
    )

    broker: BrokerSettings = Field(
        default_factory=BrokerSettings, description="Gateway connection."
    )
    sim: SimSettings = Field(default_factory=SimSettings, description="The embedded simulator.")
    watchlist: WatchlistSettings = Field(
        default_factory=WatchlistSettings, description="Streamed symbols."
    )
    ui: UISettings = Field(default_factory=UISettings, description="Terminal UI.")
    data: DataSettings = Field(default_factory=DataSettings, description="Parquet dataset.")
    jobs: JobsSettings = Field(default_factory=JobsSettings, description="Backfill jobs.")
    risk: RiskSettings = Field(default_factory=RiskSettings, description="Risk limits.")
    orders: OrdersSettings = Field(
        default_factory=OrdersSettings, description="Proposals and orders."
    )
    signals: SignalsSettings = Field(
        default_factory=SignalsSettings, description="Signal generators."
    )
    flags: FlagsSettings = Field(default_factory=FlagsSettings, description="Feature flags.")
    logging: LoggingSettings = Field(default_factory=LoggingSettings, description="Logging.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # init carries CLI overrides and, below env, the parsed file (see load_settings).
        file_data = _FILE_DATA.get(id(settings_cls), {})
        return (
            init_settings,
            env_settings,
            InitSettingsSource(settings_cls, init_kwargs=dict(file_data)),
        )


# Parsed file contents handed to settings_customise_sources; keyed by class so the loader is
# re-entrant for subclasses used in tests.
_FILE_DATA: dict[int, Mapping[str, Any]] = {}


def resolve_config_path(cli_path: str | os.PathLike[str] | None) -> Path | None:
    """The config file to read: `--config`, else $APEX_CONFIG_FILE, else none (defaults)."""
    if cli_path is not None:
        return Path(cli_path)
    env = os.environ.get(CONFIG_ENV_VAR)
    return Path(env) if env else None


def read_config_file(path: Path) -> dict[str, Any]:
    """Parse a TOML config file or raise ConfigError with one clear line."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError([f"config file not found: {path}"]) from None
    except OSError as exc:
        raise ConfigError([f"config file {path} cannot be read: {exc.strerror}"]) from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError([f"config file {path} is not UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: TOML syntax error: {exc}"]) from None


def load_settings(
    config_path: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build Settings from defaults, file, environment and `overrides` (CLI), in that order.

    `overrides` is nested like the file: {"broker": {"port": 4002}}.
    """
    path = resolve_config_path(config_path)
    file_data = read_config_file(path) if path is not None else {}
    _FILE_DATA[id(Settings)] = file_data
    try:
        return Settings(**dict(overrides or {}))
    except PydanticValidationError as exc:
        raise ConfigError(format_validation_error(exc, path)) from None
    except SettingsError as exc:  # a non-JSON APEX_* value for a list or table key
        raise ConfigError(
            [
                f"{exc}: list and table values in APEX_* variables are JSON, "
                """e.g. APEX_SIM__ACCOUNTS='["DU1234567"]'"""
            ]
        ) from None
    finally:
        _FILE_DATA.pop(id(Settings), None)


def format_validation_error(exc: PydanticValidationError, path: Path | None) -> list[str]:
    """One line per problem: `section.key: reason (got value)`."""
    lines = []
    for err in exc.errors(include_url=False):
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        kind = err["type"]
        if kind == "extra_forbidden":
            reason = "unknown key"
        elif kind == "missing":
            reason = "required key is missing"
        else:
            reason = err["msg"]
        got = err.get("input")
        shown = (
            ""
            if kind in {"extra_forbidden", "missing"} or isinstance(got, dict)
            else (f" (got {got!r})")
        )
        env_name = "APEX_" + "__".join(str(p) for p in err["loc"]).upper()
        if env_name in os.environ:
            where = f" (from ${env_name})"
        elif path is not None:
            where = f" in {path}"
        else:
            where = ""
        lines.append(f"{key}: {reason}{shown}{where}")
    return lines


def flat_fields(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str, str]]:
    """Every leaf key as (dotted key, type/default text, description): for docs and their test."""
    rows: list[tuple[str, str, str]] = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            rows.extend(flat_fields(ann, key + "."))
            continue
        default = field.get_default(call_default_factory=True)
        rows.append((key, repr(default), field.description or ""))
    return rows
