"""Bad input across the socket, both ways.

Random frames to a running SimulatorServer never crash it nor disturb another connected
ib_async client; malformed messages from the gateway side leave the Connector running,
logged, with its state shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import struct
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ib_async import IB, Stock, Ticker

from apex_tui.broker.connector import Connector
from apex_tui.broker.states import ConnectionState as S
from apex_tui.sim.dispatch import HANDLERS
from apex_tui.sim.server import SimulatorServer
from apex_tui.sim.server_settings import ServerSettings
from apex_tui.sim.settings import WorldSettings
from apex_tui.sim.wire import FrameBuffer, encode, frame
from tests.integration.broker.conftest import fast_settings, until
from tests.integration.drills.conftest import DETECT_BOUND, RECONNECT_BOUND, SYMBOLS, Rig

pytestmark = pytest.mark.integration

_client_ids = itertools.count(100)

FIELD = st.one_of(
    st.sampled_from(["", "0", "1", "-1", "AAPL", "STK", "OPT", "SMART", "USD", "BUY", "MKT",
                     "LMT", "nan", "inf", "1e400", "99999999999999999999", "20261120 15:00:00",
                     "1 D", "1000 Y", "1 secs", "TRADES", "BID_ASK"]),
    st.integers(min_value=-(2**63), max_value=2**64).map(str),
    st.floats().map(repr),
    st.text(max_size=16),
)  # fmt: skip
MSG_ID = st.one_of(
    st.sampled_from(sorted(HANDLERS)), st.integers(-3, 300).map(str), st.text(max_size=4)
)
FRAME = st.tuples(MSG_ID, st.lists(FIELD, max_size=40)).map(
    lambda t: frame(
        b"".join(str(f).encode("utf-8", "surrogatepass") + b"\0" for f in (t[0], *t[1]))
    )
)
GARBAGE = st.one_of(st.just(b""), st.binary(max_size=64))


async def _raw_session(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"API\0" + frame(b"v157..178"))
    buf = FrameBuffer()
    while not buf.frames():
        buf.feed(await asyncio.wait_for(reader.read(4096), 2))
    writer.write(encode(71, 2, next(_client_ids), ""))
    return reader, writer


async def _answered_or_closed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Ask for the time; return once answered, or once the server closed this connection."""
    writer.write(encode(49, 1))
    buf = FrameBuffer()
    while True:
        data = await asyncio.wait_for(reader.read(65536), 5)
        if not data:
            return
        buf.feed(data)
        try:
            if any(f and f[0] == "49" for f in buf.frames()):
                return
        except ValueError:
            return


@pytest.fixture
async def sim_and_canary(
    caplog: pytest.LogCaptureFixture,
) -> AsyncIterator[tuple[SimulatorServer, IB, Ticker]]:
    caplog.set_level(logging.INFO, logger="apex_tui.sim")
    world = WorldSettings(seed=3, symbols=("AAPL", "MSFT"), tick_ms=50)
    async with SimulatorServer(ServerSettings(max_msg_rate=0, pacing_scale=0.001), world) as srv:
        ib = IB()
        await ib.connectAsync("127.0.0.1", srv.port, clientId=1, timeout=5)
        contract = Stock("AAPL", "SMART", "USD")
        await ib.qualifyContractsAsync(contract)
        ticker = ib.reqMktData(contract)
        await until(lambda: ticker.time is not None, what="the canary's first tick")
        yield srv, ib, ticker
        ib.disconnect()


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(frames=st.lists(FRAME, max_size=12), tail=GARBAGE)
async def test_random_frames_never_crash_the_simulator_nor_disturb_another_client(
    sim_and_canary: tuple[SimulatorServer, IB, Ticker],
    caplog: pytest.LogCaptureFixture,
    frames: list[bytes],
    tail: bytes,
) -> None:
    srv, canary, ticker = sim_and_canary
    reader, writer = await _raw_session(srv.port)
    writer.write(b"".join(frames) + tail)
    if not tail:  # with a garbage tail the stream is out of frame: no question can follow
        await _answered_or_closed(reader, writer)
    writer.close()
    before = ticker.time
    assert await asyncio.wait_for(canary.reqCurrentTimeAsync(), 2)
    await until(lambda: ticker.time != before, within=2, what="the canary's next tick")
    assert canary.isConnected() and 1 in srv.by_client
    crashes = [
        r.getMessage() for r in caplog.records if r.name.startswith("apex_tui.sim") and r.exc_info
    ]
    assert crashes == [], crashes  # a handler raising is a decoder bug, even when contained


