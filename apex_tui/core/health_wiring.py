"""Build the health checks from the Engine's live services (inputs injected as callables)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from apex_tui.core.recording import sink_view
from apex_tui.health.checks import (
    Check,
    CheckpointCheck,
    ClockSkewCheck,
    ConnectionCheck,
    DiskCheck,
    FarmCheck,
    FreshnessCheck,
    LoopLagCheck,
    MemoryCheck,
    PacingCheck,
    SinkCheck,
)
from apex_tui.health.probes import LoopLagMonitor, rss_bytes

if TYPE_CHECKING:
    from apex_tui.broker.connector import Connector
    from apex_tui.config import Settings
    from apex_tui.domain.clock import Clock
    from apex_tui.store.sink import Sink


class ConnectionLike(Protocol):
    """The connection state and its reason, as the header shows them."""

    @property
    def state(self) -> str: ...
    @property
    def reason(self) -> str: ...


class HealthSources(Protocol):
    """What the checks read: the Engine, or the headless `apex-tui health` probe."""

    @property
    def clock(self) -> Clock: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def connector(self) -> Connector | None: ...
    @property
    def sink(self) -> Sink | None: ...
    def connection(self) -> ConnectionLike: ...


def _always_open(_symbol: str) -> bool:
    return True


def build_checks(
    engine: HealthSources,
    monitor: LoopLagMonitor,
    market_open: Callable[[str], bool] = _always_open,
    *,
    pacing_left: Callable[[], tuple[int, int] | None] | None = None,
    checkpoint: Callable[[], str | None] | None = None,
) -> list[Check]:
    """Every check the Health pane and `apex-tui health` show, in display order."""
    clock = engine.clock

    def state() -> tuple[str, str]:
        view = engine.connection()
        return view.state, view.reason

    def rtt() -> float | None:
        connector = engine.connector
        if connector is None:
            return None
        return connector.board.heartbeat_rtt

    def farms_down() -> dict[str, str]:
        connector = engine.connector
        if connector is None:
            return {}
        degraded = connector.supervisor.degraded
        return {k.removeprefix("farm:"): v for k, v in degraded.items() if k.startswith("farm:")}

    def quotes() -> list[object]:
        connector = engine.connector
        if connector is None:
            return []
        streaming = set(connector.subscriptions.streaming)
        return [q for s, q in connector.quotes.snapshot().items() if s in streaming]

    data = engine.settings.data
    capacity = data.ticks.max_queue_rows + data.bars.max_queue_rows
    slowest_flush = max(
        k.flush_interval_s or data.flush_interval_s for k in (data.ticks, data.bars)
    )

    checks: list[Check] = [
        ConnectionCheck(clock, state, rtt),
        FarmCheck(clock, farms_down),
        FreshnessCheck(
            clock,
            quotes,  # type: ignore[arg-type]
            market_open,
            engine.settings.broker.staleness_threshold,
        ),
        # A flush is due every flush_interval_s: lag beyond two intervals is falling behind.
        SinkCheck(
            clock,
            lambda: sink_view(engine.sink, capacity),
            max_lag=2 * slowest_flush + 5,
        ),
        DiskCheck(clock, _local_path(engine.settings.data.dir)),
        MemoryCheck(clock, lambda: float(rss_bytes())),
        LoopLagCheck(clock, monitor),
    ]

    async def server_time() -> datetime | None:
        connector = engine.connector
        return None if connector is None else await connector.server_time()

    checks.append(ClockSkewCheck(clock, server_time))
    if pacing_left is not None:
        checks.append(PacingCheck(clock, pacing_left))
    if checkpoint is not None:
        checks.append(CheckpointCheck(clock, checkpoint))
    return checks


def _local_path(root: str) -> Path:
    """The folder to measure free space on; object-store URIs have no local disk to watch."""
    return (
        Path(root.removeprefix("file://"))
        if "://" not in root.removeprefix("file://")
        else (Path.cwd())
    )
