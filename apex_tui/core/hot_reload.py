"""Config hot reload: watch the config file, validate a change, classify it key by key.

`ConfigWatcher.poll()` (called every second by `run()`, or by a test) compares the file's
mtime and content hash with the last seen. A changed file is loaded with `load_settings`:
- invalid: `on_invalid(problems)` with one line per bad key; the running config stays;
- valid: the diff by dotted key is split into three sets:
  * safe live (ui.refresh_ms, ui.theme, logging.level, signals.*, risk.* that tightens):
    applied at once through `on_apply(changes, settings)`;
  * loosening risk (a limit raised, a permission turned on): returned in the plan, and
    offered through `on_confirm`, for the trader to confirm; `confirm(changes)` applies them;
  * needs restart (broker.*, data.dir, sim.*, anything not known to be live-safe): reported.
Every outcome goes to `journal(kind, data)` (the order journal's `append`).

Pure of UI: the callbacks are the only way out, so tests drive it with tmp files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from apex_tui.config import Settings, load_settings
from apex_tui.domain.errors import ConfigError
from apex_tui.logging import get_logger
from apex_tui.periodic import Periodic

log = get_logger(__name__)


class ChangeKind(StrEnum):
    SAFE = "safe"  # applied live
    CONFIRM = "confirm"  # loosens risk: the trader confirms first
    RESTART = "restart"  # takes effect at the next start


@dataclass(frozen=True, slots=True)
class Change:
    """One leaf key whose value changed."""

    key: str  # dotted: "risk.max_order_qty"
    old: Any
    new: Any

    def describe(self) -> str:
        return f"{self.key}: {self.old!r} -> {self.new!r}"


@dataclass(frozen=True, slots=True)
class ReloadPlan:
    """A valid new config's changes, by what it takes to apply them."""

    settings: Settings
    safe: tuple[Change, ...] = ()
    confirm: tuple[Change, ...] = ()
    restart: tuple[Change, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.safe or self.confirm or self.restart)


# Keys applied live outright: exact keys, and whole sections by prefix.
SAFE_KEYS = frozenset({"ui.refresh_ms", "ui.theme", "ui.mask_accounts", "logging.level"})
SAFE_PREFIXES = ("signals.",)

# Risk keys whose direction is known. A key missing here changes only with a confirmation.
RAISE_LOOSENS = frozenset(
    {
        "risk.max_order_qty",
        "risk.max_order_notional",
        "risk.max_position_notional",
        "risk.max_gross_exposure",
        "risk.sector_cap_pct",
        "risk.max_open_orders",
        "risk.max_orders_per_minute",
        "risk.daily_loss_limit",
        "risk.price_band_pct",
        "risk.price_band_ticks",
        "risk.max_quote_age_s",
        "risk.default_tick_size",  # a band in ticks widens with the tick
        "risk.fixed_notional",
        "risk.risk_per_trade",
        "risk.breaker.max_rejections",
    }
)
LOWER_LOOSENS = frozenset({"risk.breaker.window_minutes"})  # fewer rejections counted
PERMISSIONS = {  # key -> the value that grants more freedom
    "risk.allow_short": True,
    "risk.allow_market_orders": True,
    "risk.enforce_market_hours": False,
}
ORDERED = {"risk.breaker.trip_to": ("REDUCING", "HALTED")}  # from looser to tighter


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested sections to dotted leaf keys; lists and other values are leaves."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def settings_values(settings: Settings) -> dict[str, Any]:
    return flatten(settings.model_dump(mode="json"))


