"""Configuration: every source, their precedence, and one clear line per bad key."""

from __future__ import annotations

from pathlib import Path

import pytest

from apex_tui.config import load_settings
from apex_tui.domain.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(
    path: Path | None = None, overrides: dict[str, dict[str, object]] | None = None
) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_settings(path, overrides)
    return info.value.problems


def test_repo_config_file_is_valid(repo_root: Path) -> None:
    settings = load_settings(repo_root / "config.toml")
    assert settings.broker.mode == "sim"


def test_defaults_without_a_file() -> None:
    settings = load_settings(None)
    assert settings.broker.mode == "sim"
    assert settings.ui.refresh_ms == 100


def test_file_values_are_read(tmp_path: Path) -> None:
    path = write(tmp_path, '[broker]\nport = 4002\nmode = "paper"\n[ui]\nrefresh_ms = 250\n')
    settings = load_settings(path)
    assert (settings.broker.port, settings.broker.mode, settings.ui.refresh_ms) == (
        4002,
        "paper",
        250,
    )


def test_precedence_default_file_env_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '[broker]\nport = 4002\nhost = "file-host"\nclient_id = 9\n')
    monkeypatch.setenv("APEX_BROKER__PORT", "4003")
    monkeypatch.setenv("APEX_BROKER__HOST", "env-host")
    settings = load_settings(path, {"broker": {"port": 4004}})
    assert settings.broker.port == 4004  # CLI beats env
    assert settings.broker.host == "env-host"  # env beats file
    assert settings.broker.client_id == 9  # file beats default
    assert settings.ui.theme == "apex-dark"  # default where nobody spoke


def test_config_file_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "[ui]\nrefresh_ms = 300\n")
    monkeypatch.setenv("APEX_CONFIG_FILE", str(path))
    assert load_settings(None).ui.refresh_ms == 300


def test_env_override_of_nested_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APEX_UI__THEME", "apex-light")
    assert load_settings(None).ui.theme == "apex-light"


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ("[broker]\nport = 70000\n", "broker.port", "less than or equal to 65535"),
        ("[broker]\nport = 0\n", "broker.port", "greater than or equal to 1"),
        ('[ui]\nrefresh_ms = "fast"\n', "ui.refresh_ms", "valid integer"),
        ("[broker]\nprot = 4002\n", "broker.prot", "unknown key"),
        ("[nonsense]\na = 1\n", "nonsense", "unknown key"),
        ('[broker]\nmode = "real"\n', "broker.mode", "'sim', 'paper' or 'live'"),
        ("[logging]\nbackups = -1\n", "logging.backups", "greater than or equal to 0"),
    ],
)
def test_bad_value_names_the_key(tmp_path: Path, text: str, key: str, reason: str) -> None:
    lines = problems(write(tmp_path, text))
    assert len(lines) == 1
    assert lines[0].startswith(f"{key}: ")
    assert reason in lines[0]


def test_every_problem_gets_its_own_line(tmp_path: Path) -> None:
    lines = problems(write(tmp_path, '[broker]\nport = 70000\nmode = "x"\n[ui]\nbogus = 1\n'))
    assert sorted(line.split(":")[0] for line in lines) == [
        "broker.mode",
        "broker.port",
        "ui.bogus",
    ]


def test_missing_file(tmp_path: Path) -> None:
    lines = problems(tmp_path / "absent.toml")
    assert lines == [f"config file not found: {tmp_path / 'absent.toml'}"]


def test_toml_syntax_error_says_where(tmp_path: Path) -> None:
    lines = problems(write(tmp_path, "[broker\nport = 1\n"))
    assert len(lines) == 1
    assert "TOML syntax error" in lines[0]
    assert "line 1" in lines[0]


def test_bad_env_value_names_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APEX_BROKER__PORT", "not-a-port")
    lines = problems(None)
    assert lines[0].startswith("broker.port: ")
    assert lines[0].endswith("(from $APEX_BROKER__PORT)")
