"""The app shell driven by keys, as a trader would: panes, help, themes, log, quit."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from textual.widgets import Static

from apex_tui.tui.app import PANE_IDS, ApexApp
from apex_tui.tui.panes.base import Pane
from apex_tui.tui.panes.log import LogPane
from apex_tui.tui.screens.confirm import ConfirmScreen
from apex_tui.tui.screens.help import HelpScreen
from tests.tui.conftest import SIZE


async def test_number_keys_focus_each_pane(app_factory: Callable[..., ApexApp]) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        for number, pane_id in reversed(list(enumerate(PANE_IDS, start=1))):
            await pilot.press(str(number))
            assert isinstance(app.focused, Pane)
            assert app.focused.id == pane_id


async def test_panes_show_honest_empty_states(app_factory: Callable[..., ApexApp]) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE):
        texts = {
            pane.id: str(pane.query_one(".empty-state", Static).render())
            for pane in app.query(Pane)
        }
        assert texts["positions"].startswith("Not connected")
        assert texts["quotes"].startswith("Not connected")
        assert texts["jobs"].startswith("No jobs.")
        assert all(texts.values())
        assert not any(ch.isdigit() for text in texts.values() for ch in text)


async def test_help_lists_every_app_binding(app_factory: Callable[..., ApexApp]) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(app.screen.query_one("#help-text", Static).content)
        text = console.export_text()
        for needle in ("Focus the Quotes pane", "Show or hide the log pane", "Quit", "ctrl+p"):
            assert needle in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_t_cycles_through_the_apex_themes(app_factory: Callable[..., ApexApp]) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        seen = [app.theme]
        for _ in range(3):
            await pilot.press("t")
            seen.append(app.theme)
        assert seen == ["apex-dark", "apex-high-contrast", "apex-light", "apex-dark"]


async def test_l_toggles_the_log_pane(app_factory: Callable[..., ApexApp]) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        log_pane = app.query_one(LogPane)
        assert not log_pane.display
        await pilot.press("l")
        assert log_pane.display
        await pilot.press("l")
        assert not log_pane.display


async def test_q_quits_at_once_when_nothing_is_pending(
    app_factory: Callable[..., ApexApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0
        assert not app.is_running


async def test_q_asks_first_when_work_is_pending(app_factory: Callable[..., ApexApp]) -> None:
    app = app_factory()
    app.engine.pending_work = lambda: ["1 working order"]  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert app.is_running
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("q", "y")
        await pilot.pause()
        assert not app.is_running


async def test_broken_theme_file_is_reported_and_default_used(
    tmp_path: Path, repo_root: Path, app_factory: Callable[..., ApexApp]
) -> None:
    (tmp_path / "apex-dark.toml").write_text(
        (repo_root / "themes" / "apex-dark.toml").read_text().replace('"#4A9EFF"', '"nope"')
    )
    app = app_factory(themes_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "textual-dark"
        messages = [n.message for n in app._notifications]
        assert any("apex-dark.toml" in m and "primary is not a colour" in m for m in messages)
        await pilot.press("t")  # cycling still works with only the fallback
        assert app.theme == "textual-dark"


async def test_palette_offers_the_app_commands(app_factory: Callable[..., ApexApp]) -> None:
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for title in ("Command line", "Kill switch", "Feature flags", "Focus Quotes", "Reconnect"):
            assert title in titles
        await pilot.press("ctrl+p")
        assert app.screen.__class__.__name__ == "CommandPalette"
