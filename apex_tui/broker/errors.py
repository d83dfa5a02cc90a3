"""IB error codes mapped onto the domain error hierarchy, each with its retryable flag."""

from __future__ import annotations

from apex_tui.domain.errors import (
    BrokerError,
    ClientIdInUse,
    ConnectionFailed,
    NoData,
    PacingViolation,
    ValidationError,
)

# Codes IB sends as notices, not failures (ib_async's own warning list plus the 2100 range).
WARNING_CODES = frozenset({105, 110, 165, 321, 329, 399, 404, 434, 492, 10167})

CONNECTIVITY_LOST = 1100
RESTORED_DATA_LOST = 1101
RESTORED_DATA_KEPT = 1102
CLIENT_ID_IN_USE = 326
MAX_TICKERS = 101
PACING = 162
NO_SECURITY_DEFINITION = 200
NOT_CONNECTED = 504

# Data farm notices: code -> (farm is up?, what kind of farm).
FARM_NOTICES: dict[int, tuple[bool, str]] = {
    2103: (False, "market data farm"),
    2104: (True, "market data farm"),
    2105: (False, "historical data farm"),
    2106: (True, "historical data farm"),
    2157: (False, "sec-def data farm"),
    2158: (True, "sec-def data farm"),
}

# Failures that say nothing about the request itself: trying again later can succeed.
_RETRYABLE = frozenset({100, 102, 162, 366, 420, 502, 504, 1100, 2103, 2105, 2110, 2157})
# The request was wrong: the same request will fail again.
_INVALID_REQUEST = frozenset({200, 201, 203, 321, 322, 354, 10167, 10168, 10197})


def is_warning(code: int) -> bool:
    """True for IB's informational codes, which must not fail a request."""
    return code in WARNING_CODES or 2100 <= code < 2200


def error_from_ib(code: int, message: str, *, context: str = "") -> BrokerError | ValidationError:
    """The domain error for IB error `code`; `context` (e.g. the symbol) prefixes the message."""
    text = f"{context}: {message}" if context else message
    if code == PACING:
        # IB also sends 162 for "HMDS query returned no data": only pacing is retried.
        if "no data" in message.lower():
            return NoData(text, code=code)
        return PacingViolation(text, code=code)
    if code == CLIENT_ID_IN_USE:
        return ClientIdInUse(text, code=code)
    if code == NO_SECURITY_DEFINITION:
        return ValidationError(text, code=code)
    if code in (NOT_CONNECTED, 502, 1100):
        return ConnectionFailed(text, code=code)
    if code in {166, 10187}:  # no historical data / HMDS empty result
        return NoData(text, code=code)
    if code in _INVALID_REQUEST:
        return BrokerError(text, code=code, retryable=False)
    return BrokerError(text, code=code, retryable=code in _RETRYABLE)
