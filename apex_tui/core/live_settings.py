"""Apply individual changed keys to a running Settings, section by section.

Hot reload applies some keys now and keeps others (loosening waits for the trader, restart
keys wait for the next start), so the running settings are the old ones with exactly the
applied keys replaced, each section re-validated by its own model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from apex_tui.config import Settings
from apex_tui.core.hot_reload import Change


def _set(tree: dict[str, Any], dotted: list[str], value: Any) -> None:
    node = tree
    for part in dotted[:-1]:
        node = node.setdefault(part, {})
    node[dotted[-1]] = value


def with_changes(settings: Settings, changes: Iterable[Change]) -> tuple[Settings, set[str]]:
    """`settings` with each change's new value; also the set of sections that changed."""
    by_section: dict[str, dict[str, Any]] = {}
    for change in changes:
        section, *rest = change.key.split(".")
        if not rest:
            continue
        data = by_section.setdefault(section, getattr(settings, section).model_dump())
        _set(data, rest, change.new)
    update: dict[str, BaseModel] = {}
    for section, data in by_section.items():
        model = type(getattr(settings, section))
        update[section] = model.model_validate(data)
    return settings.model_copy(update=update), set(update)
