"""SignalBook: the latest signal per (symbol, generator) and each symbol's regime.

Like every store it carries a version counter: producers update it, panes pull the changes
since the version they last drew. Keys whose signal was removed show up in `changes_since`
as removed keys so a pane can drop their rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from apex_tui.signals.signal import Regime, Signal

Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class BookChanges:
    """What changed after a version: current signals for changed keys, and removed keys."""

    version: int
    updated: tuple[Signal, ...]
    removed: tuple[Key, ...]
    regimes: dict[str, Regime | None]


class SignalBook:
    """In-memory store of the latest signals; single-threaded (the app's event loop)."""

    def __init__(self) -> None:
        self._signals: dict[Key, Signal] = {}
        self._regimes: dict[str, Regime | None] = {}
        self._changed_at: dict[Key, int] = {}
        self._regime_changed_at: dict[str, int] = {}
        self._removed_at: dict[Key, int] = {}
        self.version = 0

    def put(self, signal: Signal) -> None:
        """Store a signal as the latest for its (symbol, generator)."""
        self.version += 1
        self._signals[signal.key] = signal
        self._changed_at[signal.key] = self.version
        self._removed_at.pop(signal.key, None)

    def set_regime(self, symbol: str, regime: Regime | None) -> None:
        if self._regimes.get(symbol, ...) == regime:
            return
        self.version += 1
        self._regimes[symbol] = regime
        self._regime_changed_at[symbol] = self.version

    def latest(self, symbol: str, generator: str) -> Signal | None:
        return self._signals.get((symbol, generator))

    def regime(self, symbol: str) -> Regime | None:
        return self._regimes.get(symbol)

    def snapshot(self) -> list[Signal]:
        """All current signals ordered by symbol, then generator."""
        return [self._signals[k] for k in sorted(self._signals)]

    def for_symbol(self, symbol: str) -> list[Signal]:
        return [s for k, s in sorted(self._signals.items()) if k[0] == symbol]

    def remove(self, *, symbol: str | None = None, generator: str | None = None) -> int:
        """Drop the signals matching a symbol and/or generator; returns how many."""
        keys = [
            k
            for k in self._signals
            if (symbol is None or k[0] == symbol) and (generator is None or k[1] == generator)
        ]
        if symbol is not None and generator is None and symbol in self._regimes:
            self.version += 1
            self._regimes.pop(symbol)
            self._regime_changed_at[symbol] = self.version
        for k in keys:
            self.version += 1
            del self._signals[k]
            self._changed_at.pop(k, None)
            self._removed_at[k] = self.version
        return len(keys)

    def changes_since(self, version: int) -> BookChanges:
        """Signals and regimes changed after `version`, and keys removed after it."""
        updated = tuple(
            self._signals[k] for k, v in sorted(self._changed_at.items()) if v > version
        )
        removed = tuple(k for k, v in sorted(self._removed_at.items()) if v > version)
        regimes = {
            s: self._regimes.get(s) for s, v in self._regime_changed_at.items() if v > version
        }
        return BookChanges(self.version, updated, removed, regimes)

    def __len__(self) -> int:
        return len(self._signals)
