"""Build Textual themes from themes/*.toml; a broken file is reported, never fatal."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

# Variables every theme must define: the .tcss uses them through $name only.
APP_VARIABLES: dict[str, str] = {
    "bid": "#3FB950",
    "ask": "#F85149",
    "pnl-up": "#3FB950",
    "pnl-down": "#F85149",
    "flash-up": "#1F4D2B",
    "flash-down": "#5A1E1E",
    "stale": "#6E7681",
    "mode-sim": "#8957E5",
    "mode-paper": "#1F6FEB",
    "mode-live": "#DA3633",
    "state-ok": "#3FB950",
    "state-warn": "#D29922",
    "state-bad": "#F85149",
}
"""Defaults, used only so that a built-in fallback theme still resolves every $variable."""

_COLOR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "success",
    "warning",
    "error",
)
_KNOWN_KEYS = {"name", "dark", "variables", *_COLOR_KEYS}


@dataclass
class ThemeLoad:
    """Themes that loaded, in file order, and one message per file that did not."""

    themes: list[Theme] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _check_color(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{where} must be a colour string, got {type(value).__name__}")
    try:
        Color.parse(value)
    except ColorParseError:
        raise ValueError(f"{where} is not a colour: {value!r}") from None
    return value


def theme_from_mapping(data: dict[str, Any], source: str) -> Theme:
    """Validate one theme file's table and build the Theme; ValueError names the bad key."""
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r}")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError("'name' is missing")
    if "primary" not in data:
        raise ValueError("'primary' is missing")
    colors: dict[str, str | None] = {
        k: _check_color(data[k], k) if k in data else None for k in _COLOR_KEYS
    }
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ValueError("'dark' must be true or false")
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ValueError("[variables] must be a table")
    missing = sorted(set(APP_VARIABLES) - set(variables))
    if missing:
        raise ValueError(f"[variables] lacks {', '.join(missing)}")
    checked = {k: _check_color(v, f"variables.{k}") for k, v in variables.items()}
    primary = colors.pop("primary")
    assert primary is not None  # checked above
    return Theme(
        name=name,
        primary=primary,
        secondary=colors["secondary"],
        accent=colors["accent"],
        foreground=colors["foreground"],
        background=colors["background"],
        surface=colors["surface"],
        panel=colors["panel"],
        success=colors["success"],
        warning=colors["warning"],
        error=colors["error"],
        dark=dark,
        variables=checked,
    )


def load_themes(folder: Path) -> ThemeLoad:
    """Load every *.toml in `folder` (sorted by name)."""
    result = ThemeLoad()
    if not folder.is_dir():
        result.problems.append(f"theme folder {folder} not found")
        return result
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            result.themes.append(theme_from_mapping(data, str(path)))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as exc:
            result.problems.append(f"theme {path.name}: {exc}")
    return result
