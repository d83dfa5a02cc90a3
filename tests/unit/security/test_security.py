"""Security properties of the package, checked on its source and its defaults."""

from __future__ import annotations

import ast
import logging
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apex_tui.broker.settings import BrokerSettings
from apex_tui.config import Settings, flat_fields, load_settings
from apex_tui.domain.accounts import mask_account, mask_accounts_in, shown_account
from apex_tui.domain.clock import FixedClock
from apex_tui.logging import configure_logging, get_logger
from apex_tui.orders.journal import Journal, JournalKind
from apex_tui.sim.server import SimulatorServer
from apex_tui.sim.server_settings import ServerSettings
from apex_tui.sim.settings import WorldSettings
from apex_tui.tui.launch import live_gate_problem
from tests.conftest import REPO

PACKAGE = REPO / "apex_tui"
FORBIDDEN_CALLS = {"eval", "exec", "os.system", "os.popen", "os.spawnl", "os.spawnlp",
                   "os.execl", "os.execlp", "pty.spawn", "__import__"}  # fmt: skip


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def dangerous_calls(source: str, filename: str = "<src>") -> list[str]:
    """Calls to eval/exec/os.system & co, and any call passing shell=<not False>."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        if name in FORBIDDEN_CALLS or name.rsplit(".", 1)[-1] in {"eval", "exec", "system"}:
            found.append(f"{filename}:{node.lineno}: {name}()")
        for kw in node.keywords:
            if kw.arg == "shell" and not (
                isinstance(kw.value, ast.Constant) and kw.value.value is False
            ):
                found.append(f"{filename}:{node.lineno}: {name}(shell=...)")
    return found


def _sources() -> Iterator[Path]:
    yield from sorted(PACKAGE.rglob("*.py"))


def test_the_scanner_catches_what_it_looks_for() -> None:
    sample = (
        "import os, subprocess as sp\n"
        "eval('1')\nexec('x=1')\nos.system('ls')\nsp.run('ls', shell=True)\n"
        "sp.Popen(['ls'], shell=flag)\nsp.run(['ls'], shell=False)\nbuiltins.eval('2')\n"
    )
    assert len(dangerous_calls(sample)) == 6


def test_the_package_never_runs_a_shell_or_evaluates_text() -> None:
    found = [f for path in _sources() for f in dangerous_calls(path.read_text(), str(path))]
    assert found == []


def test_no_source_binds_all_interfaces() -> None:
    hits = [str(p) for p in _sources() if "0.0.0.0" in p.read_text() or "'::'" in p.read_text()]
    assert hits == []


async def test_the_simulator_listens_on_loopback_only_by_default() -> None:
    assert ServerSettings().host == "127.0.0.1"
    assert BrokerSettings().host == "127.0.0.1"
    async with SimulatorServer(world_settings=WorldSettings(symbols=("AAPL",))) as srv:
        assert srv._server is not None
        addresses = {s.getsockname()[0] for s in srv._server.sockets}
    assert addresses == {"127.0.0.1"}


def test_no_credentials_in_the_config_model() -> None:
    """The IB login belongs to the gateway: no password, secret or token key exists."""
    keys = [k for k, _t, _d in flat_fields(Settings)]
    assert not [k for k in keys if any(w in k.lower() for w in ("password", "secret", "token",
                                                                 "passwd", "api_key"))]  # fmt: skip


# -- files with positions and account ids are private ---------------------------------------


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive umask: modes must come from the code, not the environment."""
    old = os.umask(0)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_journal_is_0600_under_any_umask(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "deep" / "journal.jsonl"
    with Journal(path, FixedClock(datetime(2026, 11, 20, tzinfo=UTC))) as journal:
        journal.append(JournalKind.FLAG_TOGGLE, {"flag": "x"})
    assert _mode(path) == 0o600


def test_log_files_stay_0600_across_rotation(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "apex.log"
    path.write_text("")
    path.chmod(0o644)  # an older, wider file
    configure_logging(path, "INFO", max_bytes=2_000, backups=2)
    try:
        log = get_logger("security-test")
        for i in range(200):
            log.info("filler", account="DU1234567", i=i)
        files = sorted(tmp_path.glob("apex.log*"))
        assert len(files) == 3  # the live file and two backups: rotation happened
        assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        configure_logging(None)
        logging.getLogger().handlers.clear()


# -- live-mode gates --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sim", "paper"])
def test_the_live_flag_alone_never_goes_live(mode: str) -> None:
    problem = live_gate_problem(load_settings(None, {"broker": {"mode": mode}}), True)
    assert problem is not None and "--live" in problem


def test_live_from_the_environment_still_needs_the_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APEX_BROKER__MODE", "live")
    monkeypatch.setenv("APEX_BROKER__ACCOUNT", "U7654321")
    settings = load_settings(None)
    assert settings.broker.mode == "live"
    assert live_gate_problem(settings, False) is not None
    assert live_gate_problem(settings, True) is None


def test_live_defaults_to_the_live_gateway_port_never_the_simulator() -> None:
    settings = load_settings(None, {"broker": {"mode": "live"}})
    assert settings.broker.resolved_port() == 4001


# -- account masking --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("account", "shown"),
    [("DU1234567", "DU****567"), ("U7654321", "U****321"), ("F123", "F**3"),
     ("DU12", "DU*2"), ("U1", "U*"), ("", ""), ("ABC", "***")],
)  # fmt: skip
def test_mask_account(account: str, shown: str) -> None:
    assert mask_account(account) == shown
    assert shown_account(account, masked=False) == account
    assert shown_account(account, masked=True) == shown


@given(st.text(alphabet="DUF0123456789", min_size=1, max_size=16))
def test_masking_keeps_length_and_always_hides_something(account: str) -> None:
    masked = mask_account(account)
    assert len(masked) == len(account) and "*" in masked
    digits = sum(c.isdigit() for c in account)
    assert sum(c.isdigit() for c in masked) <= min(3, digits)


def test_accounts_are_masked_inside_messages() -> None:
    reason = "account DU1234567 is not among the accounts this login manages (DU1234567, DU98)"
    assert mask_accounts_in(reason, ["DU1234567", "DU98"]) == (
        "account DU****567 is not among the accounts this login manages (DU****567, DU*8)"
    )
