"""templates and platform.connected_accounts against the emulator (wire-validated)."""

from __future__ import annotations

from typing import Any

import pytest

from atlas_async import (
    Atlas,
    BadRequestError,
    InsufficientCreditsError,
    NotFoundError,
    Party,
    PermissionDeniedError,
)
from atlas_async.samples import SAMPLE_DOCX, SAMPLE_PDF
from atlas_async.testing import FakeAtlas

pytestmark = pytest.mark.anyio

FIELDS: list[dict[str, Any]] = [
    {
        "type": "signature",
        "page": 1,
        "x_pct": 0.1,
        "y_pct": 0.7,
        "w_pct": 0.3,
        "h_pct": 0.05,
        "party_order": 1,
        "role": "Customer",
    },
    {
        "type": "signature",
        "page": 1,
        "x_pct": 0.1,
        "y_pct": 0.8,
        "w_pct": 0.3,
        "h_pct": 0.05,
        "party_order": 2,
        "role": "Supplier",
    },
]
PARTIES = [
    Party(email="jane@example.com", name="Jane", role="Customer"),
    Party(email="sam@example.com", name="Sam", role="Supplier"),
]


async def test_templates_infer_upload_get_list_send(atlas: Atlas, fake: FakeAtlas) -> None:
    inferred = await atlas.templates.infer_fields(SAMPLE_PDF)
    assert inferred
    assert all(0 <= f.confidence <= 1 for f in inferred)
    from_inferred = await atlas.templates.upload("Inferred", SAMPLE_DOCX, fields=inferred)
    assert from_inferred.template_id.startswith("tmpl_")

    template = await atlas.templates.upload("Services", SAMPLE_PDF, fields=FIELDS)
    assert template.roles == ["Customer", "Supplier"]
    assert (await atlas.templates.get(template.template_id)).name == "Services"
    names = {t.name async for t in atlas.templates.list(limit=1)}
    assert names == {"Inferred", "Services"}

    credits = fake.credits()
    sent = await atlas.templates.send(template.template_id, parties=PARTIES)
    assert sent.status == "pending"
    assert fake.credits() == credits - 1
    draft = await atlas.templates.send(template.template_id, parties=PARTIES, auto_send=False)
    assert draft.status == "draft"
    assert fake.credits() == credits - 1

    with pytest.raises(BadRequestError):
        await atlas.templates.send(
            template.template_id, parties=[Party(email="x@y.io", name="X", role="Nobody")]
        )
    with pytest.raises(NotFoundError):
        await atlas.templates.get("tmpl_missing")
    fake.set_credits(0)
    with pytest.raises(InsufficientCreditsError):
        await atlas.templates.send(template.template_id, parties=PARTIES)


async def test_template_send_replays_with_the_same_key(atlas: Atlas, fake: FakeAtlas) -> None:
    template = await atlas.templates.upload("Services", SAMPLE_PDF, fields=FIELDS)
    credits = fake.credits()
    a = await atlas.templates.send(template.template_id, parties=PARTIES, idempotency_key="t-1")
    b = await atlas.templates.send(template.template_id, parties=PARTIES, idempotency_key="t-1")
    assert a.envelope_id == b.envelope_id
    assert fake.credits() == credits - 1


async def test_connected_accounts_scope_suspend_activate(fake: FakeAtlas, make_client: Any) -> None:
    platform_org = fake.create_org(platform=True, credits=10)
    assert platform_org.platform_key
    platform: Atlas = make_client(api_key=platform_org.platform_key)
    accounts = platform.platform.connected_accounts

    created = await accounts.create("acme", name="Acme Ltd")
    assert created.created is True
    again = await accounts.create("acme", name="Acme Ltd")
    assert again.created is False
    assert again.connected_org_id == created.connected_org_id
    await accounts.create("beta", name="Beta GmbH", billing_mode="child_pays", initial_credits=2)
    listed = [a.external_id async for a in accounts.list(limit=1)]
    assert sorted(listed) == ["acme", "beta"]

    acme = platform.for_account("ext_acme")
    beta = platform.for_account(str((await anext(aiter(accounts.list()))).connected_org_id))
    pdf = SAMPLE_PDF.read_bytes()
    env = await acme.envelopes.create(pdf, parties=PARTIES)
    await acme.envelopes.wait_for_fields(env.envelope_id)
    with pytest.raises(NotFoundError):  # another tenant's envelope is invisible
        await beta.envelopes.get(env.envelope_id)
    with pytest.raises(NotFoundError):  # and so is it for the platform org itself
        await platform.envelopes.get(env.envelope_id)

    suspended = await accounts.suspend(str(created.connected_org_id))
    assert suspended.status == "suspended"
    with pytest.raises(PermissionDeniedError):
        await acme.envelopes.send(env.envelope_id)
    assert (await accounts.activate(str(created.connected_org_id))).status == "active"
    sent = await acme.envelopes.send(env.envelope_id)
    assert sent.status == "pending"


async def test_account_header_with_a_non_platform_key_is_403(atlas: Atlas) -> None:
    with pytest.raises(PermissionDeniedError) as info:
        await atlas.for_account("ext_acme").envelopes.create(SAMPLE_PDF.read_bytes())
    assert info.value.code == "platform_key_required"
    with pytest.raises(PermissionDeniedError):
        await atlas.platform.connected_accounts.create("x", name="X")
