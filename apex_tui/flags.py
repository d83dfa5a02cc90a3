"""Feature flags: the typed `[flags]` config section and the FlagBoard store that toggles them.

Every flag has a description, a default, a hotkey and, when dangerous, a confirmation phrase
that must be typed to turn it on (turning a dangerous flag off never needs one). Each change is
offered to the audit hook before it takes effect (if the hook raises, nothing changes), then
applied, kept in an in-memory journal and announced to listeners.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from apex_tui.domain.clock import Clock, SystemClock
from apex_tui.domain.errors import ConfirmationRequired, ValidationError


@dataclass(frozen=True, slots=True)
class FlagSpec:
    """Static facts about one flag."""

    name: str
    description: str
    default: bool
    hotkey: str
    dangerous: bool = False

    @property
    def confirm_phrase(self) -> str | None:
        """What the trader must type to turn a dangerous flag on: the flag's own name."""
        return self.name if self.dangerous else None


FLAG_SPECS: tuple[FlagSpec, ...] = (
    FlagSpec("trend", "Trend generator: EMA crossover filtered by ATR", True, "f2"),
    FlagSpec("mean_reversion", "Mean-reversion generator: RSI with Bollinger", True, "f3"),
    FlagSpec("momentum", "Momentum generator: MACD", True, "f4"),
    FlagSpec("breakout", "Breakout generator: Donchian channel with volume", True, "f5"),
    FlagSpec("ml_signals", "Ensemble weights learned online instead of a fixed vote", False, "f6"),
    FlagSpec("regime_detection", "Class symbols trending/ranging/volatile", True, "f7"),
    FlagSpec("auto_propose", "Signals create order proposals", False, "f8", dangerous=True),
    FlagSpec("options_trading", "Allow option orders", False, "f9", dangerous=True),
    FlagSpec("sink_ticks", "Write raw ticks to the dataset", False, "ctrl+t"),
    FlagSpec("sink_bars", "Write bars to the dataset", True, "ctrl+r"),
    FlagSpec("sound_alerts", "Ring the terminal bell on new signals", False, "ctrl+g"),
)
SPECS: dict[str, FlagSpec] = {s.name: s for s in FLAG_SPECS}

# Keys the app binds itself (DESIGN.md key map), as characters and as Textual key names, plus
# combos that Textual or the terminal keep for themselves.
RESERVED_KEYS = frozenset(
    (
        *"123456:?ltfRKqs/+-ynaexbpco",
        *("colon", "question_mark", "slash", "plus", "minus", "enter", "space", "escape"),
        *("tab", "ctrl+p", "ctrl+c", "ctrl+q", "ctrl+z", "ctrl+s", "ctrl+m", "ctrl+i", "ctrl+j"),
    )
)


class FlagsSettings(BaseModel):
    """The `[flags]` section: each flag's state at start, and hotkey overrides."""

    model_config = ConfigDict(extra="forbid")

    trend: bool = Field(True, description=SPECS["trend"].description)
    mean_reversion: bool = Field(True, description=SPECS["mean_reversion"].description)
    momentum: bool = Field(True, description=SPECS["momentum"].description)
    breakout: bool = Field(True, description=SPECS["breakout"].description)
    ml_signals: bool = Field(False, description=SPECS["ml_signals"].description)
    regime_detection: bool = Field(True, description=SPECS["regime_detection"].description)
    auto_propose: bool = Field(
        False, description=SPECS["auto_propose"].description + " (dangerous)"
    )
    options_trading: bool = Field(
        False, description=SPECS["options_trading"].description + " (dangerous)"
    )
    sink_ticks: bool = Field(False, description=SPECS["sink_ticks"].description)
    sink_bars: bool = Field(True, description=SPECS["sink_bars"].description)
    sound_alerts: bool = Field(False, description=SPECS["sound_alerts"].description)
    hotkeys: dict[str, str] = Field(
        default_factory=dict,
        description='Hotkey per flag, overriding the default (e.g. trend = "f2").',
    )

    @model_validator(mode="after")
    def _check_hotkeys(self) -> Self:
        unknown = sorted(set(self.hotkeys) - set(SPECS))
        if unknown:
            raise ValueError(f"hotkeys: unknown flag(s) {', '.join(unknown)}")
        keys = resolve_hotkeys(self.hotkeys)
        clashes = sorted(f"{n} = {k!r}" for n, k in keys.items() if k in RESERVED_KEYS)
        if clashes:
            raise ValueError(f"hotkeys: {'; '.join(clashes)} clash with app keys")
        seen: dict[str, str] = {}
        for name, key in keys.items():
            if key in seen:
                raise ValueError(f"hotkeys: {seen[key]} and {name} share {key!r}")
            seen[key] = name
        return self


