"""Opaque modals keep the cockpit's status bar: the connection state stays in sight."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from apex_tui.tui.screens.help import HelpScreen
from apex_tui.tui.widgets.status_bar import StatusBar
from tests.integration.app.conftest import live_app, wait_for


async def test_a_modal_shows_the_connection_dropping_while_it_is_open(tmp_path: Path) -> None:
    async with live_app(tmp_path) as (app, pilot):
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        help_screen = app.screen

        def connection_text() -> str:
            bars = help_screen.query(StatusBar)
            if not bars:
                return ""
            return str(bars.first().query_one("#connection", Static).render())

        await wait_for(pilot, lambda: "CONNECTED" in connection_text(), "the bar on the modal")
        simulator = app.engine.simulator
        assert simulator is not None
        simulator.sim.call(lambda srv: srv.faults.notice(1100))  # IB lost its servers
        await wait_for(pilot, lambda: "DEGRADED" in connection_text(), "DEGRADED on the modal")
        assert app.screen is help_screen, "the modal stays open; the state shows on it"
