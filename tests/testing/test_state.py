"""Unit tests of the emulator's state machine, without HTTP: envelopes, parties, credits,
detection, idempotency, templates, accounts."""

from __future__ import annotations

import io

import pypdf
import pytest

from atlas_async.testing import ApiError, ManualClock
from atlas_async.testing._documents import docx_to_pdf, render_pdf, sniff_document
from atlas_async.testing._idempotency import IdempotencyStore, StoredResponse
from atlas_async.testing._state import AtlasState, OrgRecord, Party, parse_fields, parse_parties

from .conftest import PDF, make_docx


def parties(n: int = 2) -> list[Party]:
    return [
        Party(email=f"p{i}@example.com", name=f"P {i}", role=f"R{i}", order=i)
        for i in range(1, n + 1)
    ]


@pytest.fixture
def state(clock: ManualClock) -> AtlasState:
    return AtlasState(clock, base_url=lambda: "http://atlas.test", detection_delay=1.0)


@pytest.fixture
def org(state: AtlasState) -> OrgRecord:
    return state.create_org()


def ready(state: AtlasState, org: OrgRecord, clock: ManualClock, n: int = 2) -> str:
    env = state.create_envelope(org, creator_key=org.api_key, document=PDF, parties=parties(n))
    clock.advance(1.0)
    state.tick()
    return env.envelope_id


def code_of(exc: pytest.ExceptionInfo[ApiError]) -> tuple[int, str]:
    return exc.value.status, exc.value.code


# ---------------------------------------------------------------- detection


def test_detection_is_pending_until_the_delay_passes(
    state: AtlasState, org: OrgRecord, clock: ManualClock
) -> None:
    env = state.create_envelope(org, creator_key=org.api_key, document=PDF)
    assert (env.fields_status, env.fields_version) == ("pending", 1)
    clock.advance(0.99)
    state.tick()
    assert env.fields_status == "pending"
    clock.advance(0.01)
    state.tick()
    assert env.fields_status == "ready"
    assert env.fields_version == 2
    assert {f["party_order"] for f in env.fields} == {1, 2}


def test_detection_results_are_cached_by_document_hash(
    state: AtlasState, org: OrgRecord, clock: ManualClock
) -> None:
    ready(state, org, clock)
    again = state.create_envelope(org, creator_key=org.api_key, document=PDF)
    assert again.fields_status == "ready"  # same bytes: no second detection run
    other = state.create_envelope(org, creator_key=org.api_key, document=render_pdf([["x"]]))
    assert other.fields_status == "pending"


def test_detection_outcomes_by_rule_and_per_envelope(
    state: AtlasState, org: OrgRecord, clock: ManualClock
) -> None:
    state.set_detection(outcome="failed", delay=0.0, count=1)
    failed = state.create_envelope(org, creator_key=org.api_key, document=PDF)
    assert failed.fields_status == "failed"
    assert "detection_error" in failed.metadata
    normal = state.create_envelope(org, creator_key=org.api_key, document=PDF)
    assert normal.fields_status == "pending"  # the counted rule lapsed: default again
    state.set_detection(outcome="recovered_empty", delay=5.0, envelope_id=normal.envelope_id)
    clock.advance(5.0)
    state.tick()
    assert (normal.fields_status, normal.fields) == ("recovered_empty", [])
    with pytest.raises(ValueError, match="unknown detection outcome"):
        state.set_detection(outcome="maybe")  # type: ignore[arg-type]


# ---------------------------------------------------------------- send, credits, signing


def test_send_guards_in_order(state: AtlasState, org: OrgRecord, clock: ManualClock) -> None:
    env = state.create_envelope(org, creator_key=org.api_key, document=PDF)
    with pytest.raises(ApiError) as exc:
        state.send(org, env.envelope_id)
    assert code_of(exc) == (409, "fields_pending")
    clock.advance(1)
    with pytest.raises(ApiError) as exc:
        state.send(org, env.envelope_id, fields_version=1)
    assert code_of(exc) == (409, "fields_version_conflict")
    assert exc.value.extra == {"current_fields_version": 2}
    with pytest.raises(ApiError) as exc:
        state.send(org, env.envelope_id, fields_version=2)
    assert code_of(exc) == (400, "parties_required")
    state.send(org, env.envelope_id, fields_version=2, parties=parties(1))
    with pytest.raises(ApiError) as exc:
        state.send(org, env.envelope_id)
    assert code_of(exc) == (409, "invalid_state")


