"""Framing and field codec."""

from __future__ import annotations

import struct

import pytest

from apex_tui.sim.wire import (
    MAX_FRAME,
    UNSET_DOUBLE,
    FieldError,
    FrameBuffer,
    FrameError,
    Reader,
    encode,
    fmt,
)


def test_frames_survive_arbitrary_chunking() -> None:
    stream = encode(1, "a", 2.5) + encode(49, 1) + encode("x")
    buf = FrameBuffer()
    got: list[list[str]] = []
    for i in range(len(stream)):  # one byte at a time: the worst split there is
        buf.feed(stream[i : i + 1])
        got.extend(buf.frames())
    assert got == [["1", "a", "2.5"], ["49", "1"], ["x"]]
    assert len(buf) == 0


def test_absurd_length_prefix_is_unrecoverable() -> None:
    buf = FrameBuffer()
    buf.feed(struct.pack(">I", MAX_FRAME + 1) + b"junk")
    with pytest.raises(FrameError):
        buf.frames()


def test_greeting_is_taken_raw_before_frames() -> None:
    buf = FrameBuffer()
    buf.feed(b"AP")
    assert buf.take_raw(4) is None
    buf.feed(b"I\0" + encode("v157..178"))
    assert buf.take_raw(4) == b"API\0"
    assert buf.frames() == [["v157..178"]]


@pytest.mark.parametrize(
    ("value", "text"),
    [(True, "1"), (False, "0"), (None, ""), (UNSET_DOUBLE, ""), (float("inf"), "Infinite"),
     (100.0, "100"), (1.25, "1.25"), (2**31 - 1, ""), (-1, "-1"), ("s", "s")],
)  # fmt: skip
def test_fmt_follows_gateway_conventions(value: object, text: str) -> None:
    assert fmt(value) == text


def test_reader_typed_getters_and_errors() -> None:
    r = Reader(["7", "", "1.5", "Infinite", "1", "x", "2.0"])
    assert r.integer() == 7
    assert r.number() is None
    assert r.number() == 1.5
    assert r.number() == float("inf")
    assert r.flag() is True
    with pytest.raises(FieldError):
        r.integer()  # "x"
    assert r.integer() == 2  # "2.0" is an integral number
    with pytest.raises(FieldError):
        r.string()  # past the end: truncated


def test_invalid_utf8_does_not_raise() -> None:
    buf = FrameBuffer()
    buf.feed(struct.pack(">I", 3) + b"\xff\xfe\0")
    (fields,) = buf.frames()
    assert fields == ["\\xff\\xfe"]
