"""Config hot reload in the app: watch the file, apply what is safe live (theme, refresh
rate, log level, signal parameters, tightening risk), ask before loosening risk limits, name
what needs a restart. Kept apart from app.py (layout and navigation) so each file holds one
job; the rules themselves live in core/hot_reload.py."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App

from apex_tui.config import Settings, load_settings
from apex_tui.core.hot_reload import Change, ConfigWatcher, ReloadPlan
from apex_tui.tui.panes.polling import Polling
from apex_tui.tui.screens.confirm import ConfirmScreen
from apex_tui.tui.ui_clock import ui_clock

if TYPE_CHECKING:
    from apex_tui.core.engine import Engine


class ConfigReloadMixin:
    """Mixed into ApexApp; `self` is the App and has the engine and the config's path."""

    engine: Engine
    theme_names: list[str]
    config_watcher: ConfigWatcher | None
    _config_path: Path | None
    _cli_overrides: Mapping[str, Any]
    _refresh_s: float

    @property
    def _app(self) -> App[None]:
        assert isinstance(self, App)
        return self

    def apply_config_changes(self, changes: tuple[Change, ...], settings: Settings) -> None:
        """Hot reload: apply what is safe live, to the services and to the screen."""
        app = self._app
        keys = {c.key for c in changes}
        not_live = self.engine.apply_changes(changes)
        if "ui.theme" in keys:
            wanted = settings.ui.theme
            if wanted in self.theme_names:
                app.theme = wanted
            else:
                not_live.append(f"ui.theme ({wanted!r} is not a loaded theme)")
        if "ui.refresh_ms" in keys:
            self._refresh_s = settings.ui.refresh_ms / 1000.0
            # isinstance, not query(Polling): queries match CSS type names (first bases only)
            for widget in app.query("*"):
                if isinstance(widget, Polling):
                    widget.set_refresh(self._refresh_s)
        applied = ", ".join(sorted(keys))
        app.notify(f"Applied: {applied}", title="Config reloaded", timeout=6)
        if not_live:
            app.notify("Not applied: " + "; ".join(not_live), severity="warning", timeout=10)

    def _start_config_watcher(self) -> None:
        """Watch the config file; changes are validated, classified and applied or reported."""
        app = self._app
        path = self._config_path
        if path is None:
            return

        def confirm(plan: ReloadPlan) -> None:
            def answered(yes: bool | None) -> None:
                if yes:
                    self.apply_config_changes(watcher.confirm(), plan.settings)
                else:
                    watcher.decline()
                    app.notify("Risk limits unchanged", timeout=5)

            lines = [c.describe() for c in plan.confirm]
            app.push_screen(ConfirmScreen("Loosen these risk limits?", lines), answered)

        def invalid(problems: list[str]) -> None:
            app.notify("\n".join(problems), title="Config not reloaded", severity="error",
                        timeout=15)  # fmt: skip

        def restart(changes: tuple[Change, ...]) -> None:
            keys = ", ".join(c.key for c in changes)
            app.notify(f"Restart to apply: {keys}", title="Config", severity="warning",
                        timeout=10)  # fmt: skip

        watcher = ConfigWatcher(
            path,
            self.engine.settings,
            on_invalid=invalid,
            on_apply=self.apply_config_changes,
            on_confirm=confirm,
            on_restart=restart,
            journal=self.engine.journal_append,
            load=lambda p: load_settings(p, self._cli_overrides),
        )
        self.config_watcher = watcher
        ui_clock(app).every(1.0, watcher.poll)
