"""docs/configuration.md and docs/keybindings.md stay in step with the code."""

from __future__ import annotations

from pathlib import Path

from apex_tui.config import Settings, flat_fields
from apex_tui.config_docs import render_keybindings, render_markdown

HINT = "regenerate with `make docs`"


def test_configuration_doc_lists_every_key(repo_root: Path) -> None:
    text = (repo_root / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert text == render_markdown(), HINT
    for key, _default, description in flat_fields(Settings):
        assert description, f"{key} has no description"


def test_keybindings_doc_matches_the_bindings(repo_root: Path) -> None:
    text = (repo_root / "docs" / "keybindings.md").read_text(encoding="utf-8")
    assert text == render_keybindings(), HINT
    assert "| `q` |" in text
