"""The simulator in its own thread (the app's sim mode) and as `apex-tui sim` (the CLI)."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import threading

import pytest
from ib_async import IB

from apex_tui.sim.embedded import EmbeddedSimulator

from .conftest import SERVER, WORLD

pytestmark = pytest.mark.integration


async def _current_time(port: int) -> object:
    ib = IB()
    await ib.connectAsync("127.0.0.1", port, clientId=9, timeout=3)
    try:
        return await asyncio.wait_for(ib.reqCurrentTimeAsync(), 2)
    finally:
        ib.disconnect()


def test_embedded_simulator_serves_from_its_own_thread() -> None:
    sim = EmbeddedSimulator(SERVER, WORLD)
    port = sim.start()
    try:
        assert port > 0
        assert any(t.name == "apex-sim" for t in threading.enumerate())
        assert asyncio.run(_current_time(port)) is not None  # a different loop: the test's
        sim.call(lambda srv: srv.faults.reject_next_order())
    finally:
        sim.stop()
    assert not any(t.name == "apex-sim" for t in threading.enumerate())


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "apex_tui.sim.cli", "--port", "0", *args],
        stderr=subprocess.PIPE,
        text=True,
    )


def test_cli_serves_and_stops_cleanly_on_sigint() -> None:
    proc = _spawn("--symbols", "AAPL,MSFT", "--tick-ms", "100")
    assert proc.stderr is not None
    port = 0
    for line in proc.stderr:
        if m := re.search(r"listening on 127\.0\.0\.1:(\d+)$", line.strip()):
            port = int(m.group(1))
            break
    assert port, "the CLI reported its port"
    assert asyncio.run(_current_time(port)) is not None
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 0


def test_cli_rejects_a_bad_fault_script() -> None:
    proc = _spawn("--faults", "explode@1s")
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and "explode" in err
