"""The `:` command line: text in, a typed command or a ParseError saying what was expected.

    buy 100 AAPL            sell 50 MSFT lmt 412.50     buy 10 AAPL mkt
    cancel <order id>       cancel all                  flatten AAPL
    alert AAPL > 200

The parser raises nothing but ParseError, whatever the input (property-tested). Numbers are
ASCII decimals only: `float()` would also take "nan", "1e400" or Arabic-Indic digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from apex_tui.domain.errors import ParseError, ValidationError
from apex_tui.domain.orders import OrderType, Side
from apex_tui.domain.symbols import validate_symbol

AlertOp = Literal[">", "<", ">=", "<="]

USAGE = (
    "buy|sell QTY SYMBOL [lmt PRICE | mkt], cancel ORDER_ID, cancel all, flatten SYMBOL, "
    "alert SYMBOL >|<|>=|<= PRICE, unalert ALERT_ID|all"
)
MAX_QTY = 100_000_000

_TOKEN = re.compile(r">=|<=|[<>]|[^\s<>]+")
_QTY = re.compile(r"[0-9]{1,9}")
_PRICE = re.compile(r"[0-9]{1,9}(?:\.[0-9]{0,8})?|\.[0-9]{1,8}")
_ORDER_ID = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
_LIMIT_WORDS = frozenset({"lmt", "limit"})
_MARKET_WORDS = frozenset({"mkt", "market"})


@dataclass(frozen=True, slots=True)
class OrderCommand:
    """An order to propose; `order_type` None means the default (LMT at reference +/- offset)."""

    side: Side
    qty: int
    symbol: str
    order_type: OrderType | None = None
    limit_price: float | None = None


@dataclass(frozen=True, slots=True)
class CancelCommand:
    order_id: str


@dataclass(frozen=True, slots=True)
class CancelAllCommand:
    pass


@dataclass(frozen=True, slots=True)
class FlattenCommand:
    symbol: str


@dataclass(frozen=True, slots=True)
class AlertCommand:
    symbol: str
    op: AlertOp
    price: float


@dataclass(frozen=True, slots=True)
class UnalertCommand:
    """Remove one price alert by its number, or all of them (alert_id None)."""

    alert_id: int | None


Command = (
    OrderCommand | CancelCommand | CancelAllCommand | FlattenCommand | AlertCommand | UnalertCommand
)


class _Tokens:
    """A cursor over the tokens that knows where each one starts, for error positions."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._toks = [(m.group(), m.start()) for m in _TOKEN.finditer(text)]
        self._i = 0

    def next(self, expected: str) -> tuple[str, int]:
        if self._i >= len(self._toks):
            raise ParseError(
                f"expected {expected}, got end of input",
                expected=expected,
                position=len(self._text),
            )
        tok = self._toks[self._i]
        self._i += 1
        return tok

    def peek(self) -> str | None:
        return self._toks[self._i][0] if self._i < len(self._toks) else None

    def end(self, expected: str = "end of command") -> None:
        if self._i < len(self._toks):
            tok, pos = self._toks[self._i]
            raise ParseError(f"expected {expected}, got {tok!r}", expected=expected, position=pos)


def _fail(expected: str, tok: str, pos: int, why: str = "") -> ParseError:
    detail = f" ({why})" if why else ""
    return ParseError(f"expected {expected}, got {tok!r}{detail}", expected=expected, position=pos)


def _symbol(toks: _Tokens) -> str:
    tok, pos = toks.next("a symbol")
    try:
        return validate_symbol(tok)
    except ValidationError as exc:
        raise _fail("a symbol", tok, pos, exc.message) from None


def _qty(toks: _Tokens) -> int:
    tok, pos = toks.next("a quantity")
    if not _QTY.fullmatch(tok):
        raise _fail("a quantity (a whole number)", tok, pos)
    qty = int(tok)
    if not 1 <= qty <= MAX_QTY:
        raise _fail(f"a quantity from 1 to {MAX_QTY:,}", tok, pos)
    return qty


