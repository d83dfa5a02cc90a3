"""TWS API framing and field codec: length-prefixed frames of NUL-terminated text fields.

`FrameBuffer` cuts a byte stream into frames, `Reader` walks a frame's fields with a cursor
and typed getters (raising `FieldError` on a missing or malformed field), and `encode`
turns Python values into one framed message the way a gateway writes them.
"""

from __future__ import annotations

import math
import struct

# The official client refuses frames longer than this; anything bigger is a corrupt stream.
MAX_FRAME = 0xFFFFFF
UNSET_DOUBLE = 1.7976931348623157e308
UNSET_INTEGER = 2**31 - 1
_HEADER = struct.Struct(">I")


class FieldError(ValueError):
    """A field is missing or cannot be parsed as the type the message needs there."""


class FrameError(ValueError):
    """The byte stream cannot be resynchronised (absurd length prefix): close the client."""


class FrameBuffer:
    """Accumulates received bytes and yields complete frames' field lists."""

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> None:
        self._buf += data

    def take_raw(self, n: int) -> bytes | None:
        """Remove and return the first n bytes if they have arrived (the unframed 'API\\0')."""
        if len(self._buf) < n:
            return None
        head = bytes(self._buf[:n])
        del self._buf[:n]
        return head

    def frames(self) -> list[list[str]]:
        """Every complete frame received so far, split into fields."""
        out: list[list[str]] = []
        buf = self._buf
        pos = 0
        while len(buf) - pos >= 4:
            (size,) = _HEADER.unpack_from(buf, pos)
            if size > MAX_FRAME:
                raise FrameError(f"frame length {size} exceeds {MAX_FRAME}")
            end = pos + 4 + size
            if len(buf) < end:
                break
            out.append(split_fields(bytes(buf[pos + 4 : end])))
            pos = end
        if pos:
            del buf[:pos]
        return out

    def __len__(self) -> int:
        return len(self._buf)


def split_fields(payload: bytes) -> list[str]:
    """Split a frame payload into fields; a missing final NUL still yields the last field."""
    text = payload.decode("utf-8", errors="backslashreplace")
    fields = text.split("\0")
    if fields and fields[-1] == "":
        fields.pop()
    return fields


def frame(payload: bytes) -> bytes:
    return _HEADER.pack(len(payload)) + payload


def fmt(value: object) -> str:
    """One field as a gateway writes it: bools 1/0, None and unset numbers empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value == UNSET_DOUBLE or math.isnan(value):
            return ""
        if math.isinf(value):
            return "Infinite"
        # Integral floats print without ".0" the way the gateway formats quantities.
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return "" if value == UNSET_INTEGER else str(value)
    return str(value)


def encode(*fields: object) -> bytes:
    """One framed message from its fields."""
    payload = "".join(fmt(f) + "\0" for f in fields).encode("utf-8")
    return frame(payload)


class Reader:
    """A cursor over one message's fields with typed getters."""

    __slots__ = ("fields", "pos")

    def __init__(self, fields: list[str], pos: int = 0) -> None:
        self.fields = fields
        self.pos = pos

    def remaining(self) -> int:
        return len(self.fields) - self.pos

    def string(self) -> str:
        if self.pos >= len(self.fields):
            raise FieldError(f"message truncated at field {self.pos}")
        value = self.fields[self.pos]
        self.pos += 1
        return value

    def opt_str(self, default: str = "") -> str:
        """A trailing field that older clients may omit."""
        return self.string() if self.pos < len(self.fields) else default

    def integer(self, default: int = 0) -> int:
        raw = self.string()
        if raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            try:
                as_float = float(raw)
            except ValueError:
                raise FieldError(f"field {self.pos - 1}: {raw!r} is not an integer") from None
            if not as_float.is_integer():
                raise FieldError(f"field {self.pos - 1}: {raw!r} is not an integer") from None
            return int(as_float)

    def number(self, default: float | None = None) -> float | None:
        raw = self.string()
        if raw == "":
            return default
        if raw == "Infinite":
            return math.inf
        try:
            value = float(raw)
        except ValueError:
            raise FieldError(f"field {self.pos - 1}: {raw!r} is not a number") from None
        if value == UNSET_DOUBLE:
            return default
        return value

    def flag(self) -> bool:
        raw = self.string()
        if raw in ("", "0", "false", "False"):
            return False
        if raw in ("1", "true", "True"):
            return True
        raise FieldError(f"field {self.pos - 1}: {raw!r} is not a boolean")

    def skip(self, n: int = 1) -> None:
        if self.pos + n > len(self.fields):
            raise FieldError(f"message truncated at field {len(self.fields)}")
        self.pos += n
