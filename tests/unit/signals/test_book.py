"""SignalBook: latest per (symbol, generator), version counter, changes since a version."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apex_tui.signals.book import SignalBook
from apex_tui.signals.signal import Direction, Regime, Signal

T = datetime(2026, 1, 5, tzinfo=UTC)


def sig(symbol: str, gen: str, direction: Direction = Direction.LONG, s: float = 0.5) -> Signal:
    strength = 0.0 if direction is Direction.FLAT else s
    return Signal(symbol, direction, strength, gen, "1m", T, "why", {"n": 1})


def test_latest_per_key_and_changes_since() -> None:
    book = SignalBook()
    book.put(sig("A", "trend"))
    v1 = book.version
    book.put(sig("A", "trend", Direction.SHORT))
    book.put(sig("B", "momentum"))
    book.set_regime("A", Regime.TRENDING)
    book.set_regime("A", Regime.TRENDING)  # unchanged: no new version
    latest = book.latest("A", "trend")
    assert latest is not None and latest.direction is Direction.SHORT
    assert len(book) == 2
    changes = book.changes_since(v1)
    assert [s.key for s in changes.updated] == [("A", "trend"), ("B", "momentum")]
    assert changes.regimes == {"A": Regime.TRENDING}
    assert changes.version == book.version == v1 + 3
    assert book.changes_since(book.version).updated == ()
    book.remove(symbol="A")
    assert book.regime("A") is None and book.latest("A", "trend") is None
    assert book.changes_since(v1).removed == (("A", "trend"),)


def test_signal_record_is_checked_and_frozen() -> None:
    s = sig("A", "trend")
    with pytest.raises(TypeError):
        s.params["n"] = 2  # type: ignore[index]
    with pytest.raises(ValueError, match=r"0\.\.1"):
        sig("A", "trend", s=1.5)
    with pytest.raises(ValueError, match="FLAT"):
        Signal("A", Direction.FLAT, 0.3, "trend", "1m", T, "x")
    assert Direction.LONG.arrow == "▲"
