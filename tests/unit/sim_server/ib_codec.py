"""Helpers that run ib_async's own encoder and decoder on the simulator's messages."""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

from ib_async.client import Client
from ib_async.decoder import Decoder

from apex_tui.sim.wire import FrameBuffer


class Recorder:
    """A wrapper stand-in that records every call the decoder makes."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.defaultTimezone = UTC  # read by Decoder.execDetails

    def __getattr__(self, name: str) -> Any:
        def record(*args: Any) -> None:
            self.calls.append((name, args))

        return record


def decode(message: bytes) -> list[tuple[str, tuple[Any, ...]]]:
    """Decode one framed server message the way ib_async does; raises on a decoder error."""
    buf = FrameBuffer()
    buf.feed(message)
    (fields,) = buf.frames()
    rec = Recorder()
    decoder = Decoder(rec, 178)  # type: ignore[arg-type]
    handler = decoder.handlers[int(fields[0])]
    # wrap()-made handlers log and swallow their errors: turn a logged error into a failure.
    errors: list[logging.LogRecord] = []
    catcher = logging.Handler(logging.ERROR)
    catcher.emit = errors.append  # type: ignore[method-assign]
    decoder.logger.addHandler(catcher)
    try:
        handler(fields)
    finally:
        decoder.logger.removeHandler(catcher)
    if errors:
        raise AssertionError(errors[0].getMessage())
    return rec.calls


def client_fields(call: str, *args: Any) -> list[str]:
    """The fields ib_async's Client would send for `call(*args)` at server version 178."""
    sent: list[str] = []
    client = Client(wrapper=Recorder())
    client._serverVersion = 178
    client.connState = Client.CONNECTED
    client.sendMsg = sent.append  # type: ignore[method-assign]
    getattr(client, call)(*args)
    (msg,) = sent
    fields = msg.split("\0")
    fields.pop()
    return fields
