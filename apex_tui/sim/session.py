"""One client connection: handshake, framing, message-rate limit and the outgoing buffer.

A `Session` is an asyncio Protocol. It cuts frames, answers the version handshake, hands
startApi to the server for registration, and passes every later message to the server's
dispatcher. Anything it cannot resynchronise from (a bad greeting, an absurd length prefix)
closes only this connection. While the server is stalled it reads nothing, so requests wait
in the buffer exactly as they would behind a half-open gateway.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from typing import TYPE_CHECKING

from apex_tui.sim import outgoing as out
from apex_tui.sim.incoming import parse_handshake_versions
from apex_tui.sim.wire import FieldError, FrameBuffer, FrameError, Reader

if TYPE_CHECKING:
    from apex_tui.sim.server import SimulatorServer

log = logging.getLogger("apex_tui.sim")
_ids = itertools.count(1)
GREETING = b"API\0"


class Session(asyncio.Protocol):
    """The server side of one API client."""

    def __init__(self, server: SimulatorServer) -> None:
        self.server = server
        self.id = next(_ids)
        self.transport: asyncio.Transport | None = None
        self.peer = "?"
        self.buffer = FrameBuffer()
        self.stage = "greeting"  # greeting -> version -> start -> ready
        self.version = 0
        self.client_id: int | None = None
        self.closing = False
        self.market_data_type = 1
        self._times: deque[float] = deque()
        self._pending: list[bytes] = []
        # Subscriptions owned by this client (request ids), kept for cleanup on disconnect.
        self.positions_subscribed = False
        self.account_subscribed: str | None = None
        self.account_multi: dict[int, str] = {}
        self.sent_portfolio: dict[str, set[int]] = {}
        self.sent_positions: set[tuple[str, int]] = set()

    # --- asyncio.Protocol ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if peer else "?"
        log.info("connection from %s (session %d)", self.peer, self.id)
        self.server.sessions.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        log.info("session %d (client %s, %s) closed", self.id, self.client_id, self.peer)
        self.closing = True
        self.transport = None
        self.server.unregister(self)

    def data_received(self, data: bytes) -> None:
        self.buffer.feed(data)
        if not self.server.faults.stalled:
            self.process()

    # --- input -----------------------------------------------------------------------------

    def process(self) -> None:
        """Handle everything buffered: called on data and when a stall ends."""
        if self.closing:
            return
        if self.stage == "greeting":
            head = self.buffer.take_raw(len(GREETING))
            if head is None:
                return
            if head != GREETING:
                log.warning("session %d: bad greeting %r, closing", self.id, head)
                self.close()
                return
            self.stage = "version"
        try:
            frames = self.buffer.frames()
        except FrameError as exc:
            log.warning("session %d: %s; stream cannot be resynchronised, closing", self.id, exc)
            self.close()
            return
        for fields in frames:
            if self.closing or self.server.faults.stalled:
                # A stall began mid-batch (or we are closing): later frames wait unanswered.
                break
            self._handle(fields)
        self.flush()

    def _handle(self, fields: list[str]) -> None:
        if self.stage == "version":
            self._answer_version(fields)
        elif self.stage == "start":
            if fields and fields[0] == "71":
                self._start_api(fields)
            else:
                log.warning("session %d: %s before startApi, ignored", self.id, fields[:1])
        elif self.stage == "ready":
            if not self._within_rate():
                return
            self.server.dispatch(self, fields)

    def _answer_version(self, fields: list[str]) -> None:
        try:
            low, high = parse_handshake_versions(fields[0] if fields else "")
        except FieldError as exc:
            log.warning("session %d: %s, closing", self.id, exc)
            self.close()
            return
        version = self.server.settings.server_version
        if not low <= version <= high:
            log.warning(
                "session %d: client wants v%d..%d, we speak %d", self.id, low, high, version
            )
            self.close()
            return
        self.version = version
        self.stage = "start"
        self.send(out.handshake(version, self.server.clock.now()))

    def _start_api(self, fields: list[str]) -> None:
        r = Reader(fields, 1)
        try:
            r.integer()  # version 2
            client_id = r.integer()
        except FieldError as exc:
            log.warning("session %d: bad startApi (%s), closing", self.id, exc)
            self.close()
            return
        self.server.register(self, client_id)

    def _within_rate(self) -> bool:
        limit = self.server.settings.max_msg_rate
        if not limit:
            return True
        now = self.server.clock.monotonic()
        times = self._times
        times.append(now)
        while times and now - times[0] >= 1.0:
            times.popleft()
        if len(times) <= limit:
            return True
        log.warning("session %d: %d messages in 1 s, limit %d: disconnecting", self.id,
                    len(times), limit)  # fmt: skip
        self.send(out.error(-1, 100, f"Max rate of messages per second has been exceeded:"
                                     f"max={limit} rec={len(times)} (1)"))  # fmt: skip
        self.close()
        return False

    # --- output ----------------------------------------------------------------------------

    def send(self, message: bytes) -> None:
        """Queue one message; `flush` writes the batch in one syscall."""
        if not self.closing:
            self._pending.append(message)

    def flush(self) -> None:
        if self._pending and self.transport is not None:
            self.transport.write(b"".join(self._pending))
        self._pending.clear()

    def close(self) -> None:
        """Flush what is queued (an error explaining why) and close this connection only."""
        if self.closing:
            return
        self.flush()
        self.closing = True
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        """Drop the connection without flushing, as a crashed gateway would."""
        self.closing = True
        self._pending.clear()
        if self.transport is not None:
            self.transport.abort()
