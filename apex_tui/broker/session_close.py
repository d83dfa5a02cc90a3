"""Closing an ib_async session in any state, the half-finished handshake included."""

from __future__ import annotations

from ib_async import IB


def disconnect(ib: IB) -> None:
    """`ib.disconnect()` that also works between the socket handshake and API start, and
    fails every request still waiting for an answer.

    In that window (a gateway waiting on its "accept connection?" dialog, or one that stalls
    after the version exchange) ib_async's own `disconnect` reads connection statistics first
    and raises ConnectionError("Not connected"), leaving the socket open: every retry would
    leak one, and stopping the app would raise. Close the client directly then.

    Both paths end in `wrapper.reset()`, which drops ib_async's pending request futures
    without resolving them (only a close from the gateway's side fails them, in
    `connectionClosed`). A request in flight when we drop the session ourselves (heartbeat
    timeout on a half-open link, R, stop) would then wait out its own timeout and count as
    a timeout instead of a lost connection. Fail them first, as a gateway close would.
    """
    _fail_pending(ib, ConnectionError("disconnected by the client"))
    client = ib.client
    if client.isConnected() and not client.isReady():  # type: ignore[no-untyped-call]
        client.disconnect()  # type: ignore[no-untyped-call]
        ib.wrapper.reset()  # type: ignore[no-untyped-call]
        return
    ib.disconnect()


def _fail_pending(ib: IB, error: Exception) -> None:
    futures = list(ib.wrapper._futures.values())  # ib_async keeps no public list of them
    for future in futures:
        if not future.done():
            future.set_exception(error)
