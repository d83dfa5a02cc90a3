"""Connect failures in words that say what to check, and which of them are worth a retry."""

from __future__ import annotations

import socket

from apex_tui.broker.handshake_errors import api_error, client_id_in_use, explain
from apex_tui.domain.errors import ClientIdInUse, GatewayVersionTooOld

ADDR = "127.0.0.1:4002"


def test_refused_names_the_address_and_what_to_check() -> None:
    text = str(explain(ConnectionRefusedError(111, "refused"), ADDR, 10))
    assert ADDR in text and "running" in text and "4002 paper" in text


def test_a_handshake_timeout_says_logged_in_and_trusted_ips() -> None:
    text = str(explain(TimeoutError(), ADDR, 7.5))
    assert "7.5 s" in text and "logged in" in text and "trusted IPs" in text


def test_an_unknown_host_points_at_broker_host() -> None:
    error = socket.gaierror(-2, "Name or service not known")
    assert "check broker.host" in str(explain(error, "nohost:4002", 10))


def test_api_errors_during_the_handshake() -> None:
    too_old = api_error("The TWS is out of date and must be upgraded (server version 100)", ADDR)
    assert isinstance(too_old, GatewayVersionTooOld) and not too_old.retryable
    assert "closed the connection" in str(api_error("Peer closed connection", ADDR))
    assert "broke during the handshake" in str(api_error("Connection reset by peer", ADDR))
    assert api_error("API connection failed: TimeoutError()", ADDR) is None


def test_326_is_final_at_first_and_retryable_after_a_loss() -> None:
    first = client_id_in_use(5, ADDR, after_loss=False, code=326)
    again = client_id_in_use(5, ADDR, after_loss=True, code=326)
    assert isinstance(first, ClientIdInUse) and not first.retryable
    assert isinstance(again, ClientIdInUse) and again.retryable
    assert "already in use" in str(first) and "(IB 326)" in str(first)
    assert "previous session" in str(again)
