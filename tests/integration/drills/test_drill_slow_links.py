"""Slow-link drills: a delayed or throttled link mid-stream is slower, not broken.

The session stays up (no reconnect, no checkpoint), the heartbeat's round trip shows the
delay, quotes keep flowing, and when the link is normal again nothing was lost or doubled.
"""

from __future__ import annotations

import pytest

from apex_tui.broker.states import LIVE_STATES
from tests.integration.broker.conftest import until
from tests.integration.drills.conftest import Rig
from tests.integration.drills.proxy import Mode

pytestmark = pytest.mark.integration


async def test_pass_through_changes_nothing(rig: Rig) -> None:
    await rig.streaming_with_orders()
    forwarded = dict(rig.proxy.forwarded)
    await rig.ticks_resume()
    assert rig.proxy.forwarded["down"] > forwarded["down"]
    assert rig.states_since_mark() == []
    rig.assert_same_subscriptions(sessions=1)
    rig.assert_order_path_intact()
    rig.assert_loop_never_blocked()


async def test_delay_within_the_heartbeat_timeout_keeps_the_session(rig: Rig) -> None:
    await rig.streaming_with_orders()
    c = rig.connector
    rig.proxy.set(Mode.DELAY, delay=0.1)
    # Each direction holds a chunk 0.1 s: the next heartbeat's round trip shows it.
    await until(lambda: (c.board.heartbeat_rtt or 0) >= 0.2, within=3, what="the slower round trip")
    await rig.ticks_resume()
    rig.proxy.set(Mode.PASS)
    await until(lambda: (c.board.heartbeat_rtt or 1) < 0.1, within=3, what="a fast round trip")
    assert all(s in LIVE_STATES for s in rig.states_since_mark())
    assert rig.checkpoints == []
    rig.assert_same_subscriptions(sessions=1)
    rig.assert_order_path_intact()
    rig.assert_loop_never_blocked()


async def test_throttled_link_keeps_the_session_and_the_feed(rig: Rig) -> None:
    await rig.streaming_with_orders()
    c = rig.connector
    rig.proxy.set(Mode.THROTTLE, rate=32_000)  # bytes/s: above this feed's rate, far below LAN
    sent = rig.proxy.forwarded["down"]
    await rig.ticks_resume()
    beats = c.board.last_heartbeat
    await until(lambda: c.board.last_heartbeat != beats, within=3, what="a heartbeat answered")
    assert rig.proxy.forwarded["down"] > sent
    rig.proxy.set(Mode.PASS)
    await rig.ticks_resume()
    assert all(s in LIVE_STATES for s in rig.states_since_mark())
    assert rig.checkpoints == []
    rig.assert_same_subscriptions(sessions=1)
    rig.assert_order_path_intact()
    rig.assert_loop_never_blocked()
