"""The `:` command parser: good input gives typed commands, anything else only ParseError."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apex_tui.domain.errors import ParseError
from apex_tui.domain.orders import OrderType, Side
from apex_tui.orders.command import (
    AlertCommand,
    CancelAllCommand,
    CancelCommand,
    Command,
    FlattenCommand,
    OrderCommand,
    UnalertCommand,
    complete_symbol,
    parse_command,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("buy 100 AAPL", OrderCommand(Side.BUY, 100, "AAPL")),
        ("sell 50 MSFT lmt 412.50", OrderCommand(Side.SELL, 50, "MSFT", OrderType.LMT, 412.5)),
        ("buy 10 AAPL mkt", OrderCommand(Side.BUY, 10, "AAPL", OrderType.MKT)),
        (":BUY 10 aapl MKT", OrderCommand(Side.BUY, 10, "AAPL", OrderType.MKT)),
        ("  sell   5  brk.b  limit .5 ", OrderCommand(Side.SELL, 5, "BRK.B", OrderType.LMT, 0.5)),
        ("cancel P1a2b3c", CancelCommand("P1a2b3c")),
        ("cancel all", CancelAllCommand()),
        ("CANCEL ALL", CancelAllCommand()),
        ("flatten AAPL", FlattenCommand("AAPL")),
        ("alert AAPL > 200", AlertCommand("AAPL", ">", 200.0)),
        ("alert AAPL>200", AlertCommand("AAPL", ">", 200.0)),
        ("alert msft <= 399.99", AlertCommand("MSFT", "<=", 399.99)),
    ],
)
def test_good_commands(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "expected_fragment", "position"),
    [
        ("", "a command", 0),
        ("purchase 10 AAPL", "a command", 0),
        ("buy", "a quantity", 3),
        ("buy ten AAPL", "a quantity", 4),
        ("buy 0 AAPL", "a quantity from 1", 4),
        ("buy -5 AAPL", "a quantity", 4),
        ("buy 1.5 AAPL", "whole number", 4),
        ("buy 10", "a symbol", 6),
        ("buy 10 ../etc", "a symbol", 7),
        ("buy 10 AAPL lmt", "a limit price", 15),
        ("buy 10 AAPL lmt abc", "a limit price", 16),
        ("buy 10 AAPL lmt nan", "a limit price", 16),
        ("buy 10 AAPL lmt 1e5", "a limit price", 16),
        ("buy 10 AAPL lmt 0", "above zero", 16),
        ("buy 10 AAPL stop 5", "'lmt PRICE', 'mkt'", 12),
        ("buy 10 AAPL mkt now", "end of command", 16),
        ("cancel", "an order id or 'all'", 6),
        ("cancel all now", "end of command", 11),
        ("flatten", "a symbol", 7),
        ("alert AAPL = 200", "a comparison", 11),
        ("alert AAPL > ", "a price", 13),
        (":buy", "a quantity", 4),
        ("buy \u0661\u0660 AAPL", "a quantity", 4),  # Arabic-Indic digits are not ASCII
    ],
)
def test_bad_commands_say_what_was_expected(
    text: str, expected_fragment: str, position: int
) -> None:
    with pytest.raises(ParseError) as info:
        parse_command(text)
    err = info.value
    assert expected_fragment in str(err)
    assert str(err).startswith("expected ")
    assert err.position == position


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
def test_never_raises_anything_but_parse_error(text: str) -> None:
    try:
        parse_command(text)
    except ParseError as exc:
        assert exc.expected
        assert 0 <= exc.position <= len(text)


WORDS = st.sampled_from(
    [
        "buy",
        "sell",
        "cancel",
        "all",
        "flatten",
        "alert",
        "lmt",
        "mkt",
        "AAPL",
        "msft",
        ">",
        "<=",
        "10",
        "0",
        "-1",
        "412.50",
        ".5",
        "1e9",
        "nan",
        "inf",
        "",
        " ",
        "..",
        "/",
        "\x00",
        "BRK B",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(WORDS, max_size=7))
def test_never_raises_on_near_miss_token_soup(words: list[str]) -> None:
    text = " ".join(words)
    try:
        cmd = parse_command(text)
    except ParseError:
        return
    # Anything that parses carries sane values.
    if isinstance(cmd, OrderCommand):
        assert cmd.qty >= 1
        assert cmd.limit_price is None or cmd.limit_price > 0
    if isinstance(cmd, AlertCommand):
        assert cmd.price > 0


@given(
    st.sampled_from([Side.BUY, Side.SELL]),
    st.integers(1, 10**6),
    st.sampled_from(["AAPL", "MSFT", "BRK.B", "SPY"]),
    st.one_of(st.none(), st.decimals(min_value="0.01", max_value="99999", places=2)),
)
def test_round_trip_of_generated_orders(side: Side, qty: int, symbol: str, price: object) -> None:
    text = f"{side.value.lower()} {qty} {symbol}" + (f" lmt {price}" if price is not None else "")
    cmd = parse_command(text)
    assert isinstance(cmd, OrderCommand)
    assert (cmd.side, cmd.qty, cmd.symbol) == (side, qty, symbol)
    if price is not None:
        assert cmd.limit_price == pytest.approx(float(str(price)))


def test_complete_symbol() -> None:
    assert complete_symbol("a", ["AMZN", "AAPL", "MSFT", "AAPL"]) == ["AAPL", "AMZN"]
    assert complete_symbol("", ["B", "A"], limit=1) == ["A"]


def test_unalert_takes_a_number_or_all() -> None:
    assert parse_command("unalert 3") == UnalertCommand(3)
    assert parse_command(":unalert all") == UnalertCommand(None)
    with pytest.raises(ParseError, match="alert number"):
        parse_command("unalert AAPL")
    with pytest.raises(ParseError, match="end of command"):
        parse_command("unalert 1 2")
