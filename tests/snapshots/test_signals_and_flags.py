"""Pin the Signals pane (seeded book, shadow P&L) and the flags screen (fixed clock, three
journaled toggles). Review snapshot updates like code."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from apex_tui.domain.clock import FixedClock
from apex_tui.flags import FlagBoard
from tests.tui.test_flags_screen import SIZE as FLAGS_SIZE
from tests.tui.test_flags_screen import FlagsHost
from tests.tui.test_signals_pane import SHADOW, PaneHost, seeded_book
from tests.tui.test_signals_pane import SIZE as PANE_SIZE

T0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def test_signals_pane(snap_compare: Any) -> None:
    app = PaneHost(seeded_book(), dict(SHADOW))
    assert snap_compare(app, terminal_size=PANE_SIZE)


def test_flags_screen(snap_compare: Any) -> None:
    board = FlagBoard(clock=FixedClock(T0))
    board.toggle("ml_signals")
    board.toggle("sink_ticks")
    board.toggle("auto_propose", "auto_propose")
    assert snap_compare(FlagsHost(board), terminal_size=FLAGS_SIZE, press=["down", "down"])
