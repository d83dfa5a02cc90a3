"""Fault drills: the link to the gateway breaks mid-stream in each way a network breaks it.

For every mode: the board shows the loss with a reason naming it, the connector is back within
its bound once the link heals, with the same market data lines (none doubled at the gateway),
reconciliation ran (a ReconnectCheckpoint), no order was sent twice nor any fill counted twice,
and the event loop never stalled past 50 ms.
"""

from __future__ import annotations

import asyncio

import pytest

from apex_tui.broker.states import ConnectionState as S
from tests.integration.broker.conftest import until
from tests.integration.drills.conftest import CONNECT_TIMEOUT, DETECT_BOUND, RECONNECT_BOUND, Rig
from tests.integration.drills.proxy import Mode

pytestmark = pytest.mark.integration

# mode, its settings, and what the reason shown for the loss must say
FAULTS = {
    "rst": (Mode.RST, {}, "lost"),
    "blackhole": (Mode.BLACKHOLE, {}, "half-open"),
    "close-after-bytes": (Mode.CLOSE_AFTER, {"after_bytes": 64}, "lost"),
    "delay-beyond-heartbeat": (Mode.DELAY, {"delay": 1.5}, "heartbeat"),
}


@pytest.mark.parametrize("name", list(FAULTS))
async def test_link_fault_mid_stream_recovers_cleanly(rig: Rig, name: str) -> None:
    mode, params, reason_says = FAULTS[name]
    c = rig.connector
    await rig.streaming_with_orders()
    loop = asyncio.get_running_loop()

    broke = loop.time()
    rig.proxy.set(mode, **params)  # type: ignore[arg-type]
    await until(lambda: rig.saw(S.RECONNECTING) is not None, within=DETECT_BOUND, what="the loss")
    reason = rig.saw(S.RECONNECTING)
    assert reason is not None and reason_says in reason, reason
    assert loop.time() - broke < DETECT_BOUND

    healed = loop.time()
    rig.proxy.set(Mode.PASS)
    await until(lambda: len(rig.checkpoints) == 1, within=RECONNECT_BOUND, what="a checkpoint")
    await c.wait_for_state(S.CONNECTED, within=RECONNECT_BOUND)
    assert loop.time() - healed < RECONNECT_BOUND

    cp = rig.checkpoints[0]
    assert cp.clean, cp  # nothing happened at the broker while we were away
    assert cp.replayed_exec_ids == len(rig.fills)  # the fill reported again: ignored
    assert [v.order_ref for v in cp.open_orders] == ["drill-rest"]
    await rig.ticks_resume()
    await until(lambda: rig.sim.market.lines_used == 3, what="lines restored at the gateway")
    rig.assert_same_subscriptions(sessions=2)
    rig.assert_order_path_intact()
    rig.assert_loop_never_blocked()


async def test_a_reset_during_the_handshake_fails_the_attempt_at_once(rig: Rig) -> None:
    """A gateway resetting every connection: each attempt fails on the reset, not after the
    whole connect timeout, and the board says the connection was reset."""
    c = rig.connector
    rig.proxy.set(Mode.RST)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await c.start()

    def failures() -> list[str]:
        return [t.reason for t in c.board.history if "retrying in" in t.reason]

    await until(lambda: len(failures()) >= 3, within=2 * CONNECT_TIMEOUT, what="three attempts")
    assert loop.time() - started < CONNECT_TIMEOUT  # three resets, no handshake timeout
    assert all("reset" in r for r in failures()), failures()
    assert rig.proxy.resets >= 3
    rig.proxy.set(Mode.PASS)
    await c.wait_for_state(S.CONNECTED, within=RECONNECT_BOUND)
