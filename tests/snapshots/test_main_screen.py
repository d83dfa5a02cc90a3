"""Pin the main screen's look at 120x40 in each theme (review snapshot updates like code)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tui.conftest import SIZE, make_app


@pytest.mark.parametrize("theme", ["apex-dark", "apex-light", "apex-high-contrast"])
def test_main_screen(snap_compare: Any, theme: str) -> None:
    app = make_app({"ui": {"theme": theme}})
    assert snap_compare(app, terminal_size=SIZE)


def test_help_screen(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, press=["question_mark"])
