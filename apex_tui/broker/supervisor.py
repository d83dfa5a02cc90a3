"""Connection supervision: connect, sync, heartbeat, reconnect with backoff, give up, R.

The supervisor owns the session's life cycle and the ConnectionBoard; what to do with a
fresh session (restore subscriptions, reconcile) is the `on_session` callback's job.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from ib_async import IB

from apex_tui.broker.backoff import Backoff
from apex_tui.broker.errors import CLIENT_ID_IN_USE
from apex_tui.broker.handshake_errors import api_error, client_id_in_use, explain
from apex_tui.broker.session_close import disconnect
from apex_tui.broker.settings import BrokerSettings
from apex_tui.broker.states import ConnectionBoard, ConnectionState
from apex_tui.domain.clock import Clock, SystemClock
from apex_tui.domain.errors import (
    AccountNotManaged,
    ApexError,
    ConnectionFailed,
)

log = structlog.get_logger(__name__)

S = ConnectionState
SessionHook = Callable[[bool], Awaitable[None]]  # argument: is this the first session?
LossHook = Callable[[str], None]


class Supervisor:
    """Keeps one session with the gateway alive, or says clearly why it cannot."""

    def __init__(
        self,
        ib: IB,
        settings: BrokerSettings,
        board: ConnectionBoard,
        *,
        port: int,
        on_session: SessionHook,
        on_loss: LossHook | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._ib = ib
        self._s = settings
        self._board = board
        self._port = port
        self._on_session = on_session
        self._on_loss = on_loss
        self._clock = clock or SystemClock()
        self.backoff = Backoff(
            base=settings.backoff_base,
            cap=settings.backoff_max,
            jitter=settings.backoff_jitter,
            max_failures=settings.max_failures,
            window=settings.failure_window,
            clock=self._clock,
            rng=rng,
        )
        self._wake = asyncio.Event()  # reconnect_now
        self._lost = asyncio.Event()  # the socket closed under us
        self._interrupt: asyncio.Future[None] | None = None  # wakes the running _watch
        self._degraded: dict[str, str] = {}  # key -> reason
        self._connected_reason = ""
        self.sessions = 0
        ib.disconnectedEvent += self._on_disconnected

    @property
    def address(self) -> str:
        return f"{self._s.host}:{self._port}"

    # -- commands --------------------------------------------------------------------------

    def reconnect_now(self) -> None:
        """The trader pressed R: retry at once (and forget the failures that made us stop)."""
        self.backoff.reset()
        self._wake.set()
        self._interrupt_watch()

    def degrade(self, key: str, reason: str) -> None:
        """Mark one cause of degradation (1100, a farm down, stale quotes)."""
        if self._degraded.get(key) != reason:
            self._degraded[key] = reason
            self._publish_live()

    def recover(self, key: str) -> None:
        if self._degraded.pop(key, None) is not None:
            self._publish_live()

    @property
    def degraded(self) -> dict[str, str]:
        return dict(self._degraded)

    def _publish_live(self) -> None:
        if not self._board.is_live:
            return
        if self._degraded:
            self._board.set(S.DEGRADED, "; ".join(self._degraded.values()))
        else:
            self._board.set(S.CONNECTED, self._connected_reason)

    # -- the loop --------------------------------------------------------------------------

    async def run(self) -> None:
        """Supervise until cancelled."""
        first = True
        while True:
            self._wake.clear()
            try:
                await self._connect_once()
                await self._on_session(first)
            except ApexError as exc:
                disconnect(self._ib)
                await self._after_failure(exc)
                continue
            except Exception as exc:  # an ib_async surprise must not end supervision
                log.exception("connect_crashed")
                disconnect(self._ib)
                await self._after_failure(ConnectionFailed(f"connecting failed: {exc!r}"))
                continue
            first = False
            self.sessions += 1
            self.backoff.succeeded()
            self._connected_reason = f"connected to {self.address}"
            self._board.set(S.CONNECTED, self._connected_reason)
            self._publish_live()
            reason = await self._watch()
            if self._on_loss is not None:
                self._on_loss(reason)
            self._degraded.clear()
            disconnect(self._ib)
            self._board.set(S.RECONNECTING, reason)

    async def _after_failure(self, exc: ApexError) -> None:
        log.warning("connect_failed", error=str(exc), code=exc.code, retryable=exc.retryable)
        delay = self.backoff.next_delay() if exc.retryable else None
        self._board.failures_in_window = self.backoff.failures_in_window
        if delay is None:
            why = str(exc)
            if exc.retryable:
                why = (
                    f"gave up after {self._s.max_failures} failed attempts in "
                    f"{self._s.failure_window:g} s; last: {exc}"
                )
            self._board.next_attempt_in = None
            self._board.set(S.STOPPED, f"{why} — press R to reconnect")
            await self._wake.wait()
            return
        self._board.next_attempt_in = delay
        self._board.set(S.RECONNECTING, f"{exc}; retrying in {delay:.1f} s")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), delay)

    async def _watch(self) -> str:
        """Heartbeat until the session ends; returns why.

        Runs in the supervisor's own task and waits on futures, with no helper tasks: the set
        of tasks is then the same whether a session is watched, restored or reconnecting, so
        a count of asyncio tasks that grows (the soak's leak signal) means a leak, not a
        phase. A socket loss or R wakes it through `_interrupt`.
        """
        self._interrupt = asyncio.get_running_loop().create_future()
        try:
            while (ended := self._ended()) is None:
                await asyncio.wait({self._interrupt}, timeout=self._s.heartbeat_interval)
                if self._ended() is None and (ended := await self._beat()) is not None:
                    return ended
            return ended
        finally:
            self._interrupt = None

    def _ended(self) -> str | None:
        """Why the session ended, if R or a socket loss ended it."""
        if self._wake.is_set():
            return "reconnect requested by the trader"
        if self._lost.is_set():
            return f"connection to {self.address} lost"
        return None

    async def _beat(self) -> str | None:
        """One reqCurrentTime round; no answer in time means a half-open socket.

        Returns why the session ended, or None when the gateway answered. Not `bounded`:
        the round must also end on R or a loss, and wait_for cannot wait on two futures.
        """
        timeout = self._s.timeouts.heartbeat
        sent = self._clock.monotonic()
        try:
            answer = asyncio.ensure_future(self._ib.reqCurrentTimeAsync())
        except ConnectionError:  # the socket closed since the last check: send raises
            return f"connection to {self.address} lost"
        assert self._interrupt is not None
        either: set[asyncio.Future[Any]] = {answer, self._interrupt}
        await asyncio.wait(either, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if not answer.done():
            answer.cancel()  # ib_async would otherwise resolve it for no one
            return self._ended() or (
                f"heartbeat: no answer from {self.address} within {timeout:g} s "
                "(half-open connection)"
            )
        if answer.cancelled() or isinstance(answer.exception(), ConnectionError):
            return f"connection to {self.address} lost"  # ib_async failed it on a close
        # Any other error is still an answer: the gateway is alive.
        self._board.heartbeat_rtt = self._clock.monotonic() - sent
        self._board.last_heartbeat = self._clock.now()
        self._board.touch()
        return None

    def _interrupt_watch(self) -> None:
        if self._interrupt is not None and not self._interrupt.done():
            self._interrupt.set_result(None)

    def _on_disconnected(self) -> None:
        self._lost.set()
        self._interrupt_watch()

    # -- one attempt -----------------------------------------------------------------------

    async def _connect_once(self) -> None:
        """Connect and sync, failing fast on errors the gateway reports during the handshake."""
        s, ib = self._s, self._ib
        self._board.set(S.CONNECTING, f"connecting to {self.address} (clientId {s.client_id})")
        self._lost.clear()
        loop = asyncio.get_running_loop()
        failure: asyncio.Future[ApexError] = loop.create_future()

        def fail(exc: ApexError) -> None:
            if not failure.done():
                failure.set_result(exc)

        def on_error(req_id: int, code: int, message: str, _contract: Any) -> None:
            if code == CLIENT_ID_IN_USE:
                after_loss = self.sessions > 0
                fail(client_id_in_use(s.client_id, self.address, after_loss=after_loss, code=code))

        def on_api_error(message: str) -> None:
            if (error := api_error(message, self.address)) is not None:
                fail(error)

        def on_api_start() -> None:
            accounts = list(ib.client.getAccounts())
            self._board.accounts = tuple(accounts)
            self._board.server_version = ib.client.serverVersion()
            if s.account and s.account not in accounts:
                fail(
                    AccountNotManaged(
                        f"account {s.account} is not among the accounts this login manages "
                        f"({', '.join(accounts)}): check broker.account"
                    )
                )
                return
            self._board.set(
                S.SYNCING, f"syncing positions, orders and executions with {self.address}"
            )

        ib.errorEvent += on_error
        ib.client.apiError += on_api_error
        ib.client.apiStart += on_api_start
        connect = asyncio.ensure_future(
            ib.connectAsync(
                s.host,
                self._port,
                clientId=s.client_id,
                timeout=s.connect_timeout,
                readonly=s.read_only,
                account=s.account,
            )
        )
        try:
            done, _ = await asyncio.wait(
                {connect, failure},
                timeout=s.connect_timeout * 2,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            ib.errorEvent -= on_error
            ib.client.apiError -= on_api_error
            ib.client.apiStart -= on_api_start
        if failure.done():
            await _cancel(connect)
            disconnect(self._ib)
            raise failure.result()
        if not done:
            await _cancel(connect)
            raise ConnectionFailed(
                f"the gateway at {self.address} accepted the connection but did not finish the "
                f"API handshake and sync within {s.connect_timeout * 2:g} s: is it logged in and "
                "is the API enabled?"
            )
        exc = connect.exception()
        if exc is not None:
            raise explain(exc, self.address, s.connect_timeout) from exc


async def _cancel(task: asyncio.Future[Any]) -> None:
    """Cancel `task` and wait for it to end.

    Python 3.11's wait_for swallows a cancellation that arrives just as its inner future
    completes (ib_async awaits apiStart that way), so the cancel is repeated until it sticks.
    """
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=0.05)
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it as never retrieved
