"""Option job specs: selector parsing, choosing from a chain, clear refusals, JSON round trip."""

from __future__ import annotations

from datetime import date

import pytest

from apex_tui.domain.errors import ValidationError
from apex_tui.jobs.option_spec import (
    ExpirySelector,
    OptionBackfillSpec,
    OptionChainSpec,
    StrikeSelector,
    parse_rights,
)
from apex_tui.jobs.state import spec_from_json

LISTED = ["20261204", "20261127", "20261218"]


def test_expiry_selectors() -> None:
    assert ExpirySelector.parse("next:2").select(LISTED) == ["20261127", "20261204"]
    assert ExpirySelector.parse("all").select(LISTED) == sorted(LISTED)
    assert ExpirySelector.parse("2026-12-18,20261127").select(LISTED) == ["20261127", "20261218"]
    with pytest.raises(ValidationError, match=r"20261120 is not in the chain \(listed: 2026"):
        ExpirySelector.parse("20261120").select(LISTED)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("next:x", "N must be a whole number"),
        ("next:0", "between 1 and 200"),
        ("2026-13-01", "is not a date"),
        ("Dec", "use YYYYMMDD"),
    ],
)
def test_bad_expiries_are_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ExpirySelector.parse(text)


def test_strike_selectors() -> None:
    listed = [90.0, 95.0, 100.0, 105.0, 110.0]
    assert StrikeSelector.parse("atm:3").select(listed, 101.0, "X") == [95.0, 100.0, 105.0]
    # A tie (97.5 is as far from 95 as from 100) goes to the lower strike.
    assert StrikeSelector.parse("atm:1").select(listed, 97.5, "X") == [95.0]
    assert StrikeSelector.parse("100,90").select(listed, None, "X") == [90.0, 100.0]
    assert StrikeSelector.parse("all").select(listed, None, "X") == listed
    with pytest.raises(ValidationError, match=r"strike 97 is not listed .* \(nearest: 95, 100\)"):
        StrikeSelector.parse("97").select(listed, None, "20261127")
    for bad, message in (("atm:", "whole number"), ("-5", "positive"), ("x", "use numbers")):
        with pytest.raises(ValidationError, match=message):
            StrikeSelector.parse(bad)


def test_rights_and_underlying() -> None:
    assert parse_rights("put,c") == ("C", "P") and parse_rights("P") == ("P",)
    with pytest.raises(ValidationError, match="use C, P or C,P"):
        parse_rights("X")
    with pytest.raises(ValidationError):
        OptionChainSpec.create("../etc")


def test_option_spec_round_trips_through_the_job_state() -> None:
    chain = OptionChainSpec.create("AAPL", "next:2", "atm:5", "C")
    spec = OptionBackfillSpec.create(chain, "1 hour", date(2026, 11, 16), date(2026, 11, 20))
    again = spec_from_json(spec.to_json())
    assert again == spec and isinstance(again, OptionBackfillSpec)
    assert spec.describe() == (
        "AAPL options expiries next:2 strikes atm:5 C 1 hour TRADES 2026-11-16..2026-11-20 RTH"
    )
    with pytest.raises(ValidationError, match="is before start"):
        OptionBackfillSpec.create(chain, "1 hour", date(2026, 11, 20), date(2026, 11, 16))
    with pytest.raises(ValidationError, match="up to '1 day'"):
        OptionBackfillSpec.create(chain, "1 week", date(2026, 11, 16), date(2026, 11, 20))
