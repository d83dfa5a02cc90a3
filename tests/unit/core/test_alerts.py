"""Price alerts fire once per crossing and re-arm when the price comes back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apex_tui.core.alerts import AlertBook
from apex_tui.domain.quotes import Quote

T = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def fire(book: AlertBook, last: float) -> list[float]:
    return [f.last for f in book.check([Quote("AAPL", last=last)], T)]


def test_fires_once_per_crossing() -> None:
    book = AlertBook()
    book.add("AAPL", ">", 200)
    assert fire(book, 199.5) == []
    assert fire(book, 200.5) == [200.5]
    assert fire(book, 201.0) == []  # still above: no repeat
    assert fire(book, 199.0) == []  # back below: re-armed
    assert fire(book, 200.01) == [200.01]


def test_other_symbols_and_missing_prices_do_not_fire() -> None:
    book = AlertBook()
    book.add("AAPL", "<=", 100)
    assert book.check([Quote("MSFT", last=50)], T) == []
    assert book.check([Quote("AAPL")], T) == []


def test_remove_and_bad_operator() -> None:
    book = AlertBook()
    alert = book.add("AAPL", "<", 10)
    assert book.remove(alert.id)
    assert fire(book, 5) == []
    with pytest.raises(ValueError, match="operator"):
        book.add("AAPL", "=", 1)
