"""The flags screen against a real FlagBoard: space toggles at once, dangerous flags need their
phrase, the journal shows each toggle, and flag hotkeys bind to one app action."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.app import App
from textual.widgets import DataTable, Input, Static

import apex_tui.tui
from apex_tui.domain.clock import FixedClock
from apex_tui.flags import FlagBoard, FlagChange
from apex_tui.tui.screens.flags import FlagsScreen, flag_bindings, request_toggle
from apex_tui.tui.screens.typed_confirm import TypedConfirmScreen
from apex_tui.tui.theme_loader import APP_VARIABLES

T0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
SIZE = (110, 32)


class FlagsHost(App[None]):
    """A bare app that opens the flags screen, with the app's stylesheet and variables."""

    CSS_PATH = str(Path(apex_tui.tui.__file__).parent / "styles" / "app.tcss")

    def __init__(self, board: FlagBoard, *, open_screen: bool = True) -> None:
        super().__init__()
        self.board = board
        self._open = open_screen
        for b in flag_bindings(board):
            self.bind(b.key, b.action, description=b.description, show=False)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLES)

    def on_mount(self) -> None:
        if self._open:
            self.push_screen(FlagsScreen(self.board, refresh_s=60))

    def action_toggle_flag(self, name: str) -> None:
        request_toggle(self, self.board, name)


def make_board() -> tuple[FlagBoard, list[FlagChange]]:
    heard: list[FlagChange] = []
    board = FlagBoard(clock=FixedClock(T0))
    board.subscribe(heard.append)
    return board, heard


def journal_text(app: App[Any]) -> str:
    return str(app.screen.query_one("#flags-journal", Static).render())


def state_cell(app: App[Any], name: str) -> str:
    table: DataTable[Any] = app.screen.query_one(DataTable)
    return str(table.get_cell(name, "state"))


async def test_space_toggles_a_normal_flag_at_once_and_journals_it() -> None:
    board, heard = make_board()
    app = FlagsHost(board)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, FlagsScreen)
        assert state_cell(app, "trend") == "ON"
        assert "No toggles yet" in journal_text(app)
        await pilot.press("space")  # the cursor starts on the first flag, trend
        assert not board.is_on("trend")
        assert [(c.flag, c.old, c.new) for c in heard] == [("trend", True, False)]
        assert state_cell(app, "trend") == "OFF"
        assert "15:30:00  trend" in journal_text(app) and "on -> off" in journal_text(app)
        await pilot.press("down", "space")  # mean_reversion
        assert not board.is_on("mean_reversion")
        assert journal_text(app).splitlines()[0].startswith("15:30:00  mean_reversion")


async def test_a_dangerous_flag_asks_for_its_phrase_and_refuses_a_wrong_one() -> None:
    board, heard = make_board()
    app = FlagsHost(board)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*["down"] * 6)
        assert app.screen.selected() == "auto_propose"  # type: ignore[attr-defined]
        await pilot.press("space")
        await pilot.pause()
        assert isinstance(app.screen, TypedConfirmScreen)
        assert not board.is_on("auto_propose") and heard == []
        await pilot.press(*"propose", "enter")
        await pilot.pause()
        assert isinstance(app.screen, FlagsScreen)
        assert not board.is_on("auto_propose") and heard == []
        assert any("Wrong phrase" in n.message for n in app._notifications)

        await pilot.press("space")
        await pilot.pause()
        app.screen.query_one(Input).value = "auto_propose"
        await pilot.press("enter")
        await pilot.pause()
        assert board.is_on("auto_propose")
        assert [(c.flag, c.new) for c in heard] == [("auto_propose", True)]
        assert state_cell(app, "auto_propose") == "ON"
        assert "auto_propose" in journal_text(app) and "off -> on" in journal_text(app)

        await pilot.press("space")  # turning it off needs no phrase
        assert not board.is_on("auto_propose")
        assert isinstance(app.screen, FlagsScreen)


async def test_escape_cancels_the_phrase_and_closes_the_screen() -> None:
    board, heard = make_board()
    app = FlagsHost(board)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*["down"] * 7, "space")  # options_trading
        await pilot.pause()
        assert isinstance(app.screen, TypedConfirmScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, FlagsScreen) and heard == []
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, FlagsScreen)


def test_flag_bindings_use_each_flags_hotkey() -> None:
    board, _ = make_board()
    bindings = {b.key: b.action for b in flag_bindings(board)}
    assert bindings["f2"] == "toggle_flag('trend')"
    assert bindings["f8"] == "toggle_flag('auto_propose')"
    assert len(bindings) == len(board.states())


async def test_hotkeys_toggle_from_anywhere_and_dangerous_ones_still_ask() -> None:
    board, heard = make_board()
    app = FlagsHost(board, open_screen=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        assert not board.is_on("trend")
        await pilot.press("f9")
        await pilot.pause()
        assert isinstance(app.screen, TypedConfirmScreen)
        assert not board.is_on("options_trading")
        assert [c.flag for c in heard] == ["trend"]
