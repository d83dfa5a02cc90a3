"""docs/configuration.md and docs/keybindings.md stay in step with the code."""

from __future__ import annotations

from pathlib import Path

from apex_tui.config import Settings, flat_fields
from apex_tui.config_docs import render_keybindings, render_markdown
from apex_tui.config_toml import render_config_toml

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


def test_config_toml_is_the_generated_default(repo_root: Path) -> None:
    text = (repo_root / "config.toml").read_text(encoding="utf-8")
    assert text == render_config_toml(), HINT
    for key, _default, _description in flat_fields(Settings):
        leaf = key.rsplit(".", 1)[-1]
        assert f"\n{leaf} = " in text or f"\n# {leaf} = " in text, f"{key} missing"