def resolve_hotkeys(overrides: dict[str, str]) -> dict[str, str]:
    """Hotkey per flag: the override when configured, else the default."""
    return {s.name: overrides.get(s.name, s.hotkey).strip() for s in FLAG_SPECS}


@dataclass(frozen=True, slots=True)
class FlagChange:
    """One journaled toggle."""

    time: datetime
    flag: str
    old: bool
    new: bool


@dataclass(frozen=True, slots=True)
class FlagState:
    """A flag as the flags screen shows it."""

    spec: FlagSpec
    on: bool
    hotkey: str


FlagListener = Callable[[FlagChange], None]


class FlagBoard:
    """Current flag values, with a version counter, a journal and change hooks.

    `audit` runs before a change takes effect (the lead appends to the audit log there);
    listeners (engine, sink) run after it, in the order they subscribed.
    """

    def __init__(
        self,
        settings: FlagsSettings | None = None,
        *,
        clock: Clock | None = None,
        audit: FlagListener | None = None,
        journal_size: int = 500,
    ) -> None:
        settings = settings or FlagsSettings()
        self._clock: Clock = clock or SystemClock()
        self._audit = audit
        self._values: dict[str, bool] = {
            s.name: bool(getattr(settings, s.name)) for s in FLAG_SPECS
        }
        self._hotkeys = resolve_hotkeys(settings.hotkeys)
        self._by_key = {k: n for n, k in self._hotkeys.items()}
        self._listeners: list[FlagListener] = []
        self.journal: deque[FlagChange] = deque(maxlen=journal_size)
        self.version = 0

    def _spec(self, name: str) -> FlagSpec:
        try:
            return SPECS[name]
        except KeyError:
            raise ValidationError(f"unknown flag {name!r}") from None

    def is_on(self, name: str) -> bool:
        self._spec(name)
        return self._values[name]

    def __getitem__(self, name: str) -> bool:
        return self.is_on(name)

    def states(self) -> list[FlagState]:
        """Every flag in declaration order, for the flags screen."""
        return [FlagState(s, self._values[s.name], self._hotkeys[s.name]) for s in FLAG_SPECS]

    def hotkey(self, name: str) -> str:
        self._spec(name)
        return self._hotkeys[name]

    def flag_for_key(self, key: str) -> str | None:
        """The flag a pressed key toggles, if any."""
        return self._by_key.get(key)

    def subscribe(self, listener: FlagListener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: FlagListener) -> None:
        """Stop calling `listener` (a replaced engine must not keep reacting to toggles)."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def toggle(self, name: str, confirm_text: str | None = None) -> FlagChange:
        """Flip a flag. Turning a dangerous flag on needs its confirmation phrase typed."""
        return self.set(name, not self.is_on(name), confirm_text)

    def set(self, name: str, value: bool, confirm_text: str | None = None) -> FlagChange:
        """Set a flag (a no-op change is still journaled, so every request is on record)."""
        spec = self._spec(name)
        old = self._values[name]
        if value and not old and spec.dangerous:
            phrase = spec.confirm_phrase
            if confirm_text is None or confirm_text.strip() != phrase:
                raise ConfirmationRequired(
                    f"turning on {name} needs the confirmation {phrase!r}",
                    phrase=phrase or name,
                )
        change = FlagChange(self._clock.now(), name, old, value)
        if self._audit is not None:
            self._audit(change)  # must succeed before the change takes effect
        self._values[name] = value
        self.version += 1
        self.journal.append(change)
        for listener in self._listeners:
            listener(change)
        return change
