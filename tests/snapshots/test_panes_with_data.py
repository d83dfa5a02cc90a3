"""The Quotes, Positions and Health panes with data from a seeded simulator world at a fixed
time (no socket: the stores are filled the way the connector fills them), so the look is pinned
deterministically."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from textual.pilot import Pilot

from apex_tui.domain.clock import FixedClock
from apex_tui.domain.quotes import Tick
from apex_tui.health.board import HealthBoard
from apex_tui.health.model import CheckResult, Status
from apex_tui.market.bars import BarAggregator
from apex_tui.market.portfolio import Portfolio
from apex_tui.market.quotebook import QuoteBook
from apex_tui.sim.settings import WorldSettings
from apex_tui.sim.world import World
from apex_tui.tui.app import ApexApp
from apex_tui.tui.panes.health import HealthPane
from apex_tui.tui.panes.positions import PositionsPane
from apex_tui.tui.panes.quote_table import QuoteTable
from apex_tui.tui.panes.quotes import QuoteSource, QuotesPane
from tests.tui.conftest import SIZE, make_app

T0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # a Friday, 10:30 in New York
SYMBOLS = ["AAPL", "MSFT", "NVDA", "SPY", "JPM", "XOM"]


def seeded_stores() -> tuple[QuoteBook, BarAggregator, Portfolio]:
    world = World(WorldSettings(seed=7))
    book, bars, portfolio = QuoteBook(), BarAggregator(), Portfolio()
    for minute in range(12, -1, -1):  # twelve minutes of history for the sparklines
        when = T0 - timedelta(minutes=minute)
        for symbol in SYMBOLS:
            [inst] = world.find(symbol, "STK")
            q = world.quote(inst, when)
            tick = Tick(when, symbol, q.bid, q.ask, q.last, q.bid_size, q.ask_size,
                        q.last_size, q.volume)  # fmt: skip
            book.apply(tick, close=q.close)
            bars.add(tick)
    bars.flush(T0 + timedelta(minutes=1))
    aapl = book.get("AAPL")
    msft = book.get("MSFT")
    assert aapl is not None and msft is not None
    portfolio.update_position("AAPL", account="DU1234567", qty=100, avg_cost=aapl.last - 1.25)
    portfolio.update_position("MSFT", account="DU1234567", qty=-20, avg_cost=msft.last + 2.0)
    for symbol in ("AAPL", "MSFT"):
        quote = book.get(symbol)
        assert quote is not None
        portfolio.mark(symbol, quote.last, T0, quote.close)
    for tag, value in (("NetLiquidation", "1000250.00"), ("TotalCashValue", "985000.00"),
                       ("BuyingPower", "3990000.00")):  # fmt: skip
        portfolio.update_account(tag, value, "USD", "DU1234567", T0)
    return book, bars, portfolio


def health_board() -> HealthBoard:
    board = HealthBoard()
    rows = [
        ("connection", Status.HEALTHY, "CONNECTED · rtt 3 ms", "connected", 0.003),
        ("data farms", Status.DEGRADED, "1 down", "down: usfarm", 1.0),
        ("market data", Status.HEALTHY, "0/6 stale", "oldest SPY 1 s", 0.0),
        ("disk", Status.UNHEALTHY, "1.2 GB free", "under 2.0 GB free", 1.2e9),
        ("event loop", Status.HEALTHY, "p99 4 ms", "responsive", 0.004),
    ]
    for name, status, value, message, number in rows:
        board.record(CheckResult(name, status, value, message, T0, number))
    return board


def attach(app: ApexApp) -> None:
    book, bars, portfolio = seeded_stores()
    clock = FixedClock(T0 + timedelta(seconds=2), mono=1000.0)

    async def never(_symbol: str) -> None:
        raise AssertionError("not used")

    app.query_one(QuotesPane).attach(
        QuoteSource(
            feed=book,
            spark=lambda s: bars.closes(s, 60, 10),
            notes=lambda: {},
            add=never,
            remove=lambda _s: None,
            now=clock.now,
            monotonic=clock.monotonic,
        )
    )
    app.query_one(PositionsPane).attach(portfolio)
    app.query_one(HealthPane).attach(health_board())


async def attached(pilot: Pilot[Any]) -> None:
    """Attach the seeded stores and wait for the Quotes table (it may mount a few frames late
    under load)."""
    app = pilot.app
    assert isinstance(app, ApexApp)
    attach(app)
    while not app.query(QuoteTable):
        await pilot.pause()


def test_panes_with_seeded_data(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await attached(pilot)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_quotes_sorted_by_change(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await attached(pilot)
        app = pilot.app
        assert isinstance(app, ApexApp)
        app.action_focus_pane("quotes")
        table = app.query_one(QuoteTable)
        while not table.has_focus:
            await pilot.pause()
        await pilot.press("right", "right", "right", "right", "right", "s")
        while table.sort_col is None:
            await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
