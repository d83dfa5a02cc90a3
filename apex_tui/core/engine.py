"""The Engine builds and owns the services (simulator, connector, stores, sink, jobs, risk,
orders) and exposes their state stores and commands. It runs the same way under the TUI,
under the headless commands, and in tests."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from apex_tui.broker.connector import Connector
from apex_tui.broker.settings import BrokerMode
from apex_tui.config import Settings
from apex_tui.core.alerts import AlertBook
from apex_tui.core.announcer import Announcer, log_health_transition
from apex_tui.core.backfill import BackfillService, pacing_for
from apex_tui.core.health_journal import HealthJournal
from apex_tui.core.health_wiring import build_checks
from apex_tui.core.hot_reload import Change
from apex_tui.core.live_settings import with_changes
from apex_tui.core.market_hours import MarketHours
from apex_tui.core.recording import Compactor, Recorder
from apex_tui.core.signal_service import (
    SignalService,
    aggregator_timeframes,
    desk_proposer,
    warm_kernels,
)
from apex_tui.core.simulator import RunningSimulator, start_embedded_simulator
from apex_tui.core.trading import TradingDesk
from apex_tui.core.watchlist import WatchlistFile
from apex_tui.domain.accounts import mask_accounts_in
from apex_tui.domain.clock import Clock, SystemClock
from apex_tui.domain.errors import ApexError
from apex_tui.domain.symbols import validate_symbol
from apex_tui.flags import FlagBoard
from apex_tui.health.board import HealthBoard
from apex_tui.health.probes import LoopLagMonitor
from apex_tui.health.runner import HealthRunner
from apex_tui.jobs.pacer import Pacer
from apex_tui.logging import get_logger
from apex_tui.periodic import Periodic
from apex_tui.signals.book import SignalBook
from apex_tui.store.lake import Lake
from apex_tui.store.sink import Sink

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ConnectionView:
    """What the header shows about the gateway connection."""

    state: str  # DISCONNECTED, CONNECTING, SYNCING, CONNECTED, DEGRADED, RECONNECTING, STOPPED
    reason: str


class Engine:
    """Owns every service; the UI reads its stores and calls its commands."""

    def __init__(
        self, settings: Settings, clock: Clock | None = None, *, live: bool = False
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.live = live
        sim_always = (
            settings.broker.mode is BrokerMode.SIM and settings.sim.market_hours == "always"
        )
        self.market_hours = MarketHours(self.clock, always_open=sim_always)
        self.desk: TradingDesk | None = None
        self._upkeep_timer = Periodic(self._upkeep, 0.5, name="engine-upkeep")
        self.signals: SignalBook | None = None
        self.signal_service: SignalService | None = None
        self._kernels: asyncio.Future[None] | None = None
        self.backfill: BackfillService | None = None
        self.alerts = AlertBook()
        self.announcer = Announcer(self.journal_append)  # notices the UI drains
        self.simulator: RunningSimulator | None = None
        self.connector: Connector | None = None
        self.watchlist = WatchlistFile(settings.watchlist.file, settings.watchlist.symbols)
        self.start_error: str | None = None
        self._starting = False
        self.flags = FlagBoard(settings.flags, clock=self.clock)
        self.lake: Lake | None = None
        self.sink: Sink | None = None
        self.recorder: Recorder | None = None
        self.compactor: Compactor | None = None
        self.health = HealthBoard()
        self.loop_lag = LoopLagMonitor(monotonic=self.clock.monotonic, grace=15.0)
        self.health_runner = HealthRunner(
            build_checks(
                self,
                self.loop_lag,
                self.market_hours.is_open,
                pacing_left=self._pacing_left,
                checkpoint=self._checkpoint_summary,
            ),
            self.health,
        )
        self.health.on_transition(log_health_transition)
        self.health.on_transition(self.announcer.on_health_change)
        self.health_journal = HealthJournal(
            lambda: None if self.desk is None else self.desk.journal
        )
        self.health.on_transition(self.health_journal)

    @property
    def mode(self) -> str:
        return str(self.settings.broker.mode)

    def connection(self) -> ConnectionView:
        """State and reason for the header, alerts and the connection health check; account
        ids masked when `ui.mask_accounts` is on (the journal and log keep them: 0600)."""
        if self.start_error is not None:
            return ConnectionView("STOPPED", self._masked(self.start_error, []))
        if self.connector is None:
            return ConnectionView("DISCONNECTED", "starting" if self._starting else "not started")
        board = self.connector.board
        return ConnectionView(
            board.state.value.upper(), self._masked(board.reason, list(board.accounts))
        )

    def _masked(self, text: str, accounts: list[str]) -> str:
        if not self.settings.ui.mask_accounts:
            return text
        return mask_accounts_in(text, [*accounts, self.settings.broker.account])

    def pending_work(self) -> list[str]:
        """Reasons quitting needs a confirmation (working orders, pending proposals)."""
        return [] if self.desk is None else self.desk.pending_work()

    # --- life cycle ----------------------------------------------------------------------
    async def start(self) -> None:
        """Start the simulator (sim mode) and the connector; returns once they are running."""
        broker = self.settings.broker
        port: int | None = None
        self._starting = True
        self.loop_lag.start()
        self.health_runner.start()
        try:
            await self._start_recording()
            if broker.mode is BrokerMode.SIM:
                # Blocking start (binds, builds the world) runs off the UI's loop.
                self.simulator = await asyncio.to_thread(
                    start_embedded_simulator, self.settings.sim, self.settings.broker
                )
                port = self.simulator.port
            recorder = self.recorder
            connector = Connector(
                broker,
                port=port,
                clock=self.clock,
                on_ticks=None if recorder is None else recorder.on_ticks,
                bar_timeframes=aggregator_timeframes(self.settings.signals),
                market_open=self.market_hours.is_open,
            )
            if recorder is not None:
                connector.bars.on_bar(recorder.on_bar, 60)
            self.connector = connector
            assert self.lake is not None
            pacer = Pacer(pacing_for(self.settings))
            self.backfill = BackfillService(
                self.settings.jobs,
                self.lake.bars,
                connector.option_source(pacer),
                pacer,
                clock=self.clock,
                connected=lambda: connector.board.is_live,
            )
            self.desk = TradingDesk(
                self.settings,
                self.clock,
                connector,
                self.flags,
                live=self.live,
                market_open=self.market_hours.is_open,
                sector_of=connector.sector_of,
                on_alert=self.announcer.alert,
            )
            self.health_journal.flush()
            self.signal_service = SignalService(
                self.settings.signals,
                self.flags,
                history=None if self.lake is None else self.lake.bars,
                propose=desk_proposer(self.desk),
                clock=self.clock,
            )
            self.signal_service.attach(connector)
            self._kernels = asyncio.ensure_future(asyncio.to_thread(warm_kernels))
            self.signals = self.signal_service.book
            for symbol in self.watchlist.load():
                await connector.add_symbol(symbol)
            self.signal_service.start_warm_up(connector.watchlist)
            await connector.start()
            await self.backfill.start()
            self._upkeep_timer.start()
        except ApexError as exc:
            self.start_error = str(exc)
            log.error("engine_start_failed", error=str(exc))
            raise

    async def _start_recording(self) -> None:
        """Open the dataset (clearing temp files a crash left) and start the sink's thread."""
        lake = await asyncio.to_thread(Lake.open, self.settings.data)
        if lake.leftovers_removed:
            log.warning("dataset_leftovers_removed", files=lake.leftovers_removed)
        sink = Sink(lake.repositories(), self.settings.data)
        sink.start()
        self.lake, self.sink = lake, sink
        self.recorder = Recorder(
            sink,
            ticks_enabled=lambda: self.flags.is_on("sink_ticks"),
            bars_enabled=lambda: self.flags.is_on("sink_bars"),
        )
        self.recorder.start()
        self.compactor = Compactor([lake.bars, lake.ticks])
        self.compactor.start()

    def _upkeep(self) -> None:
        """Twice a second: approval locks, proposal expiry, the daily loss limit, alerts."""
        if self.desk is not None:
            self.desk.tick()
        if self.connector is not None and self.alerts.alerts:
            quotes = self.connector.quotes.snapshot().values()
            self.announcer.check_prices(self.alerts, quotes, self.clock.now())
        view = self.connection()
        self.announcer.check_connection(view.state, view.reason)

    async def stop(self) -> None:
        """Stop the services, flushing everything accepted."""
        await self._upkeep_timer.stop()
        await self.health_runner.stop()
        await self.loop_lag.stop()
        if self._kernels is not None:
            await asyncio.gather(self._kernels, return_exceptions=True)
        if self.signal_service is not None:
            await self.signal_service.stop()
        if self.backfill is not None:
            await self.backfill.stop()
        if self.connector is not None:
            await self.connector.stop()
        if self.compactor is not None:
            await self.compactor.stop()
        if self.recorder is not None:
            await self.recorder.stop()  # hands the last buffered rows to the sink
        if self.sink is not None:
            stats = await asyncio.to_thread(self.sink.close)
            log.info("sink_closed", rows_written=stats.rows_written, dropped=stats.dropped_rows)
            self.sink = None
        if self.desk is not None:
            self.desk.journal.close()
        if self.simulator is not None:
            await asyncio.to_thread(self.simulator.stop)
            self.simulator = None

    # --- commands ------------------------------------------------------------------------
    async def add_symbol(self, symbol: str) -> None:
        """Add to the watchlist (validated by the broker) and persist it."""
        if self.connector is None:
            raise ApexError("not connected yet")
        await self.connector.add_symbol(symbol)
        self.watchlist.save(self.connector.watchlist)
        if self.signal_service is not None:
            self.signal_service.add_symbol(validate_symbol(symbol))

    def remove_symbol(self, symbol: str) -> None:
        if self.connector is None:
            return
        self.connector.remove_symbol(symbol)
        self.watchlist.save(self.connector.watchlist)
        if self.signal_service is not None:
            self.signal_service.remove_symbol(validate_symbol(symbol))

    def apply_changes(self, changes: tuple[Change, ...]) -> list[str]:
        """Apply hot-reloaded keys to the running services; returns what could not be applied
        live (to say so to the trader)."""
        settings, sections = with_changes(self.settings, changes)
        self.settings = settings
        not_live: list[str] = []
        if "logging" in sections:
            logging.getLogger().setLevel(settings.logging.level)
        if "risk" in sections and self.desk is not None:
            self.desk.update_risk(settings)
        if "signals" in sections and self.signal_service is not None:
            symbols = self.connector.watchlist if self.connector is not None else []
            if not self.signal_service.reconfigure(settings.signals, symbols):
                not_live.append("signals.timeframe (restart to change the bar size)")
        log.info("settings_applied", keys=[c.key for c in changes])
        return not_live

    def _pacing_left(self) -> tuple[int, int] | None:
        """Requests left in IB's 10-minute historical window, for the pacing check."""
        budget = self.backfill.budget() if self.backfill is not None else None
        if budget is None or not budget.granted:
            return None
        rolling = max(budget.windows, key=lambda w: w.seconds)
        return rolling.left, rolling.limit

    def _checkpoint_summary(self) -> str | None:
        """The unacknowledged reconnect checkpoint's first line, for the checkpoint check."""
        if self.desk is None or self.desk.locks.checkpoint is None:
            return None
        return self.desk.locks.checkpoint.diff.splitlines()[0]

    def journal_append(self, kind: str, data: Mapping[str, object]) -> None:
        """Record to the order journal once it exists (before the desk starts: log only)."""
        if self.desk is not None:
            self.desk.journal.append(kind, data)
        else:
            log.info("journal_unavailable", kind=kind)

    def reconnect_now(self) -> None:
        if self.connector is not None:
            self.connector.reconnect_now()
