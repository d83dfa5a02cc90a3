"""What went wrong while connecting, in words that say what to check.

The supervisor feeds these from ib_async's error events and exceptions during one connect
attempt; each returns the domain error that ends the attempt (or None: not an attempt-ending
message)."""

from __future__ import annotations

from apex_tui.domain.errors import (
    ApexError,
    ClientIdInUse,
    ConnectionFailed,
    GatewayVersionTooOld,
)


def client_id_in_use(client_id: int, address: str, *, after_loss: bool, code: int) -> ApexError:
    """IB 326. After a session of ours was lost the gateway may still hold it (a half-open
    link it has not noticed yet) and frees the id when it does: retryable then, not before."""
    if after_loss:
        return ClientIdInUse(
            f"clientId {client_id} is still in use at {address}: the gateway has not closed "
            "our previous session yet",
            code=code,
            retryable=True,
        )
    return ClientIdInUse(
        f"clientId {client_id} is already in use at {address}: close the other API session "
        "or set another broker.client_id",
        code=code,
    )


def api_error(message: str, address: str) -> ApexError | None:
    """An ib_async `apiError` during the handshake."""
    if "version" in message.lower():
        return GatewayVersionTooOld(
            f"the gateway at {address} is too old for this client ({message}); upgrade IB "
            "Gateway / TWS"
        )
    if "Peer closed" in message:
        return ConnectionFailed(
            f"the gateway at {address} closed the connection during the handshake "
            f"({message}): check the clientId and the API settings"
        )
    if not message.startswith("API connection failed"):
        # Any other socket error mid-handshake (a reset, a broken pipe) ends the attempt;
        # waiting out connect_timeout would only delay the retry.
        return ConnectionFailed(
            f"the connection to {address} broke during the handshake ({message})"
        )
    return None  # ib_async's own summary of a failure reported otherwise


def explain(exc: BaseException, address: str, connect_timeout: float) -> ApexError:
    """Turn what ib_async's connectAsync raised into a message that says what to check."""
    if isinstance(exc, ConnectionRefusedError):
        return ConnectionFailed(
            f"connection refused by {address}: is IB Gateway / TWS running, is the API "
            "enabled (Configure > Settings > API > Enable ActiveX and Socket Clients), and is "
            "the port right (Gateway 4002 paper / 4001 live, TWS 7497 / 7496)?"
        )
    if isinstance(exc, TimeoutError):
        return ConnectionFailed(
            f"no API handshake from {address} within {connect_timeout:g} s: is the gateway "
            "logged in, and is this host in its trusted IPs?"
        )
    if isinstance(exc, OSError) and not isinstance(exc, ConnectionError):
        return ConnectionFailed(f"cannot reach {address}: {exc.strerror or exc}; check broker.host")
    return ConnectionFailed(f"connecting to {address} failed: {exc}")
