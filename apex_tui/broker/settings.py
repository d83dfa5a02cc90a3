"""The `[broker]` config section: where the gateway is and how hard the connector tries."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class BrokerMode(StrEnum):
    """Which gateway the app talks to."""

    SIM = "sim"
    PAPER = "paper"
    LIVE = "live"


# IB Gateway's default API ports; TWS uses 7497 (paper) / 7496 (live) instead.
DEFAULT_PORTS = {BrokerMode.PAPER: 4002, BrokerMode.LIVE: 4001}


class RequestTimeouts(BaseModel):
    """Seconds to wait for each kind of request before it fails with RequestTimeout."""

    model_config = ConfigDict(extra="forbid")

    contract_details: float = Field(
        10.0, gt=0, le=300, description="Contract details (qualifying a watchlist symbol)."
    )
    historical: float = Field(60.0, gt=0, le=600, description="One historical bars request.")
    executions: float = Field(15.0, gt=0, le=300, description="Executions after a reconnect.")
    positions: float = Field(15.0, gt=0, le=300, description="Positions after a reconnect.")
    open_orders: float = Field(15.0, gt=0, le=300, description="Open orders after a reconnect.")
    what_if: float = Field(10.0, gt=0, le=300, description="A what-if (margin preview) order.")
    heartbeat: float = Field(
        10.0, gt=0, le=120, description="Answer to the heartbeat's reqCurrentTime."
    )


class BrokerSettings(BaseModel):
    """Connection to IB Gateway / TWS or the embedded simulator, and its supervision."""

    model_config = ConfigDict(extra="forbid")

    mode: BrokerMode = Field(
        BrokerMode.SIM, description="sim (embedded simulator), paper (port 4002) or live (4001)."
    )
    host: str = Field("127.0.0.1", min_length=1, description="Gateway host name or address.")
    port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="Gateway API port; default 4002 for paper, 4001 for live, chosen for sim.",
    )
    client_id: int = Field(1, ge=0, le=2_147_483_647, description="TWS API client id.")
    account: str = Field(
        "", description="Account to use; must be one of the gateway's managed accounts if set."
    )
    read_only: bool = Field(
        False,
        description="Connect read-only: no orders, no open-order sync at connect. When not "
        "set, paper and live start read-only (set false to trade) and sim does not.",
    )
    connect_timeout: float = Field(
        10.0, gt=0, le=120, description="Seconds for the socket, handshake and startup sync."
    )
    timeouts: RequestTimeouts = Field(
        default_factory=RequestTimeouts, description="Per-kind request timeouts in seconds."
    )
    backoff_base: float = Field(1.0, gt=0, le=60, description="First reconnect delay (s).")
    backoff_max: float = Field(60.0, gt=0, le=3600, description="Longest reconnect delay (s).")
    backoff_jitter: float = Field(
        0.2, ge=0, le=1, description="Random spread of each delay, as a fraction of it."
    )
    max_failures: int = Field(
        8, ge=1, le=1000, description="Failed attempts within the window before giving up."
    )
    failure_window: float = Field(
        600.0, gt=0, le=86_400, description="Window (s) in which failed attempts are counted."
    )
    heartbeat_interval: float = Field(
        10.0, gt=0, le=300, description="Seconds between reqCurrentTime heartbeats."
    )
    staleness_threshold: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="Seconds without an update before a streaming quote is stale.",
    )
    resubscribe_after: float = Field(
        5.0, gt=0, le=120, description="After 1102, resubscribe if no tick arrived in this time."
    )
    max_msg_rate: int = Field(
        40,
        ge=1,
        le=49,
        description="Messages per second sent to the gateway (IB disconnects above 50).",
    )
    max_lines: int = Field(
        100, ge=1, le=10_000, description="Market data lines the account may stream at once."
    )

    @model_validator(mode="before")
    @classmethod
    def _read_only_by_mode(cls, data: Any) -> Any:
        # A real account never trades by accident: paper and live are read-only unless the
        # config (or env, or a flag) says read_only = false explicitly.
        if isinstance(data, dict) and "read_only" not in data:
            mode = str(data.get("mode", BrokerMode.SIM))
            return {**data, "read_only": mode != BrokerMode.SIM.value}
        return data

    @model_validator(mode="after")
    def _check_backoff(self) -> BrokerSettings:
        if self.backoff_max < self.backoff_base:
            raise ValueError("backoff_max must be at least backoff_base")
        return self

    def resolved_port(self) -> int:
        """The port to dial: the configured one, else the mode's default gateway port."""
        if self.port is not None:
            return self.port
        if self.mode is BrokerMode.SIM:
            raise ValueError("mode 'sim' needs the simulator's port (set broker.port)")
        return DEFAULT_PORTS[self.mode]
