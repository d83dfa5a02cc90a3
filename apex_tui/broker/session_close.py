"""Closing an ib_async session in any state, the half-finished handshake included."""

from __future__ import annotations

from ib_async import IB


def disconnect(ib: IB) -> None:
    """`ib.disconnect()` that also works between the socket handshake and API start.

    In that window (a gateway waiting on its "accept connection?" dialog, or one that stalls
    after the version exchange) ib_async's own `disconnect` reads connection statistics first
    and raises ConnectionError("Not connected"), leaving the socket open: every retry would
    leak one, and stopping the app would raise. Close the client directly then.
    """
    client = ib.client
    if client.isConnected() and not client.isReady():  # type: ignore[no-untyped-call]
        client.disconnect()  # type: ignore[no-untyped-call]
        ib.wrapper.reset()  # type: ignore[no-untyped-call]
        return
    ib.disconnect()
