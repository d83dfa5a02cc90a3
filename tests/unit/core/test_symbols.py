"""Symbol validation: symbols become file paths, so only IB's alphabet passes."""

from __future__ import annotations

import pytest

from apex_tui.domain.errors import ValidationError
from apex_tui.domain.symbols import validate_symbol


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [("aapl", "AAPL"), (" MSFT ", "MSFT"), ("BRK B", "BRK B"), ("BF.B", "BF.B")],
)
def test_good_symbols_are_canonicalised(raw: str, canonical: str) -> None:
    assert validate_symbol(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("../etc", "'..'"),
        ("..", "'..'"),
        ("A/B", "path separator"),
        ("A\\B", "path separator"),
        ("AA\x00PL", "control character"),
        ("AAPL\n", "control character"),
        ("ABCDEFGHIJKLM", "longer than"),
        ("AA PL  X", "characters IB does not use"),
        ("A$B", "characters IB does not use"),
        (".AAPL", "characters IB does not use"),
    ],
)
def test_bad_symbols_are_refused_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_symbol(raw)
    assert reason in str(info.value)
