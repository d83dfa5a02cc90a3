"""The log pane: level filter, search with highlights and jumps, correlation ids, theme colours."""

from __future__ import annotations

import logging
from pathlib import Path

from rich.color import Color
from textual.app import App, ComposeResult
from textual.widgets import Input

import apex_tui.tui
from apex_tui.logging import LogTail
from apex_tui.tui.panes.log import LogPane
from apex_tui.tui.theme_loader import APP_VARIABLES


class LogApp(App[None]):
    CSS_PATH = str(Path(apex_tui.tui.__file__).parent / "styles" / "app.tcss")

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLES)

    def __init__(self, tail: LogTail) -> None:
        super().__init__()
        self.tail = tail

    def compose(self) -> ComposeResult:
        yield LogPane(self.tail, refresh_s=60)  # the test polls by hand


def emit(tail: LogTail, level: str, event: str, **fields: object) -> None:
    tail.emit(
        logging.makeLogRecord(
            {"name": "apex_tui.t", "levelname": level, "msg": {"event": event, **fields}}
        )
    )


def texts(pane: LogPane) -> list[str]:
    return [strip.text.rstrip() for strip in pane.lines.lines]


def fill(tail: LogTail) -> None:
    emit(tail, "DEBUG", "tick_batch", rows=10)
    emit(tail, "INFO", "order placed", qty=10, order_id=42, proposal_id="p-1")
    emit(tail, "WARNING", "disk nearly full", free_gb=1)
    emit(tail, "ERROR", "sink_write_failed", error="disk full")


async def test_level_filter_cycles_and_ids_lead() -> None:
    tail = LogTail()
    fill(tail)
    app = LogApp(tail)
    async with app.run_test(size=(120, 14)) as pilot:
        pane = app.query_one(LogPane)
        pane.lines.focus()
        await pilot.pause()
        lines = texts(pane)
        assert len(lines) == 4
        assert "[proposal_id=p-1 order_id=42] order placed  qty=10" in lines[1]
        await pilot.press("v")
        assert pane.min_level == "INFO" and len(texts(pane)) == 3
        await pilot.press("v", "v")
        assert pane.min_level == "ERROR"
        assert [line.split()[1] for line in texts(pane)] == ["ERROR"]
        assert pane.border_subtitle == "≥ ERROR"
        emit(tail, "WARNING", "hidden")
        emit(tail, "ERROR", "shown")
        pane.poll()
        await pilot.pause()
        assert [line.split()[3] for line in texts(pane)] == ["sink_write_failed", "shown"]
        await pilot.press("v")
        assert pane.min_level == "DEBUG" and len(texts(pane)) == 6


async def test_error_level_uses_the_theme_colour() -> None:
    tail = LogTail()
    emit(tail, "ERROR", "boom")
    app = LogApp(tail)
    async with app.run_test(size=(120, 14)) as pilot:
        await pilot.pause()
        pane = app.query_one(LogPane)
        level = next(s for s in pane.lines.lines[0] if s.text.strip() == "ERROR")
        assert level.style is not None and level.style.color is not None
        expected = Color.parse(app.theme_variables["state-bad"])
        assert level.style.color.get_truecolor() == expected.get_truecolor()


async def test_search_highlights_and_jumps() -> None:
    tail = LogTail()
    for i in range(30):
        emit(tail, "INFO", f"line {i}", **({"tag": "disk"} if i % 10 == 0 else {}))
    fill(tail)
    app = LogApp(tail)
    async with app.run_test(size=(120, 14)) as pilot:
        pane = app.query_one(LogPane)
        pane.lines.focus()
        await pilot.pause()
        await pilot.press("slash")
        prompt = app.query_one("#log-prompt", Input)
        assert prompt.display and prompt.has_focus
        await pilot.press(*"DISK")  # any case
        assert pane.search == "DISK"
        found = pane.matches()
        assert len(found) == 5  # three tagged, the warning, the error
        assert "5 matches" in str(pane.border_subtitle)
        await pilot.press("enter")
        await pilot.pause()
        assert not prompt.display and pane.cursor == found[-1]
        highlighted = [
            seg.text
            for seg in pane.lines.lines[found[-1]]
            if seg.style is not None and seg.style.reverse
        ]
        assert highlighted == ["disk"]
        await pilot.press("n")
        assert pane.cursor == found[-2]
        await pilot.press("n", "n", "n", "n")
        assert pane.cursor == found[0]  # stops at the oldest
        await pilot.press("N")
        assert pane.cursor == found[1]
        await pilot.press("escape")
        await pilot.pause()
        assert pane.search == "" and pane.matches() == [] and pane.cursor is None
        assert pane.lines.auto_scroll
