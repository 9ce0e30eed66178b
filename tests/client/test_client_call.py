"""``atlas.call`` on the SDK's own generated operations, against the emulator (wire-validated):
the same settings, keys and errors as the hand-written methods."""

from __future__ import annotations

import pytest

from atlas_async import (
    Atlas,
    Attempt,
    Envelope,
    EnvelopeProgress,
    NotFoundError,
    Party,
    get_request_id,
    was_replayed,
)
from atlas_async._generated.api.envelopes import get_envelope, get_envelope_status, send_envelope
from atlas_async._generated.models import SendEnvelopeRequest
from atlas_async.samples import SAMPLE_PDF

from .conftest import hooks_of

pytestmark = pytest.mark.anyio

PARTIES = [Party(email="jane@example.com", name="Jane", role="Customer")]


async def test_call_runs_a_generated_operation_like_a_method(atlas: Atlas) -> None:
    seen: list[Attempt] = []

    async def record(attempt: Attempt) -> None:
        seen.append(attempt)

    hooks_of(atlas).before.append(record)
    created = await atlas.envelopes.create(SAMPLE_PDF, parties=PARTIES)
    env = await atlas.envelopes.wait_for_fields(created.envelope_id)
    assert env.fields_version is not None

    got = await atlas.call(get_envelope, created.envelope_id)
    assert isinstance(got, Envelope)
    assert got.envelope_id == created.envelope_id
    assert get_request_id(got)
    assert seen[-1].idempotency_key is None  # a GET needs none
    assert seen[-1].operation == "call.get_envelope"

    progress = await atlas.call(get_envelope_status.asyncio_detailed, created.envelope_id)
    assert isinstance(progress, EnvelopeProgress)

    body = SendEnvelopeRequest(fields_version=env.fields_version)
    sent = await atlas.call(send_envelope, created.envelope_id, body=body, idempotency_key="s-1")
    again = await atlas.call(send_envelope, created.envelope_id, body=body, idempotency_key="s-1")
    assert isinstance(sent, Envelope)
    assert sent.status == "pending"
    assert (was_replayed(sent), was_replayed(again)) == (False, True)
    assert seen[-1].idempotency_key == "s-1"


async def test_call_raises_the_typed_errors(atlas: Atlas) -> None:
    with pytest.raises(NotFoundError):
        await atlas.call(get_envelope, "00000000-0000-4000-8000-000000000000")
