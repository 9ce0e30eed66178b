"""The signing flow over HTTP, in process: create, detect, send, sign in order, download."""

from __future__ import annotations

import io

import httpx
import pypdf
import pytest

from atlas_async.testing import FakeAtlas

from .conftest import PARTIES, PDF, b64, create_ready, make_docx

pytestmark = pytest.mark.anyio


async def test_create_three_transports_and_detection_is_lazy(
    client: httpx.AsyncClient, fake: FakeAtlas
) -> None:
    fake.add_document("https://docs.example/msa.pdf", PDF)
    answers = [
        await client.post("/api/envelope", files={"file": ("msa.pdf", PDF)}),
        await client.post("/api/envelope", json={"document": b64(make_docx())}),
        await client.post("/api/envelope", json={"document_url": "https://docs.example/msa.pdf"}),
    ]
    for r in answers:
        assert r.status_code == 201, r.text
        body = r.json()
        assert set(body) == {"envelope_id", "review_url", "status", "fields_status"}
        assert (body["status"], body["fields_status"]) == ("draft", "pending")
        assert r.headers["x-request-id"].startswith("req_")
    fake.advance(2.0)
    got = await client.get(f"/api/envelope/{answers[1].json()['envelope_id']}")
    env = got.json()
    assert env["fields_status"] == "ready"
    assert env["fields_version"] == 2  # detection filling the fields is a field change
    assert {f["type"] for f in env["fields"]} == {"signature", "date"}


async def test_full_sequential_signing_and_signed_pdf(
    client: httpx.AsyncClient, fake: FakeAtlas
) -> None:
    eid = await create_ready(client, fake)
    r = await client.get(f"/api/envelope/{eid}/pdf")
    assert (r.status_code, r.json()["error"]["code"]) == (409, "not_signed")
    sent = await client.post(f"/api/envelope/{eid}/send", json={})
    assert sent.status_code == 200
    parties = sent.json()["parties"]
    assert [p["status"] for p in parties] == ["pending", "waiting"]
    assert parties[0]["sign_url"]
    assert parties[1]["sign_url"] is None
    assert fake.credits() == 4

    for expected_next in ("bob@example.com", None):
        status = (await client.get(f"/api/envelope/{eid}/status")).json()
        page = await client.get(status["sign_url"])
        assert page.json()["your_turn"] is True
        signed = await client.post(status["sign_url"])
        assert signed.status_code == 200
        assert signed.json()["next_signer_email"] == expected_next

    env = (await client.get(f"/api/envelope/{eid}")).json()
    assert env["status"] == "signed"
    assert env["completed_at"] is not None
    pdf = await client.get(f"/api/envelope/{eid}/pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(pdf.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Ann Lee" in text
    assert "Bob Ray" in text
    assert eid in text
    types = [e["type"] for e in fake.webhooks.events]
    assert types[-2:] == ["envelope.signed", "contract.extracted"]


async def test_in_process_signing_respects_turns(
    client: httpx.AsyncClient, fake: FakeAtlas
) -> None:
    eid = await create_ready(client, fake)
    await client.post(f"/api/envelope/{eid}/send", json={})
    with pytest.raises(Exception, match="not_your_turn"):
        await fake.sign(eid, email=PARTIES[1]["email"])
    view = await fake.sign(eid)
    assert view["parties"][0]["status"] == "signed"
    view = await fake.sign(eid, email=PARTIES[1]["email"])
    assert view["status"] == "signed"


async def test_errors_have_documented_shape(client: httpx.AsyncClient) -> None:
    for r in (
        await client.get("/api/envelope/nope"),
        await client.get("/api/envelope/nope", headers={"Authorization": "Bearer wrong"}),
        await client.get("/api/envelope/nope", headers={"Authorization": ""}),
        await client.get("/no/such/route"),
        await client.post("/api/envelope", json={"document": b64(b"plain text")}),
    ):
        body = r.json()
        assert set(body) == {"error", "request_id"}
        assert set(body["error"]) == {"code", "message"}
        assert body["request_id"] == r.headers["x-request-id"]
    assert (await client.get("/api/envelopes", headers={"Authorization": ""})).status_code == 401


async def test_a_crash_is_a_500_in_the_documented_shape(
    client: httpx.AsyncClient,
    fake: FakeAtlas,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def boom(env: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(fake.state, "status_json", boom)
    eid = (await client.post("/api/envelope", json={"document": b64(PDF)})).json()["envelope_id"]
    r = await client.get(f"/api/envelope/{eid}/status")
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error"
    assert r.json()["request_id"] == r.headers["x-request-id"]
    assert "emulator crashed" in caplog.text


async def test_sign_pages_for_people(client: httpx.AsyncClient, fake: FakeAtlas) -> None:
    eid = await create_ready(client, fake)
    review = (await client.post(f"/api/envelope/{eid}/send", json={})).json()["review_url"]
    assert (await client.get(review, headers={"Authorization": ""})).json()["envelope_id"] == eid
    assert (await client.get(review.replace("rt=", "rt=x"))).status_code == 404
    first = fake.sign_url(eid)
    second = fake.sign_url(eid, email=PARTIES[1]["email"])
    page = await client.get(first, headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert '<form method="post"' in page.text
    assert "Ann Lee" in page.text
    waiting = await client.get(second)
    assert waiting.json()["your_turn"] is False
    early = await client.post(second)
    assert (early.status_code, early.json()["error"]["code"]) == (409, "not_your_turn")
    assert (await client.post(first.replace("t=", "t=forged"))).status_code == 401
    declined = await client.post(
        second.replace("/sign/", "/sign/", 1).replace("?t=", "/decline?t="), json={"reason": "No"}
    )
    assert declined.json()["status"] == "declined"