# -- the gateway side sends garbage to the app ------------------------------------------------

GARBAGE_FRAMES = [
    encode(9999, 1, "x"),  # an unknown message id
    encode(1, 6, 1, 1, "not-a-price", "size?", 0),  # tickPrice with junk fields
    frame(b""),  # an empty frame
    frame(b"\xff\xfe\xfd\0\x80\0"),  # not UTF-8
    encode(4, 2, -1, "NaN", "no code"),  # an error message with a junk code
    frame(b"1\0" * 2000),  # a long run of fields
]


async def test_garbage_frames_from_the_gateway_are_logged_and_the_session_lives(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ib_async")
    c = rig.connector
    await rig.streaming_with_orders()
    for garbage in GARBAGE_FRAMES:
        rig.proxy.inject(garbage)
    await rig.ticks_resume()
    await until(
        lambda: any(r.name.startswith("ib_async") and r.exc_info for r in caplog.records),
        what="ib_async logging the bad message",
    )
    beats = c.board.last_heartbeat
    await until(lambda: c.board.last_heartbeat != beats, within=3, what="a heartbeat answered")
    assert c.board.state is S.CONNECTED and rig.states_since_mark() == []
    assert c._main is not None and not c._main.done()
    rig.assert_same_subscriptions(sessions=1)
    rig.assert_order_path_intact()
    rig.assert_loop_never_blocked()


async def test_a_corrupt_length_prefix_is_caught_by_the_heartbeat(rig: Rig) -> None:
    """A length prefix of 2 GB: the client waits for bytes that never come, the heartbeat
    notices, and a fresh session restores the stream."""
    c = rig.connector
    await rig.streaming_with_orders()
    rig.proxy.inject(struct.pack(">I", 0x7FFF_FFF0) + b"junk")
    await until(lambda: rig.saw(S.RECONNECTING) is not None, within=DETECT_BOUND + 1, what="loss")
    assert "heartbeat" in (rig.saw(S.RECONNECTING) or "")
    await c.wait_for_state(S.CONNECTED, within=RECONNECT_BOUND)
    await until(lambda: len(rig.checkpoints) == 1, what="a checkpoint")
    await rig.ticks_resume()
    await until(lambda: rig.sim.market.lines_used == len(SYMBOLS), what="lines restored")
    rig.assert_same_subscriptions(sessions=2)
    rig.assert_order_path_intact()


async def test_a_fake_gateway_speaking_garbage_after_the_handshake(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A server that answers the version handshake and then sends nonsense (never the API
    start): the connector keeps trying, says why on the board, logs it, closes each failed
    attempt's socket (no leak) and stops cleanly."""
    accepted = closed_by_client = 0
    writers: list[asyncio.StreamWriter] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal accepted, closed_by_client
        accepted += 1
        writers.append(writer)
        await reader.readexactly(4)  # "API\0"
        (size,) = struct.unpack(">I", await reader.readexactly(4))
        await reader.readexactly(size)
        writer.write(encode(178, "20261120 15:00:00 UTC"))
        writer.write(encode(9999, "garbage") + frame(b"\xff\0\x00\x01") + encode(15, 1, "DU1"))
        writer.write(encode(4, 2, -1, 2104, "fine") + encode(1, 6, 7, 1, "x", "y", "z"))
        await writer.drain()
        with contextlib.suppress(ConnectionError):
            while await reader.read(65536):
                pass
        closed_by_client += 1

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = int(server.sockets[0].getsockname()[1])
    c = Connector(fast_settings(port, connect_timeout=0.3, backoff_base=0.05, backoff_max=0.1))
    try:
        await c.start()
        await until(lambda: accepted >= 3, within=5, what="a third attempt")
        await until(lambda: closed_by_client >= accepted - 1, what="failed attempts closed")
        assert c.board.state in (S.CONNECTING, S.SYNCING, S.RECONNECTING)
        reasons = [t.reason for t in c.board.history if t.state is S.RECONNECTING]
        assert reasons and all(f"127.0.0.1:{port}" in r for r in reasons)
        assert c._main is not None and not c._main.done()
        assert any(r.name.startswith("ib_async") and "9999" in r.getMessage()
                   for r in caplog.records)  # fmt: skip
    finally:
        await c.stop()  # mid-handshake: must not raise
        for w in writers:
            w.close()
        server.close()
        await server.wait_closed()
    assert c.board.state.value == S.DISCONNECTED.value  # (re-read after the awaits above)
    await until(lambda: closed_by_client == accepted, what="the last attempt's socket closed")
