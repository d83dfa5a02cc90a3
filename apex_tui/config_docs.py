"""docs/configuration.md generated from the settings model (a test keeps the file in step)."""

from __future__ import annotations

from pathlib import Path

from apex_tui.config import Settings, flat_fields
from apex_tui.config_toml import render_config_toml


def render_markdown() -> str:
    lines = [
        "# Configuration",
        "",
        "Generated from the settings model (`apex_tui/config.py` and each package's",
        "`settings.py`); a test keeps this file in step. Sources, lowest to highest precedence:",
        "defaults, the TOML file (`--config PATH` or `$APEX_CONFIG_FILE`), environment",
        "variables `APEX_<SECTION>__<KEY>` (e.g. `APEX_BROKER__PORT=4002`), command-line flags.",
        "Check a file with `apex-tui config check --config PATH` (exit 2 names each bad key).",
    ]
    section = ""
    for key, default, description in flat_fields(Settings):
        head = key.split(".", 1)[0]
        if head != section:
            section = head
            doc = (Settings.model_fields[head].annotation.__doc__ or "").strip().splitlines()
            lines += ["", f"## [{head}]", "", doc[0] if doc else "", ""]
            lines += ["| key | default | meaning |", "|---|---|---|"]
        leaf = key.split(".", 1)[1] if "." in key else key
        text = description.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{leaf}` | `{default}` | {text} |")
    return "\n".join(lines) + "\n"


def render_keybindings() -> str:
    """docs/keybindings.md; imported lazily because it needs Textual."""
    from apex_tui.flags import FlagBoard  # noqa: PLC0415
    from apex_tui.tui import keymap  # noqa: PLC0415
    from apex_tui.tui.key_groups import all_key_rows  # noqa: PLC0415

    # Flag hotkeys as configured by default; config.toml [flags] hotkeys can move them.
    return keymap.render_markdown(all_key_rows(FlagBoard()))


if __name__ == "__main__":
    docs = Path(__file__).resolve().parents[1] / "docs"
    (docs / "configuration.md").write_text(render_markdown(), encoding="utf-8")
    (docs / "keybindings.md").write_text(render_keybindings(), encoding="utf-8")
    (docs.parent / "config.toml").write_text(render_config_toml(), encoding="utf-8")
    print("wrote docs/configuration.md, docs/keybindings.md and config.toml")
