"""QuoteBook: latest quote per symbol, version counter, dirty symbols, staleness."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from apex_tui.domain.quotes import Tick
from apex_tui.market.quotebook import QuoteBook

T0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def tick(
    symbol: str,
    last: float,
    *,
    at: datetime = T0,
    bid: float = math.nan,
    ask: float = math.nan,
    volume: float = math.nan,
) -> Tick:
    return Tick(
        time=at,
        symbol=symbol,
        bid=bid,
        ask=ask,
        last=last,
        bid_size=1.0,
        ask_size=2.0,
        last_size=3.0,
        volume=volume,
    )


def test_apply_keeps_the_latest_state_and_the_previous_close() -> None:
    book = QuoteBook()
    book.apply(tick("AAPL", 101.0, bid=100.9, ask=101.1), close=100.0)
    book.apply(tick("AAPL", 102.0, bid=101.9, ask=102.1))  # close not resent
    q = book.get("AAPL")
    assert q is not None
    assert (q.bid, q.ask, q.last, q.close) == (101.9, 102.1, 102.0, 100.0)
    assert q.change == pytest.approx(2.0)
    assert q.change_pct == pytest.approx(2.0)
    assert q.spread == pytest.approx(0.2)
    assert book.get("AAPL") is q  # built once, until the next change


def test_each_change_stamps_its_symbol_with_the_new_version() -> None:
    book = QuoteBook()
    book.apply(tick("AAPL", 1.0))
    book.apply(tick("MSFT", 1.0))
    assert (book.version, book.version_of("AAPL"), book.version_of("MSFT")) == (2, 1, 2)
    book.apply(tick("AAPL", 2.0))
    assert (book.version, book.version_of("AAPL"), book.version_of("MSFT")) == (3, 3, 2)
    assert book.version_of("NEVER") == 0


def test_removal_is_a_change_and_the_quote_is_gone() -> None:
    book = QuoteBook()
    book.apply(tick("AAPL", 1.0))
    v = book.version
    book.remove("AAPL")
    assert book.version_of("AAPL") == book.version == v + 1 and book.get("AAPL") is None


def test_quotes_older_than_the_threshold_turn_stale_and_fresh_ticks_clear_it() -> None:
    book = QuoteBook()
    book.apply(tick("OLD", 1.0, at=T0))
    book.apply(tick("NEW", 1.0, at=T0 + timedelta(seconds=25)))
    book.track("NONE")  # never ticked: stale from the start
    assert book.get("NONE").stale  # type: ignore[union-attr]
    v = book.version
    stale = book.mark_stale(T0 + timedelta(seconds=31), threshold=30)
    assert sorted(stale) == ["NONE", "OLD"]
    assert book.get("OLD").stale and not book.get("NEW").stale  # type: ignore[union-attr]
    # only what changed is redrawn
    assert [s for s in ("OLD", "NEW", "NONE") if book.version_of(s) > v] == ["OLD"]
    # marking again changes nothing, so no version bump
    v2 = book.version
    book.mark_stale(T0 + timedelta(seconds=31), threshold=30)
    assert book.version == v2
    book.apply(tick("OLD", 2.0, at=T0 + timedelta(seconds=32)))
    assert not book.get("OLD").stale  # type: ignore[union-attr]


def test_change_pct_is_nan_without_a_close() -> None:
    book = QuoteBook()
    book.apply(tick("AAPL", 1.0))
    q = book.get("AAPL")
    assert q is not None and math.isnan(q.change_pct)


def test_a_batch_is_applied_in_order_like_single_ticks() -> None:
    one, batch = QuoteBook(), QuoteBook()
    ticks = [tick("AAPL", 101.0), tick("MSFT", 400.0), tick("AAPL", 102.0)]
    closes = [100.0, math.nan, math.nan]  # AAPL's close sent once, MSFT's not yet
    for t, c in zip(ticks, closes, strict=True):
        one.apply(t, close=c)
    batch.apply_batch(ticks, closes)
    assert batch.version == one.version == 3
    assert batch.snapshot() == one.snapshot()
    aapl = batch.get("AAPL")
    assert aapl is not None and (aapl.last, aapl.close) == (102.0, 100.0)
    assert (batch.version_of("AAPL"), batch.version_of("MSFT")) == (3, 2)


def test_members_version_moves_only_when_a_symbol_joins_or_leaves() -> None:
    book = QuoteBook()
    seen = [book.members_version]

    def moved() -> bool:
        seen.append(book.members_version)
        return seen[-1] != seen[-2]

    book.apply_batch([tick("AAPL", 1.0), tick("MSFT", 2.0)], [math.nan, math.nan])
    assert moved()  # two new symbols
    book.apply(tick("AAPL", 1.5))
    assert not moved()  # a known symbol ticks
    book.track("SPY")
    assert moved()
    book.apply(tick("SPY", 500.0))
    assert not moved()  # its first tick: it was on show already
    book.mark_stale(T0 + timedelta(seconds=60), 5.0)
    assert not moved()
    book.remove("MSFT")
    assert moved()
    book.remove("MSFT")
    assert not moved()  # not there any more


def test_version_of_is_the_version_of_the_last_change() -> None:
    book = QuoteBook()
    assert book.version_of("AAPL") == 0
    book.apply(tick("AAPL", 1.0))
    book.apply(tick("MSFT", 2.0))
    assert (book.version_of("AAPL"), book.version_of("MSFT")) == (1, 2)
    book.apply(tick("AAPL", 1.1))
    assert book.version_of("AAPL") == book.version == 3
    book.remove("MSFT")
    assert book.version_of("MSFT") == 4  # a removal is a change the table must see
