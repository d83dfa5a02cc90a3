"""Config hot reload against real files: valid, invalid, restart-needed, loosening, tightening."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from apex_tui.config import Settings, load_settings
from apex_tui.core.hot_reload import (
    Change,
    ChangeKind,
    ConfigWatcher,
    ReloadPlan,
    classify,
    flatten,
)

BASE = """\
[ui]
refresh_ms = 100

[risk]
max_order_qty = 1000
daily_loss_limit = 2000.0
"""


class Recorder:
    """Collects every callback the watcher makes."""

    def __init__(self) -> None:
        self.invalid: list[list[str]] = []
        self.applied: list[tuple[Change, ...]] = []
        self.confirm: list[ReloadPlan] = []
        self.restart: list[tuple[Change, ...]] = []
        self.journal: list[tuple[str, Mapping[str, object]]] = []

    def watcher(self, path: Path) -> ConfigWatcher:
        return ConfigWatcher(
            path,
            load_settings(path),
            on_invalid=self.invalid.append,
            on_apply=lambda changes, _settings: self.applied.append(changes),
            on_confirm=self.confirm.append,
            on_restart=self.restart.append,
            journal=lambda kind, data: self.journal.append((kind, data)),
        )

    @property
    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.journal]


def keys(changes: tuple[Change, ...]) -> list[str]:
    return [c.key for c in changes]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(BASE)
    return path


def edit(path: Path, text: str) -> None:
    path.write_text(text)
    # Same-second writes keep the mtime on coarse filesystems; the hash still tells.
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


def test_unchanged_or_touched_file_is_no_reload(config: Path) -> None:
    rec = Recorder()
    w = rec.watcher(config)
    assert w.poll() is None
    edit(config, BASE)  # touched, same bytes
    assert w.poll() is None
    assert rec.journal == [] and rec.applied == []


def test_valid_safe_changes_apply_live(config: Path) -> None:
    rec = Recorder()
    w = rec.watcher(config)
    edit(config, BASE.replace("refresh_ms = 100", "refresh_ms = 250\ntheme = 'apex-light'")
         + "\n[signals.trend]\nfast = 10\n\n[logging]\nlevel = 'DEBUG'\n")  # fmt: skip
    plan = w.poll()
    assert plan is not None and not plan.confirm and not plan.restart
    assert keys(plan.safe) == [
        "logging.level",
        "signals.trend.fast",
        "ui.refresh_ms",
        "ui.theme",
    ]
    assert rec.applied == [plan.safe]
    assert plan.safe[2] == Change("ui.refresh_ms", 100, 250)
    assert w.applied["ui.refresh_ms"] == 250 and w.current.ui.refresh_ms == 250
    assert rec.kinds == ["config_reload"]
    assert w.poll() is None  # nothing new


def test_invalid_config_keeps_the_old_one_and_names_the_key(config: Path) -> None:
    rec = Recorder()
    w = rec.watcher(config)
    edit(config, BASE.replace("max_order_qty = 1000", "max_order_qty = -5"))
    assert w.poll() is None
    assert len(rec.invalid) == 1 and rec.invalid[0][0].startswith("risk.max_order_qty:")
    assert w.current.risk.max_order_qty == 1000 and rec.applied == []
    assert rec.kinds == ["config_invalid"]
    edit(config, BASE + "[ui]\n")  # TOML syntax error: a table defined twice
    assert w.poll() is None and "TOML syntax error" in rec.invalid[1][0]
    edit(config, BASE.replace("refresh_ms = 100", "refresh_ms = 200"))  # fixed: applies
    plan = w.poll()
    assert plan is not None and keys(plan.safe) == ["ui.refresh_ms"]


def test_restart_needed_changes_are_reported_not_applied(config: Path, tmp_path: Path) -> None:
    rec = Recorder()
    w = rec.watcher(config)
    data_dir = tmp_path / "lake"
    edit(
        config, BASE + f"\n[broker]\nport = 4002\n\n[data]\ndir = '{data_dir}'\n\n[sim]\nseed = 9\n"
    )
    plan = w.poll()
    assert plan is not None and not plan.safe and not plan.confirm
    assert keys(plan.restart) == ["broker.port", "data.dir", "sim.seed"]
    assert rec.restart == [plan.restart] and rec.applied == []
    assert w.applied["broker.port"] is None  # still the running value
    journal = dict(rec.journal)["config_reload"]
    assert [c["key"] for c in journal["needs_restart"]] == keys(plan.restart)  # type: ignore[union-attr]


def test_loosening_waits_for_confirmation(config: Path) -> None:
    rec = Recorder()
    w = rec.watcher(config)
    loose = BASE.replace("max_order_qty = 1000", "max_order_qty = 5000") + "allow_short = true\n"
    edit(config, loose)
    plan = w.poll()
    assert plan is not None and not plan.safe
    assert keys(plan.confirm) == ["risk.allow_short", "risk.max_order_qty"]
    assert rec.confirm == [plan] and rec.applied == [] and w.pending is plan
    assert w.applied["risk.max_order_qty"] == 1000  # not yet in effect
    assert w.confirm() == plan.confirm
    assert rec.applied == [plan.confirm] and w.applied["risk.max_order_qty"] == 5000
    assert rec.kinds == ["config_reload", "config_loosening_confirmed"]
    assert w.pending is None and w.confirm() == ()


def test_declined_loosening_keeps_the_old_limits(config: Path) -> None:
    rec = Recorder()
    w = rec.watcher(config)
    edit(config, BASE.replace("daily_loss_limit = 2000.0", "daily_loss_limit = 9000.0"))
    plan = w.poll()
    assert plan is not None and keys(plan.confirm) == ["risk.daily_loss_limit"]
    assert w.decline() == plan.confirm
    assert rec.applied == [] and w.applied["risk.daily_loss_limit"] == 2000.0
    assert rec.kinds == ["config_reload", "config_loosening_declined"]


def test_tightening_applies_live(config: Path) -> None:
    rec = Recorder()
    w = rec.watcher(config)
    tight = (
        BASE.replace("max_order_qty = 1000", "max_order_qty = 100").replace(
            "daily_loss_limit = 2000.0", "daily_loss_limit = 500.0"
        )
        + "\n[risk.breaker]\nmax_rejections = 2\nwindow_minutes = 10\n"
    )
    edit(config, tight)
    plan = w.poll()
    assert plan is not None and not plan.confirm and not plan.restart
    assert keys(plan.safe) == [
        "risk.breaker.max_rejections",
        "risk.breaker.window_minutes",
        "risk.daily_loss_limit",
        "risk.max_order_qty",
    ]
    assert rec.applied == [plan.safe] and w.applied["risk.max_order_qty"] == 100


@pytest.mark.parametrize(
    ("key", "old", "new", "kind"),
    [
        ("risk.max_gross_exposure", 500_000.0, 400_000.0, ChangeKind.SAFE),
        ("risk.max_gross_exposure", 500_000.0, 600_000.0, ChangeKind.CONFIRM),
        ("risk.allow_market_orders", False, True, ChangeKind.CONFIRM),
        ("risk.allow_market_orders", True, False, ChangeKind.SAFE),
        ("risk.enforce_market_hours", True, False, ChangeKind.CONFIRM),
        ("risk.enforce_market_hours", False, True, ChangeKind.SAFE),
        ("risk.breaker.trip_to", "HALTED", "REDUCING", ChangeKind.CONFIRM),
        ("risk.breaker.trip_to", "REDUCING", "HALTED", ChangeKind.SAFE),
        ("risk.breaker.window_minutes", 5.0, 2.0, ChangeKind.CONFIRM),
        ("risk.sizing", "fixed_notional", "volatility", ChangeKind.CONFIRM),  # direction unknown
        ("ui.refresh_ms", 100, 50, ChangeKind.SAFE),
        ("signals.enabled", True, False, ChangeKind.SAFE),
        ("ui.themes_dir", "themes", "t2", ChangeKind.RESTART),
        ("broker.mode", "sim", "paper", ChangeKind.RESTART),
        ("orders.journal_path", "a", "b", ChangeKind.RESTART),
    ],
)
def test_classify(key: str, old: Any, new: Any, kind: ChangeKind) -> None:
    assert classify(Change(key, old, new)) is kind


def test_flatten_keeps_lists_as_leaves() -> None:
    assert flatten({"a": {"b": 1, "c": {"d": [1, 2]}}, "e": None}) == {
        "a.b": 1,
        "a.c.d": [1, 2],
        "e": None,
    }


async def test_watcher_task_picks_up_a_change(config: Path) -> None:
    rec = Recorder()
    w = rec.watcher(config)
    w.interval = 0.02
    w.start()
    try:
        edit(config, BASE.replace("refresh_ms = 100", "refresh_ms = 300"))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5.0
        while not rec.applied:
            assert loop.time() < deadline, "the watcher never applied the change"
            await asyncio.sleep(0.01)
    finally:
        await w.stop()
    assert keys(rec.applied[0]) == ["ui.refresh_ms"]


def test_settings_type_is_the_apps(config: Path) -> None:
    assert isinstance(Recorder().watcher(config).current, Settings)
