"""`apex-tui health` against the real simulator: healthy, degraded, unreachable, stalled."""

from __future__ import annotations

import argparse
import json
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from apex_tui.config import Settings, load_settings
from apex_tui.core.health_probe import probe_health
from apex_tui.health import cli
from apex_tui.health.model import Status
from apex_tui.health.probes import LoopLagMonitor
from apex_tui.sim.server import SimulatorServer
from apex_tui.sim.server_settings import ServerSettings
from apex_tui.sim.settings import WorldSettings

pytestmark = pytest.mark.integration

# This test's loop also runs the simulator on 2 shared cores: its lag is not the gateway's.
QUIET_LOOP = LoopLagMonitor()
CHECKS = [
    "connection",
    "data farms",
    "market data",
    "sink",
    "disk",
    "memory",
    "event loop",
    "clock skew",
]


def settings_for(tmp_path: Path, **broker: Any) -> Settings:
    return load_settings(
        None,
        {
            "broker": {"connect_timeout": 2.0, **broker},
            "watchlist": {"symbols": ["AAPL", "MSFT"], "file": str(tmp_path / "watchlist.json")},
            "data": {"dir": str(tmp_path / "data")},
            "logging": {"file": str(tmp_path / "logs" / "apex.jsonl")},
        },
    )


def parse(settings: Settings, *argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args(list(argv))
    args.settings = settings
    return args


@pytest.fixture
async def sim() -> AsyncIterator[SimulatorServer]:
    async with SimulatorServer(ServerSettings(), WorldSettings(seed=7, tick_ms=50)) as srv:
        yield srv


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_healthy_gateway(sim: SimulatorServer, tmp_path: Path) -> None:
    report = await probe_health(
        settings_for(tmp_path, mode="paper", port=sim.port),
        market_open=lambda _s: True,
        loop_monitor=QUIET_LOOP,
    )
    by_name = {r.name: r for r in report.results}
    assert list(by_name) == CHECKS
    assert report.overall is Status.HEALTHY, [(r.name, r.message) for r in report.results]
    assert by_name["connection"].value == "CONNECTED"
    assert by_name["market data"].value == "0/2 stale"  # both symbols ticked before judging
    assert report.gateway == f"127.0.0.1:{sim.port}"
    assert cli.exit_code(report.overall) == 0


async def test_farm_down_is_degraded(sim: SimulatorServer, tmp_path: Path) -> None:
    sim.faults.farm_down("hmds", 60)  # history only: quotes still flow
    report = await probe_health(
        settings_for(tmp_path, mode="paper", port=sim.port),
        market_open=lambda _s: True,
        loop_monitor=QUIET_LOOP,
    )
    by_name = {r.name: r for r in report.results}
    assert by_name["data farms"].status is Status.DEGRADED
    assert "ushmds" in by_name["data farms"].message
    assert report.overall is Status.DEGRADED
    assert cli.exit_code(report.overall) == 1


async def test_stalled_gateway_is_unhealthy_within_the_timeout(
    sim: SimulatorServer, tmp_path: Path
) -> None:
    sim.faults.stall(30)  # the socket opens but nothing is answered
    started = time.monotonic()
    report = await probe_health(
        settings_for(tmp_path, mode="paper", port=sim.port, connect_timeout=1)
    )
    assert time.monotonic() - started < 4.5  # connect timeout x2 + margin, never a hang
    connection = report.results[0]
    assert (connection.name, connection.status) == ("connection", Status.UNHEALTHY)
    assert report.overall is Status.UNHEALTHY


def test_closed_port_exits_2_quickly(
    tmp_path: Path, closed_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    args = parse(settings_for(tmp_path, mode="paper", port=closed_port), "--json")
    started = time.monotonic()
    assert cli.run(args) == 2
    assert time.monotonic() - started < 2.0  # within the connect timeout
    out = json.loads(capsys.readouterr().out)
    assert (out["overall"], out["exit_code"]) == ("UNHEALTHY", 2)
    connection = out["checks"][0]
    assert connection["status"] == "UNHEALTHY" and "refused" in connection["message"]


def test_sim_mode_starts_the_embedded_simulator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = parse(settings_for(tmp_path, mode="sim"), "--settle", "5", "--json")
    code = cli.run(args)
    out = json.loads(capsys.readouterr().out)
    assert out["mode"] == "sim" and out["gateway"].startswith("127.0.0.1:")
    status = {c["name"]: c["status"] for c in out["checks"]}
    assert list(status) == CHECKS
    # The gateway side must be healthy; loop lag and memory depend on the machine.
    assert [status[n] for n in ("connection", "data farms", "market data", "sink")] == [
        "HEALTHY"
    ] * 4
    assert code == out["exit_code"] == {"HEALTHY": 0, "DEGRADED": 1}[out["overall"]]


def test_table_output(tmp_path: Path, closed_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(parse(settings_for(tmp_path, mode="paper", port=closed_port))) == 2
    out = capsys.readouterr().out
    assert f"Health: UNHEALTHY  (paper, 127.0.0.1:{closed_port})" in out
    for name in CHECKS:
        assert name in out
    assert (tmp_path / "logs" / "apex.jsonl").exists()  # records went to the file, not stdout
