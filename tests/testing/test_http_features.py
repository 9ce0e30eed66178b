"""Over HTTP, in process: idempotency, fault injection, accounts, limits, discovery, OAuth bearer."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import anyio.lowlevel
import httpx
import pytest

from atlas_async.testing import FakeAtlas

from .conftest import PARTIES, PDF, b64, create_ready

pytestmark = pytest.mark.anyio

CREATE = {"document": b64(PDF), "parties": PARTIES}
SIGNATURE_FIELD = {
    "type": "signature",
    "page": 1,
    "x_pct": 0.1,
    "y_pct": 0.8,
    "w_pct": 0.3,
    "h_pct": 0.05,
    "party_order": 1,
    "role": "Customer",
}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


# ---------------------------------------------------------------- idempotency


async def test_replay_returns_the_original_answer(
    client: httpx.AsyncClient, fake: FakeAtlas
) -> None:
    key = {"Idempotency-Key": "create-1"}
    first = await client.post("/api/envelope", json=CREATE, headers=key)
    again = await client.post("/api/envelope", json=CREATE, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotency-Replayed"] == "true"
    assert "Idempotency-Replayed" not in first.headers
    assert len(fake.envelopes()) == 1
    reused = await client.post("/api/envelope", json={**CREATE, "metadata": {"a": 1}}, headers=key)
    assert (reused.status_code, reused.json()["error"]["code"]) == (422, "idempotency_key_reused")
    # multipart creates are a separate namespace: the same key creates a second draft
    multi = await client.post("/api/envelope", files={"file": ("a.pdf", PDF)}, headers=key)
    assert multi.status_code == 201
    assert multi.json()["envelope_id"] != first.json()["envelope_id"]
    fake.advance(24 * 3600)
    fresh = await client.post("/api/envelope", json=CREATE, headers=key)
    assert "Idempotency-Replayed" not in fresh.headers


async def test_template_upload_is_deduplicated_by_key(
    client: httpx.AsyncClient, fake: FakeAtlas
) -> None:
    form = {"name": "NDA", "fields": json.dumps([SIGNATURE_FIELD])}
    key = {"Idempotency-Key": "upload-nda-1"}

    async def upload(name: str = "NDA") -> httpx.Response:
        data = {**form, "name": name}
        return await client.post(
            "/api/templates/upload", data=data, files={"file": ("n.pdf", PDF)}, headers=key
        )

    first, again = await upload(), await upload()
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotency-Replayed"] == "true"
    assert again.json() == first.json()
    listed = (await client.get("/api/templates")).json()["items"]
    assert [t["name"] for t in listed] == ["NDA"]
    reused = await upload(name="Other")
    assert (reused.status_code, reused.json()["error"]["code"]) == (422, "idempotency_key_reused")


async def test_send_is_charged_once_per_key(client: httpx.AsyncClient, fake: FakeAtlas) -> None:
    eid = await create_ready(client, fake)
    key = {"Idempotency-Key": f"send-{eid}-2"}
    answers = [
        await client.post(f"/api/envelope/{eid}/send", json={"fields_version": 2}, headers=key)
        for _ in range(3)
    ]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert fake.credits() == 4


async def test_concurrent_duplicate_is_409_in_use(
    client: httpx.AsyncClient, fake: FakeAtlas
) -> None:
    fake.faults.add("latency", "POST /api/envelope", seconds=0.3)
    key = {"Idempotency-Key": "slow"}
    results: dict[str, httpx.Response] = {}

    async def call(name: str) -> None:
        results[name] = await client.post("/api/envelope", json=CREATE, headers=key)

    async with anyio.create_task_group() as tg:
        tg.start_soon(call, "first")
        with anyio.fail_after(5):  # the second call goes out once the first holds the key
            while fake.idempotency.in_flight() != ["slow"]:
                await anyio.lowlevel.checkpoint()
        tg.start_soon(call, "second")
    assert results["first"].status_code == 201
    assert results["second"].status_code == 409
    assert results["second"].json()["error"]["code"] == "idempotency_key_in_use"
    assert len(fake.envelopes()) == 1


# ---------------------------------------------------------------- faults


async def test_status_faults_do_not_touch_state(client: httpx.AsyncClient, fake: FakeAtlas) -> None:
    fake.faults.add("status", "POST /api/envelope", status=503, retry_after=2)
    fake.faults.add("status", "POST /api/envelope", status=429, retry_after=1)
    r = await client.post("/api/envelope", json=CREATE)
    assert (r.status_code, r.headers["Retry-After"], r.json()["error"]["code"]) == (
        503,
        "2",
        "service_unavailable",
    )
    assert r.headers["x-request-id"] == r.json()["request_id"]
    r = await client.post("/api/envelope", json=CREATE)
    assert (r.status_code, r.json()["error"]["code"]) == (429, "rate_limited")
    assert fake.envelopes() == []
    assert (await client.post("/api/envelope", json=CREATE)).status_code == 201
    html = fake.faults.add("status", None, status=502, body=b"<html>Bad gateway</html>")
    r = await client.get("/api/envelopes")
    assert (r.status_code, r.text, html.fired) == (502, "<html>Bad gateway</html>", 1)


@pytest.mark.parametrize(("status", "asked", "sent"), [(429, 1.5, "2"), (503, 0.2, "1")])
async def test_retry_after_is_whole_seconds_rounded_up(
    client: httpx.AsyncClient, fake: FakeAtlas, status: int, asked: float, sent: str
) -> None:
    fake.faults.add("status", "GET /api/envelopes", status=status, retry_after=asked)
    r = await client.get("/api/envelopes")
    assert (r.status_code, r.headers["Retry-After"]) == (status, sent)


async def test_drop_before_commits_nothing(client: httpx.AsyncClient, fake: FakeAtlas) -> None:
    fake.faults.add("drop_before", "POST /api/envelope")
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/api/envelope", json=CREATE, headers={"Idempotency-Key": "k"})
    assert fake.envelopes() == []
    assert (
        await client.post("/api/envelope", json=CREATE, headers={"Idempotency-Key": "k"})
    ).status_code == 201


async def test_drop_after_commits_and_the_retry_replays(
    client: httpx.AsyncClient, fake: FakeAtlas
) -> None:
    eid = await create_ready(client, fake)
    fault = fake.faults.add("drop_after", "POST /api/envelope/{id}/send")
    key = {"Idempotency-Key": "send-once"}
    with pytest.raises(httpx.ReadError):
        await client.post(f"/api/envelope/{eid}/send", json={}, headers=key)
    assert fault.fired == 1
    assert fake.envelope(eid)["status"] == "pending"  # the effect happened
    retry = await client.post(f"/api/envelope/{eid}/send", json={}, headers=key)
    assert retry.status_code == 200
    assert retry.headers["Idempotency-Replayed"] == "true"
    assert fake.credits() == 4  # charged once
    sends = [r for r in fake.requests if r.path.endswith("/send")]
    assert [(r.status, r.fault, r.idempotency_key) for r in sends] == [
        (None, "drop_after", "send-once"),
        (200, None, "send-once"),
    ]
    assert all(r.request_id.startswith("req_") for r in fake.requests)


async def test_fault_probability_and_validation(client: httpx.AsyncClient, fake: FakeAtlas) -> None:
    fault = fake.faults.add("status", "GET /api/envelopes", status=500, count=None, probability=0.5)
    codes = [(await client.get("/api/envelopes")).status_code for _ in range(40)]
    assert 5 < codes.count(500) < 35
    assert set(codes) == {200, 500}
    fake.faults.remove(fault)
    assert (await client.get("/api/envelopes")).status_code == 200
    for bad in (
        {"kind": "boom"},
        {"kind": "status", "status": 200},
        {"kind": "latency", "count": 0},
    ):
        with pytest.raises(ValueError, match=r"kind|status|count"):
            fake.faults.add(**bad)  # type: ignore[arg-type]


# ---------------------------------------------------------------- envelope rules over HTTP


def test_default_size_limit_is_atlas_25_mb_and_the_client_agrees() -> None:
    # ATLAS_API.md [chosen]: 413 above 25 MB. The client checks the same limit before uploading.
    from atlas_async._documents import MAX_DOCUMENT_BYTES

    assert FakeAtlas().max_document_bytes == 25 * 1024 * 1024 == MAX_DOCUMENT_BYTES


async def test_create_rejections(client: httpx.AsyncClient, fake: FakeAtlas) -> None:
    small = FakeAtlas(max_document_bytes=1000)
    async with httpx.AsyncClient(
        transport=small.transport(), base_url=small.base_url, headers=bearer(small.api_key)
    ) as c:
        big = PDF + b"%" * 2000
        assert (await c.post("/api/envelope", files={"file": ("a.pdf", big)})).status_code == 413
        assert (await c.post("/api/envelope", json={"document": b64(big)})).status_code == 413
    cases = [
        {"document": b64(PDF), "template_id": "tmpl_1"},
        {"document": b64(PDF), "document_url": "https://x.test/a.pdf"},
        {},
        {"document": "***"},
        {"document": b64(b"\x89PNG\r\n")},
        {"document": b64(PDF), "parties": "[]"},
        {"document": b64(PDF), "surprise": 1},
        {"document_url": "https://unregistered.test/a.pdf"},
    ]
    for body in cases:
        r = await client.post("/api/envelope", json=body)
        assert r.status_code == 400, (body, r.text)
    r = await client.post(
        "/api/envelope", files={"file": ("a.pdf", PDF)}, data={"template_id": "tmpl_1"}
    )
    assert r.json()["error"]["code"] == "template_id_not_allowed"
    assert fake.envelopes() == []


async def test_send_conflicts_carry_current_version(
    client: httpx.AsyncClient, fake: FakeAtlas
) -> None:
    r = await client.post("/api/envelope", json=CREATE)
    eid = r.json()["envelope_id"]
    pending = await client.post(f"/api/envelope/{eid}/send", json={})
    assert (pending.status_code, pending.json()["error"]["code"]) == (409, "fields_pending")
    fake.advance(5)
    stale = await client.post(f"/api/envelope/{eid}/send", json={"fields_version": 1})
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "fields_version_conflict"
    assert stale.json()["current_fields_version"] == 2
    fields = (await client.get(f"/api/envelope/{eid}")).json()["fields"]
    patched = await client.patch(
        f"/api/envelope/{eid}/fields", json={"fields": fields[:1], "fields_version": 2}
    )
    assert patched.json()["fields_version"] == 3
    assert len(patched.json()["fields"]) == 1
    assert (
        await client.post(f"/api/envelope/{eid}/send", json={"fields_version": 3})
    ).status_code == 200
    again = await client.patch(
        f"/api/envelope/{eid}/fields", json={"fields": fields, "fields_version": 3}
    )
    assert again.json()["error"]["code"] == "invalid_state"


async def test_fields_read_back_are_patched_straight_back_null_labels_included(
    client: httpx.AsyncClient, fake: FakeAtlas
) -> None:
    unlabelled = {"type": "date", "page": 1, "x_pct": 0.6, "y_pct": 0.8, "w_pct": 0.2}
    fake.set_detection("ready", fields=[{**unlabelled, "h_pct": 0.04, "label": None}], count=1)
    eid = await create_ready(client, fake)
    read = (await client.get(f"/api/envelope/{eid}")).json()
    assert [f["label"] for f in read["fields"]] == [None]  # Field.label is nullable
    patched = await client.patch(
        f"/api/envelope/{eid}/fields",
        json={"fields": read["fields"], "fields_version": read["fields_version"]},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["fields"] == read["fields"]
    not_a_label = [{**read["fields"][0], "label": 7}]
    bad = await client.patch(
        f"/api/envelope/{eid}/fields",
        json={"fields": not_a_label, "fields_version": patched.json()["fields_version"]},
    )
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_fields")


async def test_void_remind_decline_over_http(client: httpx.AsyncClient, fake: FakeAtlas) -> None:
    eid = await create_ready(client, fake)
    await client.post(f"/api/envelope/{eid}/send", json={})
    r = await client.post(f"/api/envelope/{eid}/remind")
    assert r.json() == {"reminded_email": "ann@example.com"}
    r = await client.post(f"/api/envelope/{eid}/remind")
    assert (r.status_code, r.json()["error"]["code"]) == (429, "remind_cooldown")
    assert int(r.headers["Retry-After"]) == 3600
    token = parse_qs(urlsplit(fake.sign_url(eid)).query)["t"][0]
    no_key = await client.post(
        f"/api/envelope/{eid}/decline", json={"reason": "x"}
    )  # API key, not a signer token
    assert no_key.status_code == 401
    declined = await client.post(
        f"/api/envelope/{eid}/decline", json={"reason": "Wrong amount"}, headers=bearer(token)
    )
    assert (declined.status_code, declined.json()["status"]) == (200, "declined")
    r = await client.post(
        f"/api/envelope/{eid}/decline", json={"reason": "again"}, headers=bearer(token)
    )
    assert r.status_code == 409
    voided = await client.post(f"/api/envelope/{eid}/void", json={})
    assert voided.status_code == 409
    other = await create_ready(client, fake)
    await client.post(f"/api/envelope/{other}/send", json={})
    voided = await client.post(f"/api/envelope/{other}/void", json={"reason": "typo"})
    assert (voided.json()["status"], voided.json()["credit_refunded"]) == ("voided", True)
    assert fake.credits() == 4  # two sends, one refund
    kinds = [(e["envelope_id"], e["type"]) for e in fake.webhooks.events]
    assert (eid, "envelope.declined") in kinds
    assert (other, "envelope.voided") in kinds


async def test_list_and_filters_over_http(client: httpx.AsyncClient, fake: FakeAtlas) -> None:
    for i in range(3):
        await client.post(
            "/api/envelope", json={**CREATE, "metadata": {"external_id": f"deal-{i}"}}
        )
    page = (await client.get("/api/envelopes", params={"limit": 2})).json()
    assert len(page["items"]) == 2
    rest = (
        await client.get("/api/envelopes", params={"limit": 2, "cursor": page["next_cursor"]})
    ).json()
    assert (len(rest["items"]), rest["next_cursor"]) == (1, None)
    hit = (await client.get("/api/envelopes", params={"external_id": "deal-1"})).json()["items"]
    assert [e["metadata"]["external_id"] for e in hit] == ["deal-1"]
    assert (await client.get("/api/envelopes", params={"limit": "many"})).status_code == 400
    assert (await client.get("/api/envelopes", params={"cursor": "%%%"})).status_code == 400


# ---------------------------------------------------------------- accounts


async def test_platform_accounts_scope_and_isolate(
    client: httpx.AsyncClient, fake: FakeAtlas
) -> None:
    plat = fake.create_org(platform=True, credits=3)
    assert plat.platform_key is not None
    p = bearer(plat.platform_key)
    made = await client.post(
        "/api/platform/connected-accounts", json={"external_id": "acme", "name": "Acme"}, headers=p
    )
    assert (made.status_code, made.json()["created"]) == (201, True)
    same = await client.post(
        "/api/platform/connected-accounts", json={"external_id": "acme", "name": "Acme"}, headers=p
    )
    assert (same.status_code, same.json()["created"]) == (200, False)
    assert (
        await client.get("/api/platform/connected-accounts")
    ).status_code == 403  # not a platform key
    acme = {**p, "Atlas-Account": "ext_acme"}
    created = await client.post("/api/envelope", json=CREATE, headers=acme)
    eid = created.json()["envelope_id"]
    assert (await client.get(f"/api/envelope/{eid}", headers=acme)).status_code == 200
    assert (
        await client.get(f"/api/envelope/{eid}", headers=p)
    ).status_code == 404  # platform's own rows
    assert (await client.get(f"/api/envelope/{eid}")).status_code == 404  # another tenant
    r = await client.get("/api/envelopes", headers={"Atlas-Account": "ext_acme"})
    assert r.json()["error"]["code"] == "platform_key_required"
    assert (
        await client.get("/api/envelopes", headers={**p, "Atlas-Account": "ext_nobody"})
    ).status_code == 404
    acct = made.json()["connected_org_id"]
    suspended = await client.patch(
        f"/api/platform/connected-accounts/{acct}", json={"status": "suspended"}, headers=p
    )
    assert suspended.json()["status"] == "suspended"
    fake.advance(5)
    assert (
        await client.post(f"/api/envelope/{eid}/send", json={}, headers=acme)
    ).status_code == 403
    assert (
        await client.post("/api/envelope", json=CREATE, headers=acme)
    ).status_code == 201  # drafts work
    listed = (await client.get("/api/platform/connected-accounts", headers=p)).json()
    assert [a["external_id"] for a in listed["items"]] == ["acme"]


# ---------------------------------------------------------------- templates


async def test_templates_over_http(client: httpx.AsyncClient, fake: FakeAtlas) -> None:
    fields = [
        SIGNATURE_FIELD,
        {
            "type": "text",
            "page": 1,
            "x_pct": 0.1,
            "y_pct": 0.1,
            "w_pct": 0.3,
            "h_pct": 0.05,
            "party_order": 1,
            "role": "Customer",
            "prefill_key": "plan",
        },
    ]
    up = await client.post(
        "/api/templates/upload",
        data={"name": "Order", "fields": json.dumps(fields)},
        files={"file": ("o.pdf", PDF)},
    )
    assert up.status_code == 201
    tid = up.json()["template"]["template_id"]
    assert (await client.get(f"/api/templates/{tid}")).json()["roles"] == ["Customer"]
    assert [t["template_id"] for t in (await client.get("/api/templates")).json()["items"]] == [tid]
    inferred = await client.post("/api/templates/infer-fields", files={"file": ("o.pdf", PDF)})
    assert all(0 <= f["confidence"] <= 1 for f in inferred.json()["fields"])
    party = [{"email": "c@x.io", "name": "C", "role": "Customer"}]
    draft = await client.post(
        f"/api/templates/{tid}/send",
        json={"parties": party, "prefill": {"plan": "Gold"}, "auto_send": False},
    )
    assert draft.json()["status"] == "draft"
    assert draft.json()["review_url"]
    sent = await client.post(f"/api/templates/{tid}/send", json={"parties": party})
    assert sent.json()["status"] == "pending"
    bad = await client.post(
        f"/api/templates/{tid}/send", json={"parties": [{**party[0], "role": "Boss"}]}
    )
    assert bad.status_code == 400
    assert fake.credits() == 4


# ---------------------------------------------------------------- discovery and OAuth


async def test_discovery_documents(client: httpx.AsyncClient) -> None:
    spec = await client.get("/openapi.json")
    assert spec.json()["openapi"].startswith("3.1")
    assert (await client.get("/.well-known/mcp")).json()["endpoint"].endswith("/api/mcp")
    meta = (await client.get("/.well-known/oauth-authorization-server")).json()
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert "openapi.json" in (await client.get("/llms.txt")).text


async def read_only_token(client: httpx.AsyncClient) -> str:
    """An OAuth access token with only ``envelopes:read``, through DCR + PKCE against the fake."""
    redirect = "http://127.0.0.1:9/cb"
    reg = await client.post(
        "/oauth/register",
        json={
            "client_name": "agent",
            "redirect_uris": [redirect],
            "grant_types": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_method": "none",
            "scope": "envelopes:read",
        },
    )
    client_id = reg.json()["client_id"]
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    auth = await client.get(
        "/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect,
            "state": "s1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "scope": "envelopes:read",
        },
    )
    code = parse_qs(urlsplit(auth.headers["location"]).query)["code"][0]
    token = await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect,
            "client_id": client_id,
            "code_verifier": verifier,
        },
    )
    return str(token.json()["access_token"])


async def test_oauth_access_token_is_a_rest_bearer(
    client: httpx.AsyncClient, fake: FakeAtlas
) -> None:
    access = await read_only_token(client)
    eid = await create_ready(client, fake)
    r = await client.get(f"/api/envelope/{eid}", headers=bearer(access))
    assert r.status_code == 200  # the default org consented
    r = await client.post("/api/envelope", json=CREATE, headers=bearer(access))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "insufficient_scope")


async def test_pdf_redirect_to_storage_refuses_a_leaked_key() -> None:
    fake = FakeAtlas(detection_delay=0, pdf_redirect=True)
    async with httpx.AsyncClient(
        transport=fake.transport(), base_url=fake.base_url, headers=bearer(fake.api_key)
    ) as c:
        eid = (
            await c.post("/api/envelope", json={"document": b64(PDF), "parties": PARTIES[:1]})
        ).json()["envelope_id"]
        await c.post(f"/api/envelope/{eid}/send", json={})
        await fake.sign(eid)
        r = await c.get(f"/api/envelope/{eid}/pdf")
        assert r.status_code == 302
        location = r.headers["location"]
        assert location.startswith("http://storage.atlas.test/storage/")
        leaked = await c.get(location)  # the client's default headers carry the API key
        assert (leaked.status_code, leaked.json()["error"]["code"]) == (
            400,
            "credentials_not_allowed",
        )
        assert fake.leaked_credentials == [f"Bearer {fake.api_key}"]
    async with httpx.AsyncClient(transport=fake.transport()) as anonymous:
        ok = await anonymous.get(location)
        assert (ok.status_code, ok.headers["content-type"]) == (200, "application/pdf")
        assert ok.content == fake.signed_pdf(eid)
        forged = await anonymous.get(location.replace("sig=", "sig=0"))
        assert forged.status_code == 403


async def test_mcp_tools_respect_oauth_scopes(client: httpx.AsyncClient, fake: FakeAtlas) -> None:
    access = await read_only_token(client)
    eid = await create_ready(client, fake)

    async def call(name: str) -> dict[str, Any]:
        message = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": name, "arguments": {"envelope_id": eid}},
        }
        r = await client.post("/api/mcp", json=message, headers=bearer(access))
        result: dict[str, Any] = r.json()["result"]
        return result

    assert (await call("get_envelope"))["isError"] is False
    denied = await call("send_envelope")
    assert denied["isError"] is True
    assert "insufficient_scope" in denied["content"][0]["text"]
    assert fake.envelope(eid)["status"] == "draft"


async def test_template_send_validates_its_body(client: httpx.AsyncClient) -> None:
    fields = [
        {
            "type": "signature",
            "page": 1,
            "x_pct": 0.1,
            "y_pct": 0.8,
            "w_pct": 0.3,
            "h_pct": 0.05,
            "party_order": 1,
        }
    ]
    up = await client.post(
        "/api/templates/upload",
        data={"name": "T", "fields": json.dumps(fields)},
        files={"file": ("t.pdf", PDF)},
    )
    tid = up.json()["template"]["template_id"]
    party = [{"email": "c@x.io", "name": "C", "role": "Signer"}]
    for extra in (
        {"prefill": {"k": 1}},
        {"metadata": {"external_id": 5}},
        {"webhook_url": "ftp://x"},
        {"auto_send": "yes"},
        {"parties": []},
    ):
        r = await client.post(f"/api/templates/{tid}/send", json={"parties": party, **extra})
        assert r.status_code == 400, extra
