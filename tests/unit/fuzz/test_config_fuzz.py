"""The config loader under arbitrary files and values: Settings or ConfigError, nothing else.

A bad config must print which key is wrong and exit 2 without a traceback, so every failure
has to arrive as ConfigError with at least one line naming the problem.
"""

from __future__ import annotations

import json
import math
import string
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from apex_tui.cli import main
from apex_tui.config import Settings, flat_fields, load_settings
from apex_tui.domain.errors import ConfigError

KEYS = [key for key, _type, _doc in flat_fields(Settings)]
SECTIONS = sorted({k.split(".", 1)[0] for k in KEYS})
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["sim", "live", "paper", "127.0.0.1", "0", "-1", "1e400", "nan", ""]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def toml_value(v: Any) -> str:
    """A TOML literal for `v` (strings through JSON escapes, which TOML basic strings share)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=True)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + "}"


def _loads_or_config_error(path: Path | None, overrides: dict[str, Any] | None = None) -> None:
    try:
        load_settings(path, overrides)
    except ConfigError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(KEYS), values), min_size=1, max_size=4))
def test_random_values_for_real_keys(tmp_path: Path, pairs: list[tuple[str, Any]]) -> None:
    by_section: dict[str, list[str]] = {}
    for key, value in pairs:
        section, rest = key.split(".", 1)
        by_section.setdefault(section, []).append(f"{rest} = {toml_value(value)}")
    text = "".join(f"[{s}]\n" + "\n".join(lines) + "\n" for s, lines in by_section.items())
    path = tmp_path / "fuzz.toml"
    path.write_text(text, encoding="utf-8")
    _loads_or_config_error(path)


@FUZZ
@given(st.dictionaries(st.sampled_from(SECTIONS), st.dictionaries(st.text(max_size=12), values)))
def test_random_overrides_like_cli_flags(overrides: dict[str, Any]) -> None:
    _loads_or_config_error(None, overrides)


TOMLISH = st.lists(
    st.one_of(
        st.sampled_from(["[broker]", "[ui]", "[data]", "[[x]]", "[", "]", "=", '"', "'''", "#",
                         "\n", " ", "port", "mode", "= 1", '= "live"', "{", "}", ",", "\\u0000",
                         "\x00", "\ud7ff", "1979-05-27T07:32:00Z", "inf", "0x1F", "+nan"]),
        st.text(alphabet=string.printable, max_size=10),
    ),
    max_size=30,
).map("".join)  # fmt: skip


@FUZZ
@given(st.one_of(TOMLISH, st.text(max_size=200)), st.binary(max_size=40))
def test_random_tomlish_text_and_bytes(tmp_path: Path, text: str, raw: bytes) -> None:
    path = tmp_path / "fuzz.toml"
    try:
        path.write_text(text, encoding="utf-8")
    except UnicodeEncodeError:  # lone surrogates cannot be written as UTF-8 text
        path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    _loads_or_config_error(path)
    path.write_bytes(raw)
    _loads_or_config_error(path)


def _complex_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Keys whose environment value pydantic-settings parses as JSON (lists, dicts, tuples)."""
    out: set[str] = set()
    for name, info in model.model_fields.items():
        key = f"{prefix}{name}"
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out |= _complex_keys(ann, f"{key}.")
            continue
        kinds = {typing.get_origin(a) or a for a in (ann, *typing.get_args(ann))}
        if kinds & {list, dict, tuple, set, frozenset}:
            out.add(key)
    return out


COMPLEX_KEYS = _complex_keys(Settings)
# Plain list/dict keys take JSON in the environment; a non-JSON value is a ConfigError too.
LIST_KEYS = sorted(COMPLEX_KEYS - {"sim.symbols"})
FUZZED_ENV_KEYS = list(KEYS)


@FUZZ
@given(st.sampled_from(FUZZED_ENV_KEYS), st.text(max_size=20))
def test_random_environment_values(monkeypatch: pytest.MonkeyPatch, key: str, text: str) -> None:
    if "\0" in text:
        return  # the OS refuses NUL in the environment before the app sees it
    name = "APEX_" + key.replace(".", "__").upper()
    with monkeypatch.context() as m:
        m.setenv(name, text)
        _loads_or_config_error(None)


@pytest.mark.parametrize("key", LIST_KEYS)
def test_a_non_json_environment_value_for_a_list_key_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("APEX_" + key.replace(".", "__").upper(), "not json")
    _loads_or_config_error(None)


def test_a_fuzzed_bad_file_exits_2_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[broker]\nport = nan\ntimeouts = {heartbeat = -inf}\n[ui]\nrefresh_ms = "x"\n')
    assert main(["config", "check", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "broker.port" in err and "ui.refresh_ms" in err
