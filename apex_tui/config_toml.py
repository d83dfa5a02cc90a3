"""config.toml generated from the settings model: every key with its default and meaning.

The repository's config.toml is this output (a test keeps it in step), so the default file
can never disagree with the code. `make docs` rewrites it.
"""

from __future__ import annotations

import json
import textwrap
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from apex_tui.config import Settings

HEADER = """\
# Apex TUI configuration: every key, its default, and what it does.
# Generated from the settings model (`make docs`); edit values freely, the app validates them.
# Precedence: defaults < this file < environment APEX_<SECTION>__<KEY> < command-line flags.
# Check a file without starting the app:  apex-tui config check --config config.toml
"""

# Values a newcomer's demo needs that differ from the model's defaults: none today. Kept as a
# hook so the generated file can carry a deliberate override with its reason.
OVERRIDES: dict[str, Any] = {}

# Keys written commented out, because leaving them unset means something: an unset
# broker.read_only makes paper and live read-only while sim may trade.
COMMENTED: dict[str, str] = {
    "broker.read_only": "unset: read-only for paper and live, trading allowed in sim",
}


def _toml_value(value: Any) -> str | None:
    """A TOML literal for `value`, or None when TOML cannot express it (unset)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return json.dumps(value.value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Path):
        return json.dumps(str(value))
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        items = [_toml_value(v) for v in value]
        return "[" + ", ".join(i for i in items if i is not None) + "]"
    if isinstance(value, dict):
        pairs = [f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()]
        return "{ " + ", ".join(pairs) + " }" if pairs else "{}"
    raise TypeError(f"no TOML form for {value!r}")


def _comment(text: str) -> list[str]:
    return [f"# {line}" for line in textwrap.wrap(text, 96)] if text else []


def _section(model: type[BaseModel], path: str, out: list[str]) -> None:
    doc = (model.__doc__ or "").strip().splitlines()
    out += ["", f"[{path}]", *_comment(doc[0] if doc else "")]
    nested: list[tuple[str, type[BaseModel]]] = []
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            nested.append((name, ann))
            continue
        key = f"{path}.{name}"
        value = OVERRIDES.get(key, field.get_default(call_default_factory=True))
        literal = _toml_value(value)
        out += _comment(field.description or "")
        if key in COMMENTED:
            out.append(f"# {name} = false   ({COMMENTED[key]})")
        else:
            out.append(f"{name} = {literal}" if literal is not None else f"# {name} = <not set>")
    for name, sub in nested:
        _section(sub, f"{path}.{name}", out)


def render_config_toml() -> str:
    out = [HEADER.rstrip()]
    for name, field in Settings.model_fields.items():
        ann = field.annotation
        assert isinstance(ann, type) and issubclass(ann, BaseModel)
        _section(ann, name, out)
    return "\n".join(out) + "\n"
