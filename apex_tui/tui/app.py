"""ApexApp: the header, six panes in a grid, the log pane and the footer."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import Footer

from apex_tui.core.engine import Engine
from apex_tui.core.error_notifier import ErrorNotifier
from apex_tui.core.hot_reload import ConfigWatcher
from apex_tui.core.signal_service import shadow_feed
from apex_tui.domain.errors import ApexError
from apex_tui.gc_policy import freeze_startup_heap
from apex_tui.logging import get_logger, log_tail
from apex_tui.tui import strip_cycles
from apex_tui.tui.commands import CommandMixin
from apex_tui.tui.config_reload import ConfigReloadMixin
from apex_tui.tui.panes.base import Pane
from apex_tui.tui.panes.health import HealthPane
from apex_tui.tui.panes.jobs import JobsPane
from apex_tui.tui.panes.log import LogPane
from apex_tui.tui.panes.positions import PositionsPane
from apex_tui.tui.panes.quotes import QuoteSource, QuotesPane
from apex_tui.tui.panes.risk import RiskPane
from apex_tui.tui.panes.signals import SignalsPane
from apex_tui.tui.screens.confirm import ConfirmScreen
from apex_tui.tui.screens.flags import FlagsScreen, flag_bindings, request_toggle
from apex_tui.tui.screens.help import HelpScreen
from apex_tui.tui.screens.main_screen import MainScreen
from apex_tui.tui.theme_loader import APP_VARIABLES, load_themes
from apex_tui.tui.ui_clock import ui_clock
from apex_tui.tui.widgets.command_bar import CommandBar
from apex_tui.tui.widgets.status_bar import StatusBar

log = get_logger(__name__)

PANE_IDS = ("quotes", "positions", "signals", "risk", "health", "jobs")
FALLBACK_THEME = "textual-dark"


def _themes_folder(configured: Path) -> Path:
    """The configured folder; a relative one that is absent here falls back to the checkout's."""
    if configured.is_absolute() or configured.is_dir():
        return configured
    bundled = Path(__file__).resolve().parents[2] / configured
    return bundled if bundled.is_dir() else configured