def test_credits_spent_refunded_and_exhausted(state: AtlasState, clock: ManualClock) -> None:
    org = state.create_org(credits=1)
    first = ready(state, org, clock)
    state.send(org, first)
    assert org.credits == 0
    second = ready(state, org, clock)
    with pytest.raises(ApiError) as exc:
        state.send(org, second)
    assert code_of(exc) == (402, "insufficient_credits")
    env, refunded = state.void(org, first)
    assert (env.status, refunded, org.credits) == ("voided", True, 1)
    with pytest.raises(ApiError) as exc:
        state.void(org, first)
    assert code_of(exc) == (409, "invalid_state")


def test_no_refund_once_someone_signed_or_for_a_draft(
    state: AtlasState, org: OrgRecord, clock: ManualClock
) -> None:
    eid = ready(state, org, clock)
    state.send(org, eid)
    state.sign(eid)
    assert state.void(org, eid)[1] is False
    draft = ready(state, org, clock)
    assert state.void(org, draft)[1] is False
    assert org.credits == 4


def test_sequential_signing_promotes_in_order(
    state: AtlasState, org: OrgRecord, clock: ManualClock
) -> None:
    eid = ready(state, org, clock, n=3)
    env = state.send(org, eid)
    assert [p.status for p in env.parties] == ["pending", "waiting", "waiting"]
    with pytest.raises(ApiError) as exc:
        state.sign(eid, email="p3@example.com")
    assert code_of(exc) == (409, "not_your_turn")
    state.sign(eid)
    assert [p.status for p in env.parties] == ["signed", "pending", "waiting"]
    state.sign(eid, email="p2@example.com")
    state.sign(eid)
    assert env.status == "signed"
    assert env.signed_pdf is not None
    assert all(f["value"] for f in env.fields)
    reader = pypdf.PdfReader(io.BytesIO(env.signed_pdf), strict=True)
    assert "Certificate of completion" in reader.pages[-1].extract_text()
    assert reader.attachments["original.pdf"] == [PDF]  # the signed document, embedded
    with pytest.raises(ApiError) as exc:
        state.sign(eid)
    assert code_of(exc) == (409, "invalid_state")


def test_events_fire_in_contract_order(
    state: AtlasState, org: OrgRecord, clock: ManualClock
) -> None:
    seen: list[str] = []
    state.listeners.append(lambda env, kind, data: seen.append(kind))
    eid = ready(state, org, clock, n=1)
    state.send(org, eid)
    env, party = state.party_for_token(eid, state.envelopes[eid].parties[0].token)
    state.view(env, party)
    state.view(env, party)  # viewed fires once per party
    state.sign(eid)
    assert seen == [
        "envelope.created",
        "envelope.sent",
        "envelope.viewed",
        "envelope.signed",
        "contract.extracted",
    ]


def test_decline_needs_a_pending_envelope(
    state: AtlasState, org: OrgRecord, clock: ManualClock
) -> None:
    eid = ready(state, org, clock)
    env = state.envelopes[eid]
    with pytest.raises(ApiError) as exc:
        state.decline(eid, env.parties[0], "no")
    assert code_of(exc) == (409, "invalid_state")
    state.send(org, eid)
    state.decline(eid, env.parties[1], "not me")
    assert (env.status, env.metadata["decline_reason"]) == ("declined", "not me")
    with pytest.raises(ApiError) as exc:
        state.party_for_token(eid, "forged")
    assert code_of(exc) == (401, "unauthorized")


def test_remind_cooldown_is_per_signer_and_per_hour(
    state: AtlasState, org: OrgRecord, clock: ManualClock
) -> None:
    eid = ready(state, org, clock)
    with pytest.raises(ApiError) as exc:
        state.remind(org, eid)
    assert code_of(exc) == (409, "invalid_state")
    state.send(org, eid)
    assert state.remind(org, eid) == "p1@example.com"
    clock.advance(3599.2)
    with pytest.raises(ApiError) as exc:
        state.remind(org, eid)
    assert code_of(exc) == (429, "remind_cooldown")
    assert exc.value.headers == {"Retry-After": "1"}
    state.sign(eid)  # a new signer is due: no cooldown for them
    assert state.remind(org, eid) == "p2@example.com"
    clock.advance(3600)
    assert state.remind(org, eid) == "p2@example.com"


def test_auto_send_dispatches_when_detection_ends(
    state: AtlasState, org: OrgRecord, clock: ManualClock
) -> None:
    env = state.create_envelope(
        org,
        creator_key=org.api_key,
        document=render_pdf([["a"]]),
        parties=parties(1),
        auto_send=True,
    )
    assert (env.status, org.credits) == ("draft", 5)
    clock.advance(1)
    state.tick()
    assert (env.status, org.credits) == ("pending", 4)
    broke = state.create_org(credits=0)
    with pytest.raises(ApiError) as exc:
        state.create_envelope(
            broke, creator_key=broke.api_key, document=PDF, parties=parties(1), auto_send=True
        )
    assert code_of(exc) == (402, "insufficient_credits")


