"""Symbol validation: symbols become file paths and wire fields, so only IB's alphabet passes."""

from __future__ import annotations

import re

from apex_tui.domain.errors import ValidationError

# IB stock symbols use letters, digits, '.', ' ' (e.g. "BRK B") and a few others in
# localSymbols; we accept letters, digits, '.', '-' and a single inner space, up to 12
# characters. Anything else (path separators, "..", control characters) is refused before any
# filesystem call or wire message is built from it.
_SYMBOL_RE = re.compile(r"^[A-Z0-9](?:[A-Z0-9.\-]|(?<! ) (?! )){0,11}$")
MAX_SYMBOL_LEN = 12


def validate_symbol(raw: str) -> str:
    """Return the canonical (upper-case, stripped) symbol or raise ValidationError naming why."""
    if not isinstance(raw, str):
        raise ValidationError(f"symbol must be text, got {type(raw).__name__}")
    # Control characters are checked before stripping: "AAPL\n" is refused, not repaired.
    if any(ord(c) < 32 or ord(c) == 127 for c in raw):
        raise ValidationError(f"symbol {raw!r} contains a control character")
    sym = raw.strip(" ").upper()
    if not sym:
        raise ValidationError("symbol is empty")
    if ".." in sym:
        raise ValidationError(f"symbol {raw!r} contains '..'")
    if "/" in sym or "\\" in sym:
        raise ValidationError(f"symbol {raw!r} contains a path separator")
    if len(sym) > MAX_SYMBOL_LEN:
        raise ValidationError(f"symbol {raw!r} is longer than {MAX_SYMBOL_LEN} characters")
    if not _SYMBOL_RE.match(sym) or sym.count(" ") > 1:
        raise ValidationError(
            f"symbol {raw!r} has characters IB does not use (allowed: A-Z 0-9 . - and one space)"
        )
    return sym