def diff_values(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Changed, added and removed leaf keys, in key order."""
    keys = sorted(set(old) | set(new))
    return [Change(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)]


def risk_loosens(change: Change) -> bool:
    """Whether a risk change gives trading more room (unknown direction counts as loosening)."""
    key, old, new = change.key, change.old, change.new
    if key in PERMISSIONS:
        return bool(new == PERMISSIONS[key])
    if key in ORDERED and old in ORDERED[key] and new in ORDERED[key]:
        order = ORDERED[key]
        return order.index(new) < order.index(old)
    numeric = isinstance(old, int | float) and isinstance(new, int | float)
    if numeric and key in RAISE_LOOSENS:
        return bool(new > old)
    if numeric and key in LOWER_LOOSENS:
        return bool(new < old)
    return True


def classify(change: Change) -> ChangeKind:
    key = change.key
    if key.startswith("risk."):
        return ChangeKind.CONFIRM if risk_loosens(change) else ChangeKind.SAFE
    if key in SAFE_KEYS or key.startswith(SAFE_PREFIXES):
        return ChangeKind.SAFE
    return ChangeKind.RESTART


def plan_reload(current: Mapping[str, Any], new: Settings) -> ReloadPlan:
    """Split the changes from the applied values `current` to `new` by kind."""
    by_kind: dict[ChangeKind, list[Change]] = {k: [] for k in ChangeKind}
    for change in diff_values(current, settings_values(new)):
        by_kind[classify(change)].append(change)
    return ReloadPlan(
        new,
        tuple(by_kind[ChangeKind.SAFE]),
        tuple(by_kind[ChangeKind.CONFIRM]),
        tuple(by_kind[ChangeKind.RESTART]),
    )


def _changes_json(changes: tuple[Change, ...] | list[Change]) -> list[dict[str, Any]]:
    return [{"key": c.key, "old": c.old, "new": c.new} for c in changes]


ApplyCallback = Callable[[tuple[Change, ...], Settings], None]


@dataclass
class ConfigWatcher:
    """Polls one config file; see the module docstring for what each outcome triggers."""

    path: Path
    current: Settings  # the last valid config read (some of it may wait: see `applied`)
    on_invalid: Callable[[list[str]], None]
    on_apply: ApplyCallback
    on_confirm: Callable[[ReloadPlan], None] = lambda _plan: None
    on_restart: Callable[[tuple[Change, ...]], None] = lambda _changes: None
    journal: Callable[[str, Mapping[str, object]], None] = lambda _kind, _data: None
    load: Callable[[Path], Settings] = load_settings
    interval: float = 1.0
    _applied: dict[str, Any] = field(init=False)
    _stamp: tuple[float, str] | None = field(init=False, default=None)
    _pending: ReloadPlan | None = field(init=False, default=None)
    _timer: Periodic | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._applied = settings_values(self.current)
        self._stamp = self._read_stamp()

    # --- polling -------------------------------------------------------------------------
    def _read_stamp(self) -> tuple[float, str] | None:
        try:
            mtime = self.path.stat().st_mtime
            digest = hashlib.sha256(self.path.read_bytes()).hexdigest()
        except OSError:
            return None  # missing for a moment (an editor's rename-save): wait for it
        return mtime, digest

    def poll(self) -> ReloadPlan | None:
        """Check the file once; returns the plan when it changed to a valid config."""
        stamp = self._read_stamp()
        if stamp is None or self._stamp is None:
            self._stamp = stamp if stamp is not None else self._stamp
            return None
        if stamp == self._stamp:
            return None
        content_changed = stamp[1] != self._stamp[1]
        self._stamp = stamp
        if not content_changed:
            return None  # touched, same bytes
        return self.reload()

    def reload(self) -> ReloadPlan | None:
        """Load and validate the file now, then apply or report the changes."""
        try:
            new = self.load(self.path)
        except ConfigError as exc:
            problems = list(exc.problems)
            log.warning("config_reload_invalid", problems=problems)
            self.journal("config_invalid", {"path": str(self.path), "problems": problems})
            self.on_invalid(problems)
            return None
        plan = plan_reload(self._applied, new)
        if plan.empty:
            return plan
        if plan.safe:
            self.on_apply(plan.safe, new)
            self._mark_applied(plan.safe)
        self.journal(
            "config_reload",
            {
                "path": str(self.path),
                "applied": _changes_json(plan.safe),
                "needs_confirmation": _changes_json(plan.confirm),
                "needs_restart": _changes_json(plan.restart),
            },
        )
        log.info(
            "config_reloaded",
            applied=[c.key for c in plan.safe],
            needs_confirmation=[c.key for c in plan.confirm],
            needs_restart=[c.key for c in plan.restart],
        )
        self.current = new
        self._pending = plan if plan.confirm else None
        if plan.restart:
            self.on_restart(plan.restart)
        if plan.confirm:
            self.on_confirm(plan)
        return plan

    @property
    def applied(self) -> dict[str, Any]:
        """The values in effect, by dotted key (the start config plus what was applied)."""
        return dict(self._applied)

    # --- the trader's answer to loosening ------------------------------------------------
    @property
    def pending(self) -> ReloadPlan | None:
        """Loosening changes waiting for the trader's answer."""
        return self._pending

    def confirm(self) -> tuple[Change, ...]:
        """The trader accepted the pending loosening: apply and journal it."""
        plan, self._pending = self._pending, None
        if plan is None:
            return ()
        self.on_apply(plan.confirm, plan.settings)
        self._mark_applied(plan.confirm)
        self.journal("config_loosening_confirmed", {"changes": _changes_json(plan.confirm)})
        return plan.confirm

    def decline(self) -> tuple[Change, ...]:
        """The trader refused: the old limits stay (until the file changes again)."""
        plan, self._pending = self._pending, None
        if plan is None:
            return ()
        self.journal("config_loosening_declined", {"changes": _changes_json(plan.confirm)})
        return plan.confirm

    def _mark_applied(self, changes: tuple[Change, ...]) -> None:
        for change in changes:
            self._applied[change.key] = change.new

    # --- life cycle ----------------------------------------------------------------------
    def start(self) -> None:
        if self._timer is None:
            # A callback's bug is logged by Periodic and does not end watching the file.
            self._timer = Periodic(self.poll, self.interval, name="config-watch")
        self._timer.start()

    async def stop(self) -> None:
        if self._timer is not None:
            await self._timer.stop()
