"""IB codes map to domain errors with the right retryable flag; settings name bad keys."""

from __future__ import annotations

import pytest
from pydantic import ValidationError as PydanticValidationError

from apex_tui.broker.errors import error_from_ib, is_warning
from apex_tui.broker.settings import BrokerMode, BrokerSettings
from apex_tui.domain.errors import (
    ClientIdInUse,
    ConnectionFailed,
    NoData,
    PacingViolation,
    ValidationError,
)


@pytest.mark.parametrize(
    ("code", "kind", "retryable"),
    [
        (162, PacingViolation, True),
        (326, ClientIdInUse, False),
        (200, ValidationError, False),
        (504, ConnectionFailed, True),
        (166, NoData, False),
    ],
)
def test_codes_map_to_domain_errors(code: int, kind: type[Exception], retryable: bool) -> None:
    err = error_from_ib(code, "IB says no", context="AAPL")
    assert type(err) is kind
    assert err.retryable is retryable
    assert err.code == code
    assert str(err) == f"AAPL: IB says no (IB {code})"


def test_an_unknown_code_is_a_broker_error_that_is_not_retried() -> None:
    err = error_from_ib(9999, "odd")
    assert err.retryable is False and err.code == 9999


def test_farm_notices_and_listed_codes_are_warnings() -> None:
    assert is_warning(2104) and is_warning(2158) and is_warning(10167)
    assert not is_warning(1100) and not is_warning(200)


def test_default_ports_follow_the_mode() -> None:
    assert BrokerSettings(mode=BrokerMode.PAPER).resolved_port() == 4002
    assert BrokerSettings(mode=BrokerMode.LIVE).resolved_port() == 4001
    assert BrokerSettings(mode=BrokerMode.LIVE, port=7496).resolved_port() == 7496


def test_a_bad_value_names_its_key() -> None:
    with pytest.raises(PydanticValidationError, match="max_lines"):
        BrokerSettings(max_lines=0)
    with pytest.raises(PydanticValidationError, match="backoff_max"):
        BrokerSettings(backoff_base=10, backoff_max=5)
    with pytest.raises(PydanticValidationError, match="unknown_key"):
        BrokerSettings.model_validate({"unknown_key": 1})
