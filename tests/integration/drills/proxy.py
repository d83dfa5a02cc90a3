"""A TCP fault proxy on loopback: sits between a client and a server and misbehaves on demand.

    async with FaultProxy(upstream_port) as proxy:       # listens on 127.0.0.1:proxy.port
        proxy.set(Mode.DELAY, delay=0.2)                 # switch at any time, mid-stream
        proxy.set(Mode.BLACKHOLE)                        # sockets stay open, nothing forwarded
        proxy.set(Mode.RST)                              # every connection reset (SO_LINGER 0)
        proxy.set(Mode.CLOSE_AFTER, after_bytes=300)     # forward 300 more bytes, then FIN
        proxy.set(Mode.PASS)
        proxy.inject(raw_frame)                          # as if the server sent it, between
                                                         # two of its own frames
Modes apply to every connection, open or new: a blackholed or reset gateway looks the same to
the next connect attempt, which is what a reconnecting client meets in production. Bytes are
forwarded in order per direction; DELAY holds each chunk `delay` seconds before writing it
(the pump sleeps, so later chunks queue behind it, as behind a slow link) and THROTTLE paces
each direction to `rate` bytes per second.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass, field
from enum import StrEnum
from types import TracebackType

CHUNK = 4096


class Mode(StrEnum):
    PASS = "pass"
    DELAY = "delay"
    THROTTLE = "throttle"
    BLACKHOLE = "blackhole"
    RST = "rst"
    CLOSE_AFTER = "close-after"


@dataclass(eq=False)  # identity hash: links live in a set
class _Link:
    """One proxied connection: the client's streams and the upstream's."""

    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter
    budget: int | None = None  # bytes still forwarded in CLOSE_AFTER, counted both ways
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    closed: bool = False
    partial: bytearray = field(default_factory=bytearray)  # server->client bytes of a frame
    injected: list[bytes] = field(default_factory=list)  # to send at the next frame boundary

    def whole_frames(self, data: bytes) -> bytes:
        """The complete length-prefixed frames in `partial + data`, then anything injected.

        The server->client stream is frames from its first byte (the handshake answer is one),
        so cutting at frame ends lets `inject` add messages without splitting a real one.
        """
        buf = self.partial
        buf += data
        end = 0
        while len(buf) - end >= 4:
            (size,) = struct.unpack_from(">I", buf, end)
            if len(buf) - end - 4 < size:
                break
            end += 4 + size
        out = bytes(buf[:end])
        del buf[:end]
        if self.injected:
            out += b"".join(self.injected)
            self.injected.clear()
        return out


class FaultProxy:
    """Forwards 127.0.0.1:`port` to 127.0.0.1:`upstream_port` with a switchable fault mode."""

    def __init__(self, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.upstream_port = upstream_port
        self.host = host
        self.port = 0
        self.mode = Mode.PASS
        self.delay = 0.0
        self.rate = 0.0
        self.after_bytes = 0
        self.accepted = 0
        self.resets = 0
        self.forwarded = {"up": 0, "down": 0}  # bytes client->server, server->client
        self.blackholed = 0  # bytes swallowed
        self._links: set[_Link] = set()
        self._server: asyncio.Server | None = None

    # -- life cycle ----------------------------------------------------------------------
    async def start(self) -> int:
        self._server = await asyncio.start_server(self._accept, self.host, 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in list(self._links):
            self._close(link, reset=False)
        tasks = [t for link in list(self._links) for t in link.tasks]
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> FaultProxy:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def inject(self, data: bytes) -> None:
        """Send `data` to every client at its next frame boundary (as if the server sent it)."""
        for link in self._links:
            if not link.closed:
                link.injected.append(data)

    @property
    def open_links(self) -> int:
        return sum(not link.closed for link in self._links)

    # -- switching -----------------------------------------------------------------------
    def set(
        self, mode: Mode, *, delay: float = 0.0, rate: float = 0.0, after_bytes: int = 0
    ) -> None:
        """Switch every open connection (and the next ones) to `mode` at once."""
        self.mode, self.delay, self.rate, self.after_bytes = mode, delay, rate, after_bytes
        for link in list(self._links):
            link.budget = after_bytes if mode is Mode.CLOSE_AFTER else None
            if mode is Mode.RST:
                self._close(link, reset=True)

    # -- plumbing ------------------------------------------------------------------------
    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.upstream_port)
        except OSError:
            _reset(writer)
            return
        link = _Link(writer, up_writer)
        link.budget = self.after_bytes if self.mode is Mode.CLOSE_AFTER else None
        self._links.add(link)
        if self.mode is Mode.RST:
            self._close(link, reset=True)
            return
        link.tasks = [
            asyncio.ensure_future(self._pump(link, reader, up_writer, "up")),
            asyncio.ensure_future(self._pump(link, up_reader, writer, "down")),
        ]

    async def _pump(
        self,
        link: _Link,
        src: asyncio.StreamReader,
        dst: asyncio.StreamWriter,
        direction: str,
    ) -> None:
        try:
            while not link.closed:
                data = await src.read(CHUNK)
                if not data:
                    break
                if direction == "down":
                    data = link.whole_frames(data)
                await self._forward(link, dst, data, direction)
        except (ConnectionError, OSError):
            pass  # the other side went away: close both below
        finally:
            self._close(link, reset=False)

    async def _forward(
        self, link: _Link, dst: asyncio.StreamWriter, data: bytes, direction: str
    ) -> None:
        mode = self.mode
        if mode is Mode.BLACKHOLE:
            self.blackholed += len(data)
            return
        if mode is Mode.DELAY and self.delay > 0:
            await asyncio.sleep(self.delay)
        if link.budget is not None:
            data = data[: link.budget]
            link.budget -= len(data)
        if link.closed:
            return
        if data:
            dst.write(data)
            self.forwarded[direction] += len(data)
            await dst.drain()
        if mode is Mode.THROTTLE and self.rate > 0:
            await asyncio.sleep(len(data) / self.rate)
        if link.budget == 0:
            self._close(link, reset=False)

    def _close(self, link: _Link, *, reset: bool) -> None:
        if link.closed:
            return
        link.closed = True
        if reset:
            self.resets += 1
            _reset(link.client)
        else:
            link.client.close()
        link.upstream.close()
        current = asyncio.current_task()
        for task in link.tasks:
            if task is not current:
                task.cancel()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with SO_LINGER 0: the kernel sends RST instead of FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
