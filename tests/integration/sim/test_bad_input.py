"""Malformed input gets an IB-style error or closes only the offending connection."""

from __future__ import annotations

import asyncio
import struct

import pytest
from ib_async import IB

from apex_tui.sim.server import SimulatorServer
from apex_tui.sim.wire import FrameBuffer, encode, frame

from .conftest import IbErrors, until

pytestmark = pytest.mark.integration


class RawClient:
    """A hand-rolled client speaking the protocol byte by byte."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.buf = FrameBuffer()

    @classmethod
    async def connect(cls, port: int, client_id: int) -> RawClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        raw = cls(reader, writer)
        writer.write(b"API\0" + frame(b"v157..178"))
        assert (await raw.next())[0] == "178"
        writer.write(encode(71, 2, client_id, ""))
        return raw

    async def next(self, within: float = 2.0) -> list[str]:
        while True:
            frames = self.buf.frames()
            if frames:
                head, *rest = frames
                for f in reversed(rest):  # keep the others for later reads
                    self.buf = _prepend(self.buf, f)
                return head
            data = await asyncio.wait_for(self.reader.read(65536), within)
            if not data:
                raise ConnectionError("closed")
            self.buf.feed(data)

    async def error_code(self, within: float = 2.0) -> tuple[int, int]:
        while True:
            fields = await self.next(within)
            if fields[0] == "4" and not 2100 <= int(fields[3]) < 2200:
                return int(fields[2]), int(fields[3])


def _prepend(buf: FrameBuffer, fields: list[str]) -> FrameBuffer:
    fresh = FrameBuffer()
    fresh.feed(encode(*fields))
    fresh.feed(buf.take_raw(len(buf)) or b"")
    return fresh


async def test_unknown_message_id_gets_an_error_and_the_session_lives(
    server: SimulatorServer,
) -> None:
    raw = await RawClient.connect(server.port, 5)
    raw.writer.write(encode(4242, 1, "x"))
    assert await raw.error_code() == (-1, 321)
    raw.writer.write(encode(49, 1))  # still served
    while (await raw.next())[0] != "49":
        pass
    raw.writer.close()


async def test_truncated_and_malformed_requests_get_errors(server: SimulatorServer) -> None:
    raw = await RawClient.connect(server.port, 6)
    raw.writer.write(encode(3, 77, 0, "AAPL", "STK"))  # placeOrder cut short
    assert await raw.error_code() == (77, 320)
    raw.writer.write(encode(9, 8, "notanumber", 0, "AAPL"))  # bad reqId field
    assert (await raw.error_code())[1] == 320
    raw.writer.write(
        encode(
            20,
            12,
            0,
            "AAPL",
            "STK",
            "",
            0,
            "",
            "",
            "SMART",
            "",
            "USD",
            "",
            "",
            0,
            "garbage-date",
            "1 min",
            "1 D",
            0,
            "TRADES",
            1,
            0,
            "",
        )
    )
    assert await raw.error_code() == (12, 10314)
    raw.writer.close()


async def test_absurd_length_closes_only_that_client(server: SimulatorServer, ib: IB,
                                                     ib_errors: IbErrors) -> None:  # fmt: skip
    raw = await RawClient.connect(server.port, 7)
    raw.writer.write(struct.pack(">I", 0xFFFFFFF0) + b"garbage")
    while await asyncio.wait_for(raw.reader.read(65536), 2):  # drain until the server's EOF
        pass
    await until(lambda: 7 not in server.by_client, what="the corrupt client to be dropped")
    assert await asyncio.wait_for(ib.reqCurrentTimeAsync(), 2)


async def test_bad_greeting_is_closed(server: SimulatorServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET / HTTP/1.1\r\n\r\n")
    assert await asyncio.wait_for(reader.read(), 2) == b""
    writer.close()