# ---------------------------------------------------------------- fields


def test_update_fields_versions(state: AtlasState, org: OrgRecord, clock: ManualClock) -> None:
    eid = ready(state, org, clock)
    new = parse_fields(
        [
            {
                "type": "text",
                "page": 1,
                "x_pct": 0.1,
                "y_pct": 0.1,
                "w_pct": 0.2,
                "h_pct": 0.05,
                "party_order": 1,
            }
        ]
    )
    env = state.update_fields(org, eid, new, 2)
    assert (env.fields_version, len(env.fields)) == (3, 1)
    assert env.fields[0]["field_id"].startswith("fld_")
    with pytest.raises(ApiError) as exc:
        state.update_fields(org, eid, new, 2)
    assert code_of(exc) == (409, "fields_version_conflict")
    with pytest.raises(ApiError):
        parse_fields([{"type": "stamp", "page": 1}])


def test_parse_parties_rejects_malformed(state: AtlasState) -> None:
    ok = parse_parties(
        [
            {"email": "b@x.io", "name": "B", "role": "R", "order": 2},
            {"email": "a@x.io", "name": "A", "role": "R", "order": 1},
        ]
    )
    assert ok is not None
    assert [p.email for p in ok] == ["a@x.io", "b@x.io"]
    for bad in (
        "x",
        [1],
        [{"email": "nope", "name": "A", "role": "R"}],
        [{"email": "a@x.io", "role": "R"}],
        [{"email": "a@x.io", "name": "A", "role": "R", "order": 0}],
        [
            {"email": "a@x.io", "name": "A", "role": "R"},
            {"email": "b@x.io", "name": "B", "role": "R", "order": 1},
        ],
    ):
        with pytest.raises(ApiError) as exc:
            parse_parties(bad)
        assert exc.value.status == 400


# ---------------------------------------------------------------- tenancy and lists


def test_tenants_are_isolated(state: AtlasState, org: OrgRecord, clock: ManualClock) -> None:
    eid = ready(state, org, clock)
    other = state.create_org()
    with pytest.raises(ApiError) as exc:
        state.get_envelope(other, eid)
    assert code_of(exc) == (404, "not_found")
    assert state.list_envelopes(other)[0] == []


def test_connected_accounts_billing_and_suspension(state: AtlasState, clock: ManualClock) -> None:
    platform = state.create_org(platform=True, credits=10)
    child, created = state.create_connected_account(
        platform, {"external_id": "acme", "name": "Acme"}
    )
    assert created
    assert state.create_connected_account(platform, {"external_id": "acme", "name": "Acme"}) == (
        child,
        False,
    )
    payer, _ = state.create_connected_account(
        platform,
        {"external_id": "solo", "name": "Solo", "billing_mode": "child_pays", "initial_credits": 2},
    )
    assert state.resolve_account(platform, "platform", "ext_acme") is child
    assert state.resolve_account(platform, "platform", child.org_id) is child
    with pytest.raises(ApiError) as exc:
        state.resolve_account(platform, "live", "ext_acme")
    assert code_of(exc) == (403, "platform_key_required")
    with pytest.raises(ApiError) as exc:
        state.resolve_account(platform, "platform", "ext_ghost")
    assert exc.value.status == 404
    state.send(child, ready(state, child, clock))
    assert (platform.credits, child.credits) == (9, 0)  # platform_pays
    state.send(payer, ready(state, payer, clock))
    assert (platform.credits, payer.credits) == (9, 1)  # child_pays
    state.update_connected_account(platform, "ext_acme", "suspended")
    draft = ready(state, child, clock)  # drafts still work
    with pytest.raises(ApiError) as exc:
        state.send(child, draft)
    assert code_of(exc) == (403, "account_suspended")


def test_list_pagination_filters_and_bad_cursor(
    state: AtlasState, org: OrgRecord, clock: ManualClock
) -> None:
    ids = [
        state.create_envelope(
            org, creator_key="k", document=PDF, metadata={"external_id": f"x{i % 2}"}
        ).envelope_id
        for i in range(5)
    ]
    page, cursor = state.list_envelopes(org, limit=2)
    assert [e.envelope_id for e in page] == ids[::-1][:2]
    seen = [e.envelope_id for e in page]
    while cursor:
        page, cursor = state.list_envelopes(org, limit=2, cursor=cursor)
        seen += [e.envelope_id for e in page]
    assert seen == ids[::-1]
    assert len(state.list_envelopes(org, external_id="x0")[0]) == 3
    assert state.list_envelopes(org, status="pending")[0] == []
    for kwargs in ({"cursor": "garbage!"}, {"limit": 0}, {"limit": 101}, {"status": "lost"}):
        with pytest.raises(ApiError) as exc:
            state.list_envelopes(org, **kwargs)  # type: ignore[arg-type]
        assert exc.value.status == 400


