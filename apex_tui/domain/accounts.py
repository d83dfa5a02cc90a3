"""Account ids masked for display (`ui.mask_accounts`): "DU1234567" -> "DU****567".

An account id on a shared screen or in a screenshot identifies a client; the prefix (DU paper,
U live, F advisor) and the last three characters are enough to tell one's own accounts apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "*"
VISIBLE_TAIL = 3
_PREFIX = re.compile(r"^[A-Za-z]{0,3}")


def mask_account(account: str) -> str:
    """Keep the letter prefix and the last three characters; mask the rest one-for-one.

    Short ids keep at most half of what follows the prefix, so something is always masked.
    """
    prefix = _PREFIX.match(account)
    head = prefix.group(0) if prefix else ""
    rest = account[len(head) :]
    if not rest:
        return MASK * len(account) if account else ""
    tail = min(VISIBLE_TAIL, len(rest) // 2)
    return head + MASK * (len(rest) - tail) + rest[len(rest) - tail :]


def mask_accounts_in(text: str, accounts: Iterable[str]) -> str:
    """`text` with every occurrence of each account id masked (for reasons and messages)."""
    for account in sorted({a for a in accounts if a}, key=len, reverse=True):
        text = text.replace(account, mask_account(account))
    return text


def shown_account(account: str, *, masked: bool) -> str:
    """What the UI shows for `account` under the `ui.mask_accounts` setting."""
    return mask_account(account) if masked else account
