"""Settings of the simulator's protocol server (the world has its own `WorldSettings`)."""

from __future__ import annotations

from dataclasses import dataclass

from apex_tui.sim.pacing import PacingMode


@dataclass(frozen=True)
class ServerSettings:
    """How the simulated gateway listens and which of IB's limits it enforces."""

    host: str = "127.0.0.1"
    port: int = 0  # 0 = a free port, reported by `SimulatorServer.port`
    server_version: int = 178
    max_clients: int = 32
    max_lines: int = 100  # concurrent streaming market-data lines -> error 101 beyond
    max_msg_rate: int = 50  # client messages per second -> error 100 and disconnect; 0 = off
    pacing: PacingMode = "ib"
    pacing_scale: float = 1.0  # multiplies every pacing window (0.01 makes 15 s into 150 ms)
    faults: str = ""  # fault script, see apex_tui.sim.faults
    first_order_id: int = 1