def _price(toks: _Tokens, what: str = "a price") -> float:
    tok, pos = toks.next(what)
    if not _PRICE.fullmatch(tok):
        raise _fail(f"{what} (a decimal number like 412.50)", tok, pos)
    price = float(tok)
    if price <= 0:
        raise _fail(f"{what} above zero", tok, pos)
    return price


def _order(side: Side, toks: _Tokens) -> OrderCommand:
    qty = _qty(toks)
    symbol = _symbol(toks)
    word = toks.peek()
    if word is None:
        return OrderCommand(side, qty, symbol)
    tok, pos = toks.next("lmt PRICE or mkt")
    if tok.lower() in _MARKET_WORDS:
        toks.end()
        return OrderCommand(side, qty, symbol, OrderType.MKT)
    if tok.lower() in _LIMIT_WORDS:
        price = _price(toks, "a limit price")
        toks.end()
        return OrderCommand(side, qty, symbol, OrderType.LMT, price)
    raise _fail("'lmt PRICE', 'mkt' or end of command", tok, pos)


def _cancel(toks: _Tokens) -> CancelCommand | CancelAllCommand:
    tok, pos = toks.next("an order id or 'all'")
    toks.end()
    if tok.lower() == "all":
        return CancelAllCommand()
    if not _ORDER_ID.fullmatch(tok):
        raise _fail("an order id or 'all'", tok, pos)
    return CancelCommand(tok)


def _alert(toks: _Tokens) -> AlertCommand:
    symbol = _symbol(toks)
    tok, pos = toks.next("a comparison (>, <, >=, <=)")
    if tok not in (">", "<", ">=", "<="):
        raise _fail("a comparison (>, <, >=, <=)", tok, pos)
    price = _price(toks)
    toks.end()
    op: AlertOp = ">" if tok == ">" else "<" if tok == "<" else ">=" if tok == ">=" else "<="
    return AlertCommand(symbol, op, price)


def parse_command(text: str) -> Command:
    """Parse one command line (a leading ':' is allowed); raises only ParseError."""
    if not isinstance(text, str):
        raise ParseError("expected a command as text", expected=USAGE)
    body = text[1:] if text.startswith(":") else text
    offset = len(text) - len(body)
    try:
        return _parse(body)
    except ParseError as exc:
        raise ParseError(
            exc.message, expected=exc.expected, position=exc.position + offset
        ) from None


def _parse(text: str) -> Command:
    toks = _Tokens(text)
    verb, pos = toks.next("a command: " + USAGE)
    match verb.lower():
        case "buy":
            cmd: Command = _order(Side.BUY, toks)
        case "sell":
            cmd = _order(Side.SELL, toks)
        case "cancel":
            cmd = _cancel(toks)
        case "flatten":
            cmd = _symbol_then_end(toks)
        case "alert":
            cmd = _alert(toks)
        case "unalert":
            cmd = _unalert(toks)
        case _:
            raise _fail("a command: " + USAGE, verb, pos)
    return cmd


def _unalert(toks: _Tokens) -> UnalertCommand:
    tok, pos = toks.next("an alert number or 'all'")
    toks.end()
    if tok.lower() == "all":
        return UnalertCommand(None)
    if not _QTY.fullmatch(tok):
        raise _fail("an alert number (as listed in the Risk pane) or 'all'", tok, pos)
    return UnalertCommand(int(tok))


def _symbol_then_end(toks: _Tokens) -> FlattenCommand:
    symbol = _symbol(toks)
    toks.end()
    return FlattenCommand(symbol)


def complete_symbol(prefix: str, symbols: Iterable[str], limit: int = 10) -> list[str]:
    """Known symbols starting with `prefix` (any case), sorted, for the input's completer."""
    p = prefix.strip().upper()
    return sorted(s for s in set(symbols) if s.upper().startswith(p))[:limit]
