"""The signing flow end to end against the in-process emulator (asyncio and trio)."""

from __future__ import annotations

from pathlib import Path

import pytest

from atlas_async import Atlas, EnvelopeStatus, FieldsStatus, Party
from atlas_async.testing import FakeAtlas

pytestmark = pytest.mark.anyio

SAMPLES = Path(__file__).resolve().parents[2] / "atlas_async" / "samples"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

PARTIES = [
    Party(email="jane@example.com", name="Jane", role="Customer"),
    Party(email="sam@example.com", name="Sam", role="Supplier"),
]


async def test_core_flow_two_signers(atlas: Atlas, fake: FakeAtlas, tmp_path: Path) -> None:
    credits = fake.credits()
    created = await atlas.envelopes.create(PDF, parties=PARTIES, metadata={"external_id": "ord-1"})
    assert created.status == EnvelopeStatus.DRAFT
    env = await atlas.envelopes.wait_for_fields(created.envelope_id)
    assert env.fields_status == FieldsStatus.READY
    env = await atlas.envelopes.send(env.envelope_id)
    assert env.status == EnvelopeStatus.PENDING
    assert fake.credits() == credits - 1
    await fake.sign(env.envelope_id)
    await fake.sign(env.envelope_id)
    done = await atlas.envelopes.wait_until_signed(env.envelope_id, timeout=10)
    assert done.status == "signed"
    assert (done.signed_count, done.total) == (2, 2)
    target = await atlas.envelopes.download_signed_pdf(env.envelope_id, tmp_path / "signed.pdf")
    assert target.read_bytes().startswith(b"%PDF-")
    assert target.read_bytes() == fake.signed_pdf(env.envelope_id)
