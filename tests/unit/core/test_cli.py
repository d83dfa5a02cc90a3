"""The apex-tui command: exit codes, messages, and the live-mode gate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from apex_tui import __version__
from apex_tui.cli import _with_default_command, build_parser, main, run_overrides
from apex_tui.config import load_settings
from apex_tui.tui.launch import live_gate_problem


def test_config_check_ok(repo_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", "--config", str(repo_root / "config.toml")]) == 0
    assert "config OK" in capsys.readouterr().out


def test_config_check_bad_key_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[broker]\nport = 99999\n")
    assert main(["config", "check", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "config error: broker.port:" in err
    assert "Traceback" not in err


def test_run_with_bad_config_exits_2_before_any_ui(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[ui]\nrefresh_ms = 1\n")
    assert main(["--config", str(path)]) == 2
    assert "ui.refresh_ms" in capsys.readouterr().err


def test_bad_config_from_a_real_process_has_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[broker\n")
    proc = subprocess.run(
        [sys.executable, "-m", "apex_tui", "config", "check", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "TOML syntax error" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_unknown_flag_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["run", "--no-such-flag"])
    assert info.value.code == 2


def test_run_is_the_default_command() -> None:
    parser = build_parser()
    assert _with_default_command(["--config", "x.toml"], parser) == ["run", "--config", "x.toml"]
    assert _with_default_command(["config", "check"], parser) == ["config", "check"]
    assert _with_default_command(["--help"], parser) == ["--help"]


def test_cli_flags_override_everything(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[broker]\nport = 4002\n[ui]\ntheme = "apex-dark"\n')
    args = build_parser().parse_args(["run", "--port", "4011", "--theme", "apex-light"])
    settings = load_settings(path, run_overrides(args))
    assert settings.broker.port == 4011
    assert settings.ui.theme == "apex-light"


@pytest.mark.parametrize(
    ("mode", "flag", "refused"),
    [("live", False, True), ("live", True, False), ("paper", True, True), ("sim", False, False)],
)
def test_live_needs_config_and_flag(mode: str, flag: bool, refused: bool) -> None:
    settings = load_settings(None, {"broker": {"mode": mode, "account": "U1234567"}})
    assert (live_gate_problem(settings, flag) is not None) == refused


def test_live_without_flag_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "live.toml"
    path.write_text('[broker]\nmode = "live"\n')
    assert main(["--config", str(path)]) == 2
    assert "--live" in capsys.readouterr().err


def test_live_needs_the_account_named() -> None:
    settings = load_settings(None, {"broker": {"mode": "live"}})
    problem = live_gate_problem(settings, True)
    assert problem is not None and "broker.account" in problem


@pytest.mark.parametrize(("mode", "read_only"), [("sim", False), ("paper", True), ("live", True)])
def test_real_accounts_are_read_only_unless_told(mode: str, read_only: bool) -> None:
    assert load_settings(None, {"broker": {"mode": mode}}).broker.read_only is read_only
    explicit = load_settings(None, {"broker": {"mode": mode, "read_only": False}})
    assert explicit.broker.read_only is False
