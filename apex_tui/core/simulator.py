"""Start the embedded gateway simulator for `sim` mode from the app's settings."""

from __future__ import annotations

from apex_tui.broker.settings import BrokerSettings
from apex_tui.settings_sections import SimSettings
from apex_tui.sim.embedded import EmbeddedSimulator
from apex_tui.sim.server_settings import ServerSettings
from apex_tui.sim.settings import WorldSettings


def simulator_settings(sim: SimSettings) -> tuple[ServerSettings, WorldSettings]:
    """Map the `[sim]` section onto the simulator's own settings records."""
    server = ServerSettings(
        host="127.0.0.1",  # the embedded simulator never listens beyond loopback
        port=0,
        max_lines=sim.max_lines,
        pacing=sim.pacing,
        pacing_scale=sim.pacing_scale,
        faults=sim.faults,
    )
    world = WorldSettings(
        seed=sim.seed,
        symbols=tuple(sim.symbols) if sim.symbols is not None else None,
        tick_ms=sim.tick_ms,
        market_hours=sim.market_hours,
        accounts=tuple(sim.accounts),
        starting_cash=sim.starting_cash,
        partial_fills=sim.partial_fills,
    )
    return server, world


class RunningSimulator:
    """An EmbeddedSimulator that has started, with the port it listens on."""

    def __init__(self, sim: EmbeddedSimulator, port: int) -> None:
        self.sim = sim
        self.port = port

    def stop(self) -> None:
        self.sim.stop()


def start_embedded_simulator(sim: SimSettings, broker: BrokerSettings) -> RunningSimulator:
    """Start the simulator on a free loopback port (blocking; call it off the UI loop)."""
    server, world = simulator_settings(sim)
    embedded = EmbeddedSimulator(server, world)
    port = embedded.start()
    return RunningSimulator(embedded, port)