# ---------------------------------------------------------------- templates


def test_template_send_matches_roles_and_prefills(state: AtlasState, org: OrgRecord) -> None:
    fields = parse_fields(
        [
            {
                "type": "signature",
                "page": 1,
                "x_pct": 0.1,
                "y_pct": 0.8,
                "w_pct": 0.3,
                "h_pct": 0.05,
                "party_order": 1,
                "role": "Tenant",
            },
            {
                "type": "text",
                "page": 1,
                "x_pct": 0.1,
                "y_pct": 0.2,
                "w_pct": 0.3,
                "h_pct": 0.05,
                "party_order": 1,
                "role": "Landlord",
                "prefill_key": "rent",
            },
        ]
    )
    tmpl = state.upload_template(org, "Lease", PDF, fields)
    assert (tmpl.roles, tmpl.prefill_keys) == (["Tenant", "Landlord"], ["rent"])
    landlord = Party(email="l@x.io", name="L", role="Landlord", order=1)
    tenant = Party(email="t@x.io", name="T", role="Tenant", order=2)
    with pytest.raises(ApiError) as exc:
        state.send_template(org, tmpl.template_id, creator_key="k", parties=[tenant], prefill={})
    assert code_of(exc) == (400, "role_mismatch")
    with pytest.raises(ApiError) as exc:
        state.send_template(
            org, tmpl.template_id, creator_key="k", parties=[tenant, landlord], prefill={"x": "1"}
        )
    assert code_of(exc) == (400, "unknown_prefill_key")
    env = state.send_template(
        org, tmpl.template_id, creator_key="k", parties=[landlord, tenant], prefill={"rent": "900"}
    )
    assert env.status == "pending"
    assert [p.role for p in env.parties] == ["Tenant", "Landlord"]  # the template's role order
    assert [f["value"] for f in env.fields] == [None, "900"]
    assert org.credits == 4
    other = state.create_org()
    with pytest.raises(ApiError):
        state.get_template(other, tmpl.template_id)


# ---------------------------------------------------------------- idempotency


def test_idempotency_store_lifecycle(clock: ManualClock) -> None:
    store = IdempotencyStore(clock)
    ok = StoredResponse(201, b"{}", "application/json")
    assert store.begin("org", "create:json", "k", "fp1") is None
    with pytest.raises(ApiError) as exc:
        store.begin("org", "create:json", "k", "fp1")
    assert (exc.value.status, exc.value.code) == (409, "idempotency_key_in_use")
    assert store.in_flight() == ["k"]
    store.complete("org", "create:json", "k", ok)
    assert store.in_flight() == []
    assert store.begin("org", "create:json", "k", "fp1") == ok
    with pytest.raises(ApiError) as exc:
        store.begin("org", "create:json", "k", "fp2")
    assert (exc.value.status, exc.value.code) == (422, "idempotency_key_reused")
    assert store.begin("org", "create:multipart", "k", "fp2") is None  # another namespace
    assert store.begin("other-org", "create:json", "k", "fp2") is None  # another tenant
    clock.advance(24 * 3600)
    assert store.begin("org", "create:json", "k", "fp2") is None  # the window has passed


def test_idempotency_errors_release_the_key(clock: ManualClock) -> None:
    store = IdempotencyStore(clock)
    assert store.begin("o", "send", "k", "fp") is None
    store.complete("o", "send", "k", StoredResponse(402, b"{}", "application/json"))
    assert store.begin("o", "send", "k", "fp") is None  # not replayed: runs again
    store.release("o", "send", "k")
    assert store.begin("o", "send", "k", "other") is None


# ---------------------------------------------------------------- documents


def test_documents_are_recognised_by_their_bytes() -> None:
    assert sniff_document(PDF) == "pdf"
    assert sniff_document(make_docx()) == "docx"
    assert sniff_document(b"PK\x03\x04 not a zip") is None
    assert sniff_document(b"GIF89a") is None
    converted = docx_to_pdf(make_docx("Quarterly (terms) \\ agreement"))
    text = pypdf.PdfReader(io.BytesIO(converted)).pages[0].extract_text()
    assert "Quarterly (terms) \\ agreement" in text
