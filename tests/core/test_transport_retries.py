"""What the transport sends again: a request whose answer broke mid-body, and an upload's body
(replayed whole when it can be rewound, never when it cannot)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from atlas_async import APIConnectionError, InternalServerError

from .._support.http import httpx
from .._support.mock_api import ENV_ID, BrokenBody, Recorder, broken_answer, envelope_json, make

pytestmark = pytest.mark.anyio


async def test_connection_dropped_while_reading_the_body_is_retried(sleeps: list[float]) -> None:
    streams: list[BrokenBody] = []
    rec = Recorder(
        broken_answer(httpx.ReadError("connection reset by peer"), streams),
        httpx.Response(200, json=envelope_json(status="pending")),
    )
    env = await make(rec).envelopes.send(ENV_ID, fields_version=1)
    assert env.status == "pending"
    assert len(rec.requests) == 2
    assert len({r.headers["Idempotency-Key"] for r in rec.requests}) == 1  # the same key
    assert len(sleeps) == 1
    assert streams[0].closed  # the broken response went back to the pool closed


async def test_body_read_failure_of_an_unkeyed_post_is_not_retried(sleeps: list[float]) -> None:
    rec = Recorder(broken_answer(httpx.ReadError("reset")))
    with pytest.raises(APIConnectionError):
        await make(rec).envelopes.remind(ENV_ID)
    assert len(rec.requests) == 1
    assert sleeps == []


async def test_non_rewindable_body_is_never_replayed(sleeps: list[float]) -> None:
    class OneWay(io.RawIOBase):
        """A stream that can be read once and cannot seek (a socket, a pipe)."""

        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    rec = Recorder(httpx.Response(503))
    stream = io.BufferedReader(OneWay(b"%PDF-1.4\n" + b"x" * 200_000))
    with pytest.raises(InternalServerError):
        await make(rec, max_retries=5).envelopes.create(stream)
    assert len(rec.requests) == 1  # a keyed POST, but its body cannot be rewound
    assert sleeps == []
    assert len(rec.requests[0].content) > 200_000  # the whole stream did go out, once


async def test_rewindable_upload_is_replayed_whole(sleeps: list[float], tmp_path: Any) -> None:
    path = tmp_path / "contract.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"y" * 100_000)
    created = {
        "envelope_id": ENV_ID,
        "status": "draft",
        "fields_status": "pending",
        "review_url": "https://atlas.test/review/x?rt=secret",
    }
    rec = Recorder(httpx.Response(502), httpx.Response(201, json=created))
    await make(rec).envelopes.create(path, parties=[{"email": "a@x.io", "name": "A", "role": "r"}])
    first, second = rec.requests
    assert first.content == second.content
    assert b"y" * 100_000 in second.content
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
