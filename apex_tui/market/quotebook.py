"""QuoteBook: the latest Quote per symbol, with a version counter panes diff against."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from apex_tui.domain.quotes import Quote, Tick


class QuoteBook:
    """Per-symbol quotes; every change bumps `version` and stamps the symbol with it.

    A reader keeps the version it last drew and asks `version_of` for the symbols it shows
    (and `members_version` for joins and leaves) instead of walking every change.
    """

    def __init__(self) -> None:
        # The Quote record is built when read: ticks arrive far more often than panes look.
        self._ticks: dict[str, tuple[Tick, float]] = {}  # symbol -> (latest tick, close)
        self._quotes: dict[str, Quote] = {}  # built quotes, dropped when a tick replaces them
        self._stale: set[str] = set()
        self._tracked: set[str] = set()  # shown before their first tick
        self._changed: dict[str, int] = {}  # symbol -> version of its last change
        self.version = 0
        # Bumped when a symbol joins or leaves the book: a table that shows a screenful of
        # rows checks this and its visible rows' versions instead of walking every change.
        self.members_version = 0

    def _bump(self, symbol: str) -> None:
        self.version += 1
        self._changed[symbol] = self.version

    def track(self, symbol: str) -> None:
        """Show `symbol` (with no prices yet) before its first tick arrives."""
        if symbol not in self._ticks and symbol not in self._tracked:
            self._tracked.add(symbol)
            self.members_version += 1
            self._bump(symbol)

    def apply(self, tick: Tick, *, close: float = math.nan) -> None:
        """Take the full top-of-book state in `tick`; `close` is kept once known."""
        self.apply_batch((tick,), (close,))

    def apply_batch(self, ticks: Sequence[Tick], closes: Sequence[float]) -> None:
        """`apply` for one socket read's ticks (`closes[i]` belongs to `ticks[i]`).

        One call per read instead of one per tick (2,000 ticks a second at 500 symbols): the
        per-tick calls of `apply` and `_bump` are what a batch saves, so the loop does `_bump`'s
        work inline. With the bars and marks batched the same way the tick path went from
        ~2.4 to ~1.9 us per ticker (microbench, 500 tickers per read).
        """
        known, built, stale, changed = self._ticks, self._quotes, self._stale, self._changed
        version = self.version
        isnan = math.isnan
        for tick, new_close in zip(ticks, closes, strict=True):
            symbol = tick.symbol
            close = new_close
            old = known.get(symbol)
            if old is None:
                if symbol not in self._tracked:
                    self.members_version += 1
            elif isnan(close):  # keep the close we had
                close = old[1]
            known[symbol] = (tick, close)
            built.pop(symbol, None)
            stale.discard(symbol)
            version += 1  # _bump, inline
            changed[symbol] = version
        self.version = version

    def _build(self, symbol: str) -> Quote | None:
        entry = self._ticks.get(symbol)
        if entry is None:
            return Quote(symbol=symbol, stale=True) if symbol in self._tracked else None
        tick, close = entry
        return Quote(
            symbol=symbol,
            bid=tick.bid,
            ask=tick.ask,
            last=tick.last,
            bid_size=tick.bid_size,
            ask_size=tick.ask_size,
            last_size=tick.last_size,
            volume=tick.volume,
            close=close,
            time=tick.time,
            stale=symbol in self._stale,
        )

    def remove(self, symbol: str) -> None:
        """Drop `symbol`; it is reported as changed so panes delete its row."""
        known = symbol in self._ticks or symbol in self._tracked
        self._ticks.pop(symbol, None)
        self._quotes.pop(symbol, None)
        self._tracked.discard(symbol)
        self._stale.discard(symbol)
        if known:
            self.members_version += 1
            self._bump(symbol)

    def mark_stale(self, now: datetime, threshold: float) -> list[str]:
        """Flag quotes not updated within `threshold` seconds; returns the stale symbols."""
        cutoff = now - timedelta(seconds=threshold)
        stale: list[str] = [s for s in self._tracked if s not in self._ticks]
        for symbol, (tick, _close) in self._ticks.items():
            is_stale = tick.time < cutoff
            if is_stale:
                stale.append(symbol)
            if is_stale != (symbol in self._stale):
                if is_stale:
                    self._stale.add(symbol)
                else:
                    self._stale.discard(symbol)
                self._quotes.pop(symbol, None)
                self._bump(symbol)
        return stale

    def get(self, symbol: str) -> Quote | None:
        quote = self._quotes.get(symbol)
        if quote is None:
            quote = self._build(symbol)
            if quote is not None:
                self._quotes[symbol] = quote
        return quote

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._ticks or symbol in self._tracked

    def __len__(self) -> int:
        return len(self._ticks.keys() | self._tracked)

    def symbols(self) -> list[str]:
        return list(self._ticks) + [s for s in self._tracked if s not in self._ticks]

    def snapshot(self) -> dict[str, Quote]:
        """Every quote (the records themselves are frozen)."""
        return {s: q for s in self.symbols() if (q := self.get(s)) is not None}

    def version_of(self, symbol: str) -> int:
        """The version of `symbol`'s last change (0 if it never changed)."""
        return self._changed.get(symbol, 0)

    def last_update(self, symbols: Iterable[str]) -> datetime | None:
        """The newest update time among `symbols` (None when none has ticked)."""
        times = [e[0].time for s in symbols if (e := self._ticks.get(s)) is not None]
        return max(times) if times else None