class ApexApp(CommandMixin, ConfigReloadMixin, App[None]):
    """The trader's cockpit."""

    TITLE = "Apex TUI"
    CSS_PATH = "styles/app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "focus_pane('quotes')", "Quotes", show=False, tooltip="Focus the Quotes pane"),
        Binding("2", "focus_pane('positions')", "Positions", show=False, tooltip="Focus Positions"),
        Binding("3", "focus_pane('signals')", "Signals", show=False, tooltip="Focus Signals"),
        Binding("4", "focus_pane('risk')", "Risk", show=False, tooltip="Focus Risk"),
        Binding("5", "focus_pane('health')", "Health", show=False, tooltip="Focus Health"),
        Binding("6", "focus_pane('jobs')", "Jobs", show=False, tooltip="Focus Jobs"),
        Binding("colon", "command_line", "Command", tooltip="Command line: buy, sell, cancel, ..."),
        Binding("K", "kill_switch", "Kill", show=False, tooltip="Kill switch: cancel all, HALT"),
        Binding(
            "a",
            "acknowledge",
            "Acknowledge",
            show=False,
            tooltip="Review and acknowledge the reconnect checkpoint",
        ),
        Binding(
            "U",
            "unlock",
            "Unlock",
            show=False,
            tooltip="Back to ACTIVE after a breaker trip or a live start (typed confirmation)",
        ),
        Binding("l", "toggle_log", "Log", tooltip="Show or hide the log pane"),
        Binding("f", "flags", "Flags", tooltip="Feature flags: state, toggles, journal"),
        Binding(
            "R",
            "reconnect",
            "Reconnect",
            show=False,
            tooltip="Reconnect to the gateway now (also after it gave up)",
        ),
        Binding("t", "cycle_theme", "Theme", tooltip="Switch to the next theme"),
        Binding("question_mark", "help", "Help", tooltip="Show every key binding"),
        Binding(
            "ctrl+p",
            "command_palette",
            "Palette",
            show=False,
            tooltip="Command palette: every app command, searchable",
        ),
        Binding(
            "q",
            "request_quit",
            "Quit",
            tooltip="Quit (asks first when orders are working or proposals pending)",
        ),
    ]

    def __init__(
        self,
        engine: Engine,
        *,
        themes_dir: Path | None = None,
        autostart: bool = True,
        config_path: Path | None = None,
        cli_overrides: Mapping[str, Any] | None = None,
        freeze_heap: bool = False,
    ) -> None:
        super().__init__()
        strip_cycles.install()  # no reference cycle per rendered line (see the module)
        self.engine = engine
        self._autostart = autostart
        self._freeze_heap = freeze_heap  # see apex_tui/gc_policy.py
        self._config_path = config_path
        self._log_version = log_tail().version
        self._cli_overrides = dict(cli_overrides or {})
        self.config_watcher: ConfigWatcher | None = None
        for b in flag_bindings(engine.flags):
            self.bind(b.key, b.action, description=b.description, show=False)
        ui = engine.settings.ui
        self._refresh_s = ui.refresh_ms / 1000.0
        loaded = load_themes(themes_dir or _themes_folder(ui.themes_dir))
        self._theme_problems = loaded.problems
        self.theme_names: list[str] = []
        for theme in loaded.themes:
            self.register_theme(theme)
            self.theme_names.append(theme.name)
        wanted = ui.theme
        if wanted in self.theme_names:
            self.theme = wanted
        else:
            self._theme_problems.append(
                f"theme {wanted!r} is not available; using {FALLBACK_THEME}"
            )
            self.theme = FALLBACK_THEME
            self.theme_names.insert(0, FALLBACK_THEME)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        # Lets the stylesheet resolve $bid etc. even under a built-in fallback theme.
        return dict(APP_VARIABLES)

    def get_default_screen(self) -> Screen[Any]:
        return MainScreen(id="_default")  # its compositor renders only what a frame shows

    def compose(self) -> ComposeResult:
        yield StatusBar(self.engine)
        with Grid(id="panes"):
            # Grid cells fill row by row: this order puts Quotes over Positions on the left.
            yield QuotesPane(id="quotes", refresh_s=self._refresh_s)
            yield SignalsPane(id="signals", refresh_s=self._refresh_s)
            yield RiskPane(id="risk", refresh_s=self._refresh_s)
            # Each pane polls no faster than its MIN_POLL_S (Positions: marks move it with
            # every tick, and 4 redraws a second are plenty).
            yield PositionsPane(id="positions", refresh_s=self._refresh_s)
            yield HealthPane(id="health", refresh_s=self._refresh_s)
            yield JobsPane(
                id="jobs",
                refresh_s=self._refresh_s,
                today=lambda: self.engine.clock.now().date(),
            )
        log_pane = LogPane(log_tail(), self._refresh_s)
        log_pane.display = False
        yield log_pane
        bar = CommandBar(self._watchlist_symbols)
        bar.display = False
        yield bar
        yield Footer()

    def on_mount(self) -> None:
        for problem in self._theme_problems:
            log.warning("theme problem", problem=problem)
            self.notify(problem, title="Theme", severity="warning", timeout=10)
        self.query_one("#quotes", Pane).focus_target().focus()
        log.info("app started", mode=self.engine.mode, theme=self.theme)
        self._start_config_watcher()
        clock = ui_clock(self)
        clock.every(0.5, self.drain_alerts)
        # Errors from before this app (another app in the same process, e.g. tests) are not
        # this session's news; everything from construction on is.
        self._errors = ErrorNotifier(log_tail(), every=10.0, since_version=self._log_version)
        clock.every(1.0, self._notify_errors)
        if self._autostart:
            self.run_worker(self.start_engine(), name="engine-start", exit_on_error=False)

    def _notify_errors(self) -> None:
        """Errors logged anywhere show as a notification, at most one per 10 s."""
        for line in self._errors.poll():
            self.notify(line, title="Error logged", severity="error", timeout=10)

    async def start_engine(self) -> None:
        """Start the broker side; on failure say why in a notification and the header."""
        self.query_one(HealthPane).attach(self.engine.health)
        try:
            await self.engine.start()
        except ApexError as exc:
            self.notify(str(exc), title="Could not start", severity="error", timeout=30)
            return
        self.attach_panes()
        if self._freeze_heap:  # everything that lives as long as the process now exists
            freeze_startup_heap()

    def attach_panes(self) -> None:
        """Point the panes at the Engine's live stores."""
        connector = self.engine.connector
        if connector is None:
            return
        engine, clock = self.engine, self.engine.clock
        self.query_one(QuotesPane).attach(
            QuoteSource(
                feed=connector.quotes,
                spark=lambda symbol: connector.bars.closes(symbol, 60, 10),
                notes=lambda: connector.not_streaming,
                add=engine.add_symbol,
                remove=engine.remove_symbol,
                now=clock.now,
                monotonic=clock.monotonic,
                order=lambda: connector.watchlist,
            )
        )
        desk = self.engine.desk
        self.query_one(PositionsPane).attach(
            connector.portfolio, desk.manager if desk is not None else None
        )
        self.query_one(SignalsPane).attach(
            desk,
            self.engine.signals,
            clock.now,
            shadow=None if desk is None else shadow_feed(desk),
        )
        if desk is not None:
            alerts = self.engine.alerts
            self.query_one(RiskPane).attach(desk, lambda: list(alerts.alerts.values()))
        if self.engine.backfill is not None:
            self.query_one(JobsPane).attach(self.engine.backfill)
        if isinstance(self.focused, QuotesPane) or self.focused is None:
            self.action_focus_pane("quotes")

    # --- actions -------------------------------------------------------------------------
    def action_focus_pane(self, pane_id: str) -> None:
        """Move focus to one of the six panes."""
        self.query_one(f"#{pane_id}", Pane).focus_target().focus()

    def action_reconnect(self) -> None:
        """Reconnect at once, resetting the backoff."""
        if self.engine.connector is None:
            self.notify("The connector has not started", severity="warning")
            return
        self.engine.reconnect_now()
        self.notify("Reconnecting…", timeout=3)

    def action_flags(self) -> None:
        """Show the feature flags."""
        if not isinstance(self.screen, FlagsScreen):
            self.push_screen(FlagsScreen(self.engine.flags))

    def action_toggle_flag(self, name: str) -> None:
        """Toggle a flag by its hotkey (dangerous flags ask for their phrase)."""
        request_toggle(self, self.engine.flags, name)

    def action_toggle_log(self) -> None:
        """Show or hide the log pane."""
        pane = self.query_one(LogPane)
        pane.display = not pane.display
        if pane.display:
            pane.lines.focus()  # so its keys (level filter, search) work at once

    def action_cycle_theme(self) -> None:
        """Switch to the next theme."""
        names = self.theme_names
        index = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(index + 1) % len(names)]
        self.notify(f"Theme: {self.theme}", timeout=2)

    def action_help(self) -> None:
        """Show every key binding."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_request_quit(self) -> None:
        """Quit, asking first when orders are working or proposals are pending."""
        reasons = self.engine.pending_work()
        if not reasons:
            self.exit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(ConfirmScreen("Quit Apex TUI?", reasons), answered)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for number, pane_id in enumerate(PANE_IDS, start=1):
            yield SystemCommand(
                f"Focus {pane_id.title()}",
                f"Move focus to the {pane_id} pane (key {number})",
                lambda pane_id=pane_id: self.action_focus_pane(pane_id),
            )
        commands: list[tuple[str, str, Callable[[], object]]] = [
            ("Command line", "buy, sell, cancel, flatten, alert (:)", self.action_command_line),
            ("Feature flags", "Show and toggle the flags (f)", self.action_flags),
            ("Kill switch", "Cancel every order and HALT, after confirming (K)",
             self.action_kill_switch),
            ("Acknowledge checkpoint", "Review the reconnect diff (a)", self.action_acknowledge),
            ("Unlock trading", "Back to ACTIVE with the typed phrase (U)", self.action_unlock),
            ("Reconnect", "Reconnect to the gateway now (R)", self.action_reconnect),
            ("Toggle log pane", "Show or hide the log (l)", self.action_toggle_log),
            ("Cycle theme", "Switch to the next theme (t)", self.action_cycle_theme),
            ("Key bindings", "Show every key (?)", self.action_help),
        ]  # fmt: skip
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)
