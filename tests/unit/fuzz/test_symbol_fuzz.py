"""Symbol validation under arbitrary input: a path-safe canonical symbol or ValidationError."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from apex_tui.domain.errors import ValidationError
from apex_tui.domain.symbols import MAX_SYMBOL_LEN, validate_symbol

CANONICAL = re.compile(r"[A-Z0-9][A-Z0-9. \-]*")
# Text biased towards what attacks and typos look like, next to arbitrary unicode.
NASTY = st.sampled_from(["/", "\\", "..", ".", "\0", "\n", "\r", "\t", "\x7f", " ",
                         "\u2028", "\u00a0", "\u00df", "\u0131", "\ufb00", "%2F", "~", "*",
                         "?", ":", "-", "A", "9"])  # fmt: skip
TEXT = st.one_of(st.text(max_size=40), st.lists(NASTY, max_size=16).map("".join))


def _safe(sym: str) -> None:
    assert CANONICAL.fullmatch(sym), sym
    assert "/" not in sym and "\\" not in sym and ".." not in sym
    assert not any(ord(c) < 32 or ord(c) == 127 for c in sym)
    assert sym.isascii() and len(sym) <= MAX_SYMBOL_LEN and "  " not in sym


@settings(max_examples=500)
@given(TEXT)
@example("../../etc/passwd")
@example("AAPL\n")
@example("BRK B")
@example("A" * 12 + "\n")
def test_symbols_are_path_safe_or_refused(raw: str) -> None:
    try:
        sym = validate_symbol(raw)
    except ValidationError:
        return
    _safe(sym)
    assert validate_symbol(sym) == sym  # canonical is a fixed point


@given(st.one_of(st.none(), st.integers(), st.binary(), st.lists(st.text()), st.floats()))
def test_non_text_is_refused_with_validation_error(raw: object) -> None:
    try:
        validate_symbol(raw)  # type: ignore[arg-type]
    except ValidationError:
        return
    raise AssertionError(f"{raw!r} was accepted")


@given(st.text(alphabet="ABCXYZ019.-", min_size=1, max_size=12))
def test_ib_alphabet_passes_unless_it_has_dot_dot(raw: str) -> None:
    ok = raw[0].isalnum() and ".." not in raw
    try:
        assert validate_symbol(raw) == raw and ok
    except ValidationError:
        assert not ok
