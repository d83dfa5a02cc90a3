"""The project's error hierarchy: what went wrong, whether a retry can help, and IB's code."""

from __future__ import annotations


class ApexError(Exception):
    """Base of every error the app raises on purpose.

    `retryable` tells callers whether trying again later can succeed; `code` carries the
    IB error code when the failure came from the broker.
    """

    retryable: bool = False

    def __init__(self, message: str, *, code: int | None = None, retryable: bool | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        if retryable is not None:
            self.retryable = retryable

    def __str__(self) -> str:
        return f"{self.message} (IB {self.code})" if self.code is not None else self.message


class ConfigError(ApexError):
    """The configuration is invalid; `problems` holds one line per key."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class ValidationError(ApexError):
    """User input (a symbol, an order, a command) was refused before anything happened."""


class BrokerError(ApexError):
    """The broker refused or failed a request."""


class ConnectionFailed(BrokerError):
    """No session with the gateway could be established."""

    retryable = True


class RequestTimeout(BrokerError):
    """The gateway did not answer a request within its timeout."""

    retryable = True


class PacingViolation(BrokerError):
    """IB's historical-data pacing rules refused the request (error 162)."""

    retryable = True


class NoData(BrokerError):
    """The request was valid but IB has no data for it: a gap, not a failure to retry."""


class ClientIdInUse(ConnectionFailed):
    """Another API session already uses this clientId (IB 326): retrying cannot help, unless
    the session holding it is our own previous one, which the gateway has not closed yet."""

    retryable = False


class GatewayVersionTooOld(ConnectionFailed):
    """The gateway's API version is below what the client supports: upgrade the gateway."""

    retryable = False


class AccountNotManaged(ConnectionFailed):
    """The configured account is not among the gateway's managed accounts."""

    retryable = False


class StorageError(ApexError):
    """Writing to or reading from the dataset failed."""

    retryable = True


class RiskRejected(ApexError):
    """A risk limit refused an order; `check` names the limit."""

    def __init__(self, message: str, *, check: str):
        super().__init__(message)
        self.check = check


class ParseError(ValidationError):
    """A command line did not parse; the message says what was expected and where."""

    def __init__(self, message: str, *, expected: str, position: int = 0):
        super().__init__(message)
        self.expected = expected
        self.position = position


class ConfirmationMismatch(ValidationError):
    """A typed confirmation (breaker reset, live unlock) did not match the required phrase."""


class ApprovalRefused(ApexError):
    """An approval was refused before any order was sent; `reason` is a short machine key
    ("expired", "drift", "locked", "risk", "unknown", "rejected") and the message says why."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.reason = reason


class ConfirmationRequired(ValidationError):
    """A dangerous action needs the trader to type `phrase` first."""

    def __init__(self, message: str, *, phrase: str):
        super().__init__(message)
        self.phrase = phrase
