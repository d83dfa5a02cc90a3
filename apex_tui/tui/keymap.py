"""One table of every key binding, read from the classes that declare them.

The help screen and docs/keybindings.md are both generated from here, so neither can drift
from the bindings themselves (a test compares the doc with `render_markdown`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.binding import Binding

_KEY_NAMES = {
    "question_mark": "?",
    "colon": ":",
    "slash": "/",
    "plus": "+",
    "minus": "-",
    "escape": "esc",
    "ctrl+p": "ctrl+p",
    "enter": "enter",
    "space": "space",
}


@dataclass(frozen=True, slots=True)
class KeyRow:
    group: str
    keys: str
    description: str


def display_key(key: str) -> str:
    """A binding's key(s) as the help screen shows them."""
    return " ".join(_KEY_NAMES.get(k, k) for k in key.split(","))


def rows_for(group: str, owner: type[Any]) -> list[KeyRow]:
    """The documented bindings one class declares (bindings with no description are skipped)."""
    rows = []
    for item in getattr(owner, "BINDINGS", []):
        if isinstance(item, Binding):
            binding = item
        elif isinstance(item, tuple):
            binding = Binding(*item)
        else:
            continue
        # Documented = explained (a tooltip) or shown in the footer; plain navigation keys
        # (arrows, escape) are neither and would only bury the useful lines.
        text = binding.tooltip or (binding.description if binding.show else "")
        if text:
            rows.append(KeyRow(group, display_key(binding.key), text))
    return rows


def binding_rows(groups: list[tuple[str, type[Any]]]) -> list[KeyRow]:
    """All rows for `groups` ((title, class) pairs), in order, de-duplicated within a group."""
    out: list[KeyRow] = []
    for title, owner in groups:
        seen: set[str] = set()
        for row in rows_for(title, owner):
            if row.keys not in seen:
                seen.add(row.keys)
                out.append(row)
    return out


def render_markdown(rows: list[KeyRow]) -> str:
    """docs/keybindings.md as generated from the bindings."""
    lines = [
        "# Key bindings",
        "",
        "Generated from the bindings in the code (`apex_tui/tui/keymap.py`); a test keeps this",
        "file in step. `?` in the app shows the same table.",
    ]
    group = ""
    for row in rows:
        if row.group != group:
            group = row.group
            lines += ["", f"## {group}", "", "| key | action |", "|---|---|"]
        lines.append(f"| `{row.keys}` | {row.description} |")
    return "\n".join(lines) + "\n"
