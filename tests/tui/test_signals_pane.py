"""The Signals pane against a real SignalBook: rows with arrow, strength, regime, age and
reason; removed signals drop out; a shadow P&L line per generator; enter proposes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.app import App, ComposeResult
from textual.widgets import Static

import apex_tui.tui
from apex_tui.domain.clock import FixedClock
from apex_tui.orders.shadow import ShadowPnl
from apex_tui.signals.book import SignalBook
from apex_tui.signals.signal import Direction, Regime, Signal
from apex_tui.tui.panes.signals import SignalsPane, format_age
from apex_tui.tui.theme_loader import APP_VARIABLES

T0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
SIZE = (72, 14)


def sig(
    symbol: str,
    generator: str,
    direction: Direction,
    strength: float,
    *,
    minutes_ago: int = 1,
    reason: str = "",
    regime: Regime | None = None,
) -> Signal:
    return Signal(
        symbol,
        direction,
        strength,
        generator,
        "1m",
        T0 - timedelta(minutes=minutes_ago),
        reason or "no setup",
        regime=regime,
    )


def seeded_book() -> SignalBook:
    book = SignalBook()
    book.put(sig("AAPL", "trend", Direction.LONG, 0.8, reason="EMA12 above EMA26 by 1.6 ATR",
                 regime=Regime.TRENDING))  # fmt: skip
    book.put(sig("AAPL", "momentum", Direction.SHORT, 0.35, minutes_ago=3,
                 reason="MACD hist -0.18 ATR below zero"))  # fmt: skip
    book.put(sig("MSFT", "breakout", Direction.FLAT, 0.0, minutes_ago=180))
    return book


SHADOW = {
    "trend": ShadowPnl("trend", 3, 120.0, 2, 1, 0),
    "momentum": ShadowPnl("momentum", 2, -40.5, 1, 1, 1),
}


class PaneHost(App[None]):
    """A bare app around the pane, with the app's stylesheet and theme variables."""

    CSS_PATH = str(Path(apex_tui.tui.__file__).parent / "styles" / "app.tcss")

    def __init__(self, book: SignalBook, shadow: dict[str, ShadowPnl] | None = None) -> None:
        super().__init__()
        self.book, self.shadow = book, shadow
        self.clock = FixedClock(T0)
        self.proposed: list[Signal] = []

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLES)

    def compose(self) -> ComposeResult:
        yield SignalsPane(id="signals", refresh_s=60)  # the tests pull by hand

    def on_mount(self) -> None:
        pane = self.query_one(SignalsPane)
        feed = None if self.shadow is None else lambda: self.shadow or {}
        pane.attach(None, self.book, self.clock.now, shadow=feed)
        pane.focus()

    def propose_from_signal(self, signal: Signal) -> None:
        self.proposed.append(signal)


def text_of(app: App[Any], selector: str) -> str:
    renderable = app.query_one(selector, Static).content
    console = Console(width=SIZE[0] - 4, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


async def test_rows_show_direction_strength_regime_age_and_reason() -> None:
    app = PaneHost(seeded_book())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pane = app.query_one(SignalsPane)
        lines = text_of(app, "#signals-table").splitlines()
        assert len(lines) == 2  # MSFT's FLAT breakout ("no view") is not listed
        assert lines[0].startswith("▼ AAPL  momentum") and "██░░░" in lines[0]
        assert "3m" in lines[0] and "MACD hist" in lines[0]
        assert lines[1].startswith("▲ AAPL  trend") and "████░" in lines[1]
        assert "trd" in lines[1] and "60s" in lines[1]
        assert "EMA12 above EMA26" in lines[1]
        assert not app.query_one("#shadow-pnl", Static).display
        assert not app.query_one(".empty-state", Static).display

        app.book.remove(symbol="AAPL")
        pane.pull()  # only a FLAT signal left: the pane says it has none to show
        assert app.query_one(".empty-state", Static).display


async def test_shadow_line_and_enter_proposes_the_selected_signal() -> None:
    app = PaneHost(seeded_book(), dict(SHADOW))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        shadow = text_of(app, "#shadow-pnl")
        assert "Shadow P&L" in shadow
        assert "momentum -40.50 (2, 1 unmarked)" in shadow
        assert "trend +120.00 (3)" in shadow
        await pilot.press("down", "enter")
        assert [(s.symbol, s.generator) for s in app.proposed] == [("AAPL", "trend")]


def test_format_age() -> None:
    assert [format_age(s) for s in (-1, 42, 119, 600, 7200)] == ["0s", "42s", "119s", "10m", "2h"]
