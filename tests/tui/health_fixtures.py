"""A HealthBoard filled with fixed results, and a tiny app hosting the Health pane."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.app import App, ComposeResult

import apex_tui.tui
from apex_tui.health.board import HealthBoard
from apex_tui.health.model import CheckResult, Status
from apex_tui.tui.panes.health import HealthPane
from apex_tui.tui.theme_loader import APP_VARIABLES, load_themes

T0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]
H, D, U = Status.HEALTHY, Status.DEGRADED, Status.UNHEALTHY


def filled_board() -> HealthBoard:
    """Seven checks, every status, ten rounds of history (fixed times and numbers)."""
    board = HealthBoard()
    for i in range(10):
        at = T0 + timedelta(seconds=5 * i)
        lag = 0.002 + 0.001 * (i % 4)
        rss = 180e6 + 2e6 * i
        farms_down = i >= 7
        rows = [
            ("connection", H, "CONNECTED · rtt 12 ms", "connected to 127.0.0.1:4002", 0.012),
            (
                "data farms",
                D if farms_down else H,
                "1 down" if farms_down else "all OK",
                "down: ushmds" if farms_down else "every data farm reported OK",
                1.0 if farms_down else 0.0,
            ),
            ("market data", H, "0/8 stale", "oldest AMZN 1 s", 0.0),
            ("sink", U if i == 9 else H, "queue 1,204", "write failing: disk full", 0.1),
            ("disk", H, "84.8 GB free", "data", 84.8e9),
            ("memory", H, f"{rss / 1e6:.0f} MB", "steady", rss),
            ("event loop", H, f"p99 {lag * 1000:.0f} ms", "responsive", lag),
        ]
        for name, status, value, message, number in rows:
            board.record(CheckResult(name, status, value, message, at, number))
    return board


class HealthApp(App[None]):
    """The Health pane alone, under the apex-dark theme and the app's stylesheet."""

    CSS_PATH = str(Path(apex_tui.tui.__file__).parent / "styles" / "app.tcss")

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLES)

    def __init__(self, board: HealthBoard) -> None:
        super().__init__()
        self.board = board
        for theme in load_themes(REPO / "themes").themes:
            self.register_theme(theme)
        self.theme = "apex-dark"

    def compose(self) -> ComposeResult:
        yield HealthPane(id="health", refresh_s=60)  # pulled on attach, focus and keys

    def on_mount(self) -> None:
        pane = self.query_one(HealthPane)
        pane.attach(self.board)
        pane.focus()
