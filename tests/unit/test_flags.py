"""Feature flags: typed settings, hotkeys, dangerous confirmations, journal and hooks."""

from __future__ import annotations

from datetime import UTC, datetime

import pydantic
import pytest

from apex_tui.domain.clock import FixedClock
from apex_tui.domain.errors import ConfirmationRequired, ValidationError
from apex_tui.flags import FLAG_SPECS, RESERVED_KEYS, FlagBoard, FlagChange, FlagsSettings

T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
REQUIRED = {
    "trend", "mean_reversion", "momentum", "breakout", "ml_signals", "regime_detection",
    "auto_propose", "options_trading", "sink_ticks", "sink_bars", "sound_alerts",
}  # fmt: skip


def test_specs_cover_the_issue_and_match_the_settings_model() -> None:
    names = {s.name for s in FLAG_SPECS}
    assert names >= REQUIRED
    assert names == set(FlagsSettings.model_fields) - {"hotkeys"}
    defaults = FlagsSettings()
    for spec in FLAG_SPECS:
        assert getattr(defaults, spec.name) is spec.default
        assert FlagsSettings.model_fields[spec.name].description
    assert {s.name for s in FLAG_SPECS if s.dangerous} == {"auto_propose", "options_trading"}
    assert not any(getattr(defaults, s.name) for s in FLAG_SPECS if s.dangerous)


def test_default_hotkeys_are_unique_and_avoid_app_keys() -> None:
    keys = [s.hotkey for s in FLAG_SPECS]
    assert len(set(keys)) == len(keys)
    assert not set(keys) & RESERVED_KEYS


def test_dangerous_flag_needs_the_typed_phrase_to_turn_on() -> None:
    board = FlagBoard()
    with pytest.raises(ConfirmationRequired) as err:
        board.toggle("auto_propose")
    assert err.value.phrase == "auto_propose"
    with pytest.raises(ConfirmationRequired):
        board.toggle("auto_propose", confirm_text="yes")
    assert board.is_on("auto_propose") is False and not board.journal
    board.toggle("auto_propose", confirm_text="auto_propose")
    assert board.is_on("auto_propose")
    board.toggle("auto_propose")  # off needs no confirmation
    assert not board.is_on("auto_propose")


def test_toggles_are_journaled_and_hooks_run_in_order() -> None:
    clock = FixedClock(T0)
    seen: list[tuple[str, FlagChange, bool]] = []
    board: FlagBoard

    def audit(c: FlagChange) -> None:
        seen.append(("audit", c, board.is_on(c.flag)))

    board = FlagBoard(clock=clock, audit=audit)
    board.subscribe(lambda c: seen.append(("listener", c, board.is_on(c.flag))))
    clock.advance(5)
    change = board.toggle("trend")
    assert change == FlagChange(clock.now(), "trend", True, False)
    assert list(board.journal) == [change]
    # the audit hook sees the old value (before effect), listeners the new one
    assert seen == [("audit", change, True), ("listener", change, False)]
    assert board.version == 1


def test_a_failing_audit_hook_blocks_the_change() -> None:
    def audit(c: FlagChange) -> None:
        raise OSError("disk full")

    board = FlagBoard(audit=audit)
    with pytest.raises(OSError):
        board.toggle("sink_ticks")
    assert board.is_on("sink_ticks") is False and not board.journal and board.version == 0


def test_hotkeys_from_config_and_lookup() -> None:
    board = FlagBoard(FlagsSettings(hotkeys={"trend": "ctrl+o"}))
    assert board.hotkey("trend") == "ctrl+o"
    assert board.flag_for_key("ctrl+o") == "trend"
    assert board.flag_for_key("f2") is None
    assert board.flag_for_key("f3") == "mean_reversion"
    states = board.states()
    assert [s.spec.name for s in states] == [s.name for s in FLAG_SPECS]
    assert states[0].hotkey == "ctrl+o" and states[0].on


@pytest.mark.parametrize(
    ("hotkeys", "message"),
    [
        ({"trend": "q"}, "clash with app keys"),
        ({"trend": "f3"}, "share 'f3'"),
        ({"nope": "f12"}, "unknown flag"),
    ],
)
def test_bad_hotkeys_are_refused_naming_the_key(hotkeys: dict[str, str], message: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=message) as err:
        FlagsSettings(hotkeys=hotkeys)
    assert "hotkeys" in str(err.value)


def test_unknown_flag_and_extra_keys_are_refused() -> None:
    with pytest.raises(ValidationError, match="unknown flag"):
        FlagBoard().toggle("warp_drive")
    with pytest.raises(pydantic.ValidationError, match="warp_drive"):
        FlagsSettings(warp_drive=True)  # type: ignore[call-arg]
