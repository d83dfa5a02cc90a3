"""QuoteBook: the latest Quote per symbol, with a version counter panes diff against."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from apex_tui.domain.quotes import Quote, Tick


class QuoteBook:
    """Per-symbol quotes; every change bumps `version` and marks the symbol dirty.

    Symbols are kept in order of their last change, so `changes_since` walks only the
    symbols that changed after the caller's version instead of the whole book.
    """

    def __init__(self) -> None:
        self._quotes: dict[str, Quote] = {}
        # symbol -> version of its last change, oldest change first
        self._changed: OrderedDict[str, int] = OrderedDict()
        self.version = 0

    def _bump(self, symbol: str) -> None:
        self.version += 1
        self._changed[symbol] = self.version
        self._changed.move_to_end(symbol)

    def track(self, symbol: str) -> None:
        """Show `symbol` (with no prices yet) before its first tick arrives."""
        if symbol not in self._quotes:
            self._quotes[symbol] = Quote(symbol=symbol)
            self._bump(symbol)

    def apply(self, tick: Tick, *, close: float = math.nan) -> Quote:
        """Take the full top-of-book state in `tick`; `close` is kept once known."""
        old = self._quotes.get(tick.symbol)
        prev_close = old.close if old is not None else math.nan
        quote = Quote(
            symbol=tick.symbol,
            bid=tick.bid,
            ask=tick.ask,
            last=tick.last,
            bid_size=tick.bid_size,
            ask_size=tick.ask_size,
            last_size=tick.last_size,
            volume=tick.volume,
            close=prev_close if math.isnan(close) else close,
            time=tick.time,
            stale=False,
        )
        self._quotes[tick.symbol] = quote
        self._bump(tick.symbol)
        return quote

    def remove(self, symbol: str) -> None:
        """Drop `symbol`; it is reported as changed so panes delete its row."""
        if self._quotes.pop(symbol, None) is not None:
            self._bump(symbol)

    def mark_stale(self, now: datetime, threshold: float) -> list[str]:
        """Flag quotes not updated within `threshold` seconds; returns the stale symbols."""
        cutoff = now - timedelta(seconds=threshold)
        stale: list[str] = []
        for symbol, quote in list(self._quotes.items()):
            is_stale = quote.time is None or quote.time < cutoff
            if is_stale:
                stale.append(symbol)
            if is_stale != quote.stale:
                self._quotes[symbol] = replace(quote, stale=is_stale)
                self._bump(symbol)
        return stale

    def get(self, symbol: str) -> Quote | None:
        return self._quotes.get(symbol)

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._quotes

    def __len__(self) -> int:
        return len(self._quotes)

    def symbols(self) -> list[str]:
        return list(self._quotes)

    def snapshot(self) -> dict[str, Quote]:
        """A copy of every quote (the records themselves are frozen)."""
        return dict(self._quotes)

    def changes_since(self, version: int) -> tuple[int, list[str]]:
        """(current version, symbols changed after `version`); removed symbols included."""
        changed: list[str] = []
        for symbol, ver in reversed(self._changed.items()):
            if ver <= version:
                break
            changed.append(symbol)
        changed.reverse()
        return self.version, changed

    def last_update(self, symbols: Iterable[str]) -> datetime | None:
        """The newest update time among `symbols` (None when none has ticked)."""
        times = [q.time for s in symbols if (q := self._quotes.get(s)) and q.time is not None]
        return max(times) if times else None
