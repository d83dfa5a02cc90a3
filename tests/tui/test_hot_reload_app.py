"""Config hot reload in the running app: safe keys apply at once, a bad file is refused with
the key named, loosening waits for the trader, restart keys are reported."""

from __future__ import annotations

from pathlib import Path

from apex_tui.config import load_settings
from apex_tui.core.hot_reload import Change
from apex_tui.core.live_settings import with_changes
from apex_tui.tui.panes.log import LogPane
from apex_tui.tui.panes.polling import Polling
from apex_tui.tui.panes.risk import RiskPane
from apex_tui.tui.screens.confirm import ConfirmScreen
from tests.tui.conftest import SIZE, make_app


def messages(app: object) -> list[str]:
    return [n.message for n in app._notifications]  # type: ignore[attr-defined]


async def test_reload_in_the_running_app(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[ui]\ntheme = "apex-dark"\n[risk]\nmax_order_qty = 1000\n')
    app = make_app(config_path=config)
    app.engine.settings = load_settings(config)
    async with app.run_test(size=SIZE) as pilot:
        watcher = app.config_watcher
        assert watcher is not None

        config.write_text(
            '[ui]\ntheme = "apex-light"\nrefresh_ms = 250\n[risk]\nmax_order_qty = 1000\n'
        )
        watcher.poll()
        await pilot.pause()
        assert app.theme == "apex-light"
        assert app.engine.settings.ui.refresh_ms == 250
        assert any("Applied" in m and "ui.theme" in m for m in messages(app))

        config.write_text("[ui]\ntheme = 7\n")
        watcher.poll()
        await pilot.pause()
        assert app.theme == "apex-light"  # the old config stays
        assert any("ui.theme" in m for m in messages(app) if "Applied" not in m)

        config.write_text(
            '[ui]\ntheme = "apex-light"\nrefresh_ms = 250\n[risk]\nmax_order_qty = 5000\n'
        )
        watcher.poll()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert app.engine.settings.risk.max_order_qty == 1000  # not before the trader says yes
        await pilot.press("y")
        assert app.engine.settings.risk.max_order_qty == 5000

        config.write_text(
            '[ui]\ntheme = "apex-light"\nrefresh_ms = 250\n[risk]\nmax_order_qty = 5000\n'
            "[broker]\nclient_id = 9\n"
        )
        watcher.poll()
        await pilot.pause()
        assert any("Restart to apply: broker.client_id" in m for m in messages(app))
        assert app.engine.settings.broker.client_id == 1


def test_with_changes_revalidates_only_the_touched_sections() -> None:
    settings = load_settings(None)
    new, sections = with_changes(
        settings,
        (Change("risk.max_order_qty", 1000, 10), Change("risk.breaker.max_rejections", 3, 1)),
    )
    assert sections == {"risk"}
    assert new.risk.max_order_qty == 10
    assert new.risk.breaker.max_rejections == 1
    assert new.broker == settings.broker
    assert settings.risk.max_order_qty == 1000  # the original is untouched


async def test_a_faster_refresh_rate_keeps_each_panes_floor(tmp_path: Path) -> None:
    """ui.refresh_ms = 50 speeds up the fast widgets (the log here; the Quotes table once
    attached); slow panes stay at their own floor."""

    config = tmp_path / "c.toml"
    config.write_text("[ui]\nrefresh_ms = 100\n")
    app = make_app(config_path=config)
    app.engine.settings = load_settings(config)
    async with app.run_test(size=SIZE) as pilot:
        watcher = app.config_watcher
        assert watcher is not None
        config.write_text("[ui]\nrefresh_ms = 50\n")
        watcher.poll()
        await pilot.pause()

        def period(widget: Polling) -> float:
            assert widget.poll_period is not None
            return widget.poll_period

        assert period(app.query_one(LogPane)) == 0.05
        assert period(app.query_one(RiskPane)) == RiskPane.MIN_POLL_S == 0.5
