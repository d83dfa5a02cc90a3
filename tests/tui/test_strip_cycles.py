"""strip_cycles: Textual's Strip keeps itself in its own caches; the installed methods give the
same answers without doing so."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from apex_tui.tui import strip_cycles

RED, PAD = Style(color="red"), Style(bgcolor="blue")


def strip() -> Strip:
    return Strip([Segment("BN000 ", RED), Segment("  43.15", None), Segment(" +0.87", RED)], 19)


# (method, its arguments for a strip 19 cells wide that answer with the strip itself)
IDENTITY_CALLS: list[tuple[str, tuple[Any, ...]]] = [
    ("crop_extend", (0, 19, None)),
    ("crop_extend", (-2, 19, PAD)),
    ("divide", ([19],)),
    ("divide", ([19, 25],)),  # cuts past the end are dropped first
]


@pytest.mark.parametrize(("name", "args"), IDENTITY_CALLS)
def test_textual_keeps_a_strip_in_its_own_cache(name: str, args: tuple[Any, ...]) -> None:
    # When this fails, Textual no longer makes the cycle: strip_cycles can go.
    s = strip()
    before = sys.getrefcount(s)
    result = strip_cycles.ORIGINALS[name](s, *args)
    del result
    assert sys.getrefcount(s) > before


@pytest.mark.parametrize(("name", "args"), IDENTITY_CALLS)
def test_installed_methods_answer_with_the_strip_and_keep_no_reference_to_it(
    name: str, args: tuple[Any, ...]
) -> None:
    strip_cycles.install()
    assert strip_cycles.installed()
    s = strip()
    before = sys.getrefcount(s)
    result = getattr(s, name)(*args)
    assert result is s or result == [s]
    del result
    assert sys.getrefcount(s) == before


ALL_CALLS: list[tuple[str, tuple[Any, ...]]] = [
    *IDENTITY_CALLS,
    ("crop_extend", (0, 25, PAD)),
    ("crop_extend", (3, 19, None)),
    ("crop_extend", (0, 10, None)),
    ("crop_extend", (4, 30, PAD)),
    ("divide", ([],)),
    ("divide", ([6, 19],)),
    ("divide", ([6, 13, 19],)),
    ("divide", ([6],)),
]


@pytest.mark.parametrize(("name", "args"), ALL_CALLS)
def test_installed_methods_give_textuals_answers(name: str, args: tuple[Any, ...]) -> None:
    strip_cycles.install()
    ours = getattr(strip(), name)(*args)
    theirs = strip_cycles.ORIGINALS[name](strip(), *args)
    if isinstance(theirs, Strip):
        assert isinstance(ours, Strip)
        assert (list(ours), ours.cell_length) == (list(theirs), theirs.cell_length)
    else:
        assert [(list(s), s.cell_length) for s in ours] == [
            (list(s), s.cell_length) for s in theirs
        ]
