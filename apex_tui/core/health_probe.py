"""One headless health probe for `apex-tui health`: connect per config, run every check once.

The probe builds the same checks as the Health pane (`build_checks`) from a connector and the
settings alone, without the full Engine: no sink, no trading desk, nothing that could order.
Every phase is bounded, so an unreachable gateway is reported UNHEALTHY within the connect
timeout instead of hanging.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from apex_tui.broker.connector import Connector
from apex_tui.broker.settings import BrokerMode
from apex_tui.broker.states import ConnectionState
from apex_tui.config import Settings
from apex_tui.core.health_wiring import build_checks
from apex_tui.core.market_hours import MarketHours
from apex_tui.core.simulator import RunningSimulator, start_embedded_simulator
from apex_tui.core.watchlist import WatchlistFile
from apex_tui.domain.clock import Clock, SystemClock
from apex_tui.domain.errors import ApexError
from apex_tui.health.board import HealthBoard
from apex_tui.health.model import CheckResult, Status, worst
from apex_tui.health.probes import LoopLagMonitor
from apex_tui.health.runner import HealthRunner
from apex_tui.logging import get_logger
from apex_tui.store.sink import Sink

log = get_logger(__name__)

# The TUI usually holds the configured clientId; a probe alongside it must not collide (326).
PROBE_CLIENT_ID_OFFSET = 100
_FAILED = frozenset({ConnectionState.RECONNECTING, ConnectionState.STOPPED})


@dataclass(frozen=True, slots=True)
class ProbeConnection:
    """The connection as the checks see it."""

    state: str
    reason: str


@dataclass
class ProbeSources:
    """The engine-like object `build_checks` reads; `live_seen` is set once a session is up."""

    clock: Clock
    settings: Settings
    connector: Connector | None = None
    sink: Sink | None = None
    live_seen: bool = False

    def connection(self) -> ProbeConnection:
        if self.connector is None:
            return ProbeConnection("DISCONNECTED", "not started")
        board = self.connector.board
        if not self.live_seen:
            # A one-shot probe that never got a session is down, even while the supervisor
            # would keep retrying (RECONNECTING) or is still waiting for the handshake.
            return ProbeConnection("DISCONNECTED", board.reason)
        return ProbeConnection(board.state.value, board.reason)


@dataclass(frozen=True, slots=True)
class HealthReport:
    """Every check's result, with where the probe connected."""

    mode: str
    gateway: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def overall(self) -> Status:
        return worst(self.results)


async def probe_health(
    settings: Settings,
    *,
    clock: Clock | None = None,
    settle: float = 3.0,
    client_id: int | None = None,
    check_timeout: float = 5.0,
    market_open: Callable[[str], bool] | None = None,
    loop_monitor: LoopLagMonitor | None = None,
) -> HealthReport:
    """Connect (starting the embedded simulator in sim mode), wait up to `settle` seconds for
    the first quotes, run every check once, disconnect.

    `market_open` defaults to the exchange calendar (always open for the around-the-clock
    simulator). `loop_monitor` defaults to one measuring this loop once connected (the burst
    of the handshake is not the steady state); a given one is the caller's to start and stop.
    """
    clock = clock or SystemClock()
    broker = settings.broker.model_copy(
        update={
            "read_only": True,  # a health probe only reads
            "client_id": (
                settings.broker.client_id + PROBE_CLIENT_ID_OFFSET
                if client_id is None
                else client_id
            ),
        }
    )
    sim_always = broker.mode is BrokerMode.SIM and settings.sim.market_hours == "always"
    is_open = market_open or MarketHours(clock, always_open=sim_always).is_open
    sources = ProbeSources(clock, settings)
    own_monitor = loop_monitor is None
    monitor = loop_monitor or LoopLagMonitor(monotonic=clock.monotonic)
    simulator: RunningSimulator | None = None
    connector: Connector | None = None
    try:
        port = broker.port
        if broker.mode is BrokerMode.SIM:
            simulator = await asyncio.to_thread(start_embedded_simulator, settings.sim, broker)
            port = simulator.port
        connector = Connector(broker, port=port, clock=clock, market_open=is_open)
        sources.connector = connector
        watchlist = WatchlistFile(settings.watchlist.file, settings.watchlist.symbols).load()
        for symbol in watchlist:
            try:
                await connector.add_symbol(symbol)
            except ApexError as exc:  # one bad symbol must not hide the rest of the report
                log.warning("health_probe_symbol_skipped", symbol=symbol, error=str(exc))
        await connector.start()
        # The supervisor bounds a whole attempt (socket, handshake, sync) at twice this.
        sources.live_seen = await _wait_live(connector, broker.connect_timeout * 2 + 0.5)
        if own_monitor:
            monitor.start()
        if sources.live_seen:
            await _wait_first_quotes(connector, is_open, settle)
        runner = HealthRunner(
            build_checks(sources, monitor, is_open), HealthBoard(), timeout=check_timeout
        )
        results = await runner.run_once()
        gateway = connector.supervisor.address
    finally:
        if own_monitor:
            await monitor.stop()
        if connector is not None:
            await connector.stop()
        if simulator is not None:
            await asyncio.to_thread(simulator.stop)
    return HealthReport(str(broker.mode), gateway, results)


async def _wait_live(connector: Connector, within: float) -> bool:
    """True once a session is up; False at the first failed attempt or after `within` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    board = connector.board
    while loop.time() < deadline:
        if board.is_live:
            return True
        if board.state in _FAILED:
            return False
        await asyncio.sleep(0.02)
    return board.is_live


async def _wait_first_quotes(
    connector: Connector, market_open: Callable[[str], bool], within: float
) -> None:
    """Give each streaming symbol whose market is open up to `within` s for its first tick,
    so the freshness check judges a feed, not the instant after subscribing."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        waiting = [
            s
            for s in connector.subscriptions.streaming
            if market_open(s) and ((q := connector.quotes.get(s)) is None or q.time is None)
        ]
        if not waiting:
            return
        await asyncio.sleep(0.05)
