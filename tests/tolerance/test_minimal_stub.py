"""The flows against a server that answers only what Atlas's guides show (a plain ASGI stub, in
process): ``create_and_send`` and ``wait_until_signed`` complete on the guides' minimal shapes."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx
import pytest

from atlas_async import Atlas, EnvelopeStatus, Party, get_request_id
from atlas_async.samples import SAMPLE_PDF

pytestmark = pytest.mark.anyio

PARTIES = [
    Party(email="jane@example.com", name="Jane", role="Customer"),
    Party(email="sam@example.com", name="Sam", role="Supplier"),
]


class MinimalAtlas:
    """Answers in the guides' shapes and nothing more.

    create: the dated guides' ``{envelope_id, review_url}`` (201), or the /docs pages'
    ``{success, sign_url, envelope_id: env_..., detected_fields}`` (200); GET envelope:
    ``{envelope_id, status, fields_status, fields_version}``; send: ``{success: true}`` (its body
    is documented nowhere); status: the OAuth DCR e-sign guide's ``{status, signed_count,
    total, next_signer_email}``.
    """

    def __init__(
        self,
        *,
        docs_pages: bool,
        pending_polls: int = 0,
        unsigned_polls: int = 0,
        sends_on_create: bool = False,
    ) -> None:
        self.docs_pages = docs_pages
        self.sends_on_create = sends_on_create  # the /docs pages: "emails the signer" at once
        self.pending_polls = pending_polls  # GETs answering fields_status: pending
        self.unsigned_polls = unsigned_polls  # status polls after the send before "signed"
        self.envelopes: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.requests.append((scope["method"], scope["path"], headers, body))
        status, answer = self.answer(scope["method"], scope["path"], body)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"x-request-id", b"req_min")],
            }
        )
        await send({"type": "http.response.body", "body": json.dumps(answer).encode()})

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        if (method, path) == ("POST", "/api/envelope"):
            eid = f"env_{uuid.uuid4().hex[:6]}" if self.docs_pages else str(uuid.uuid4())
            status = "pending" if self.sends_on_create else "draft"
            self.envelopes[eid] = {"status": status, "gets": 0, "polls": 0}
            if self.docs_pages:
                return 200, {
                    "success": True,
                    "sign_url": f"https://atlaswork.ai/sign/{eid}",
                    "envelope_id": eid,
                    "detected_fields": [{"label": "Signature", "type": "signature", "page": 1}],
                }
            return 201, {
                "envelope_id": eid,
                "review_url": f"https://atlaswork.ai/review/{eid}?rt=r",
            }
        match = re.fullmatch(r"/api/envelope/([^/]+)(/send|/status)?", path)
        assert match, path
        eid, action = match.groups()
        env = self.envelopes[eid]
        if action is None:
            env["gets"] += 1
            pending = env["gets"] <= self.pending_polls
            return 200, {
                "envelope_id": eid,
                "status": env["status"],
                "fields_status": "pending" if pending else "ready",
                "fields_version": 1,
            }
        if action == "/send":
            env["status"] = "pending"
            return 200, {"success": True}
        env["polls"] += 1
        signed = env["status"] != "draft" and env["polls"] > self.unsigned_polls
        if signed:
            env["status"] = "signed"
        return 200, {
            "status": env["status"],
            "signed_count": 2 if signed else 0,
            "total": 2,
            "next_signer_email": None if signed else "jane@example.com",
        }


def client(stub: MinimalAtlas) -> Atlas:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=stub))
    return Atlas("test_key", base_url="https://atlas.test", http_client=http)


@pytest.mark.parametrize(
    ("docs_pages", "sends_on_create"),
    [(False, False), (True, False), (True, True)],
    ids=["guides", "docs-pages", "docs-pages-direct-send"],
)
async def test_create_and_send_completes_on_the_minimal_shapes(
    docs_pages: bool, sends_on_create: bool
) -> None:
    stub = MinimalAtlas(
        docs_pages=docs_pages, pending_polls=0 if docs_pages else 1, sends_on_create=sends_on_create
    )
    async with client(stub) as atlas:
        env = await atlas.envelopes.create_and_send(SAMPLE_PDF, parties=PARTIES, wait_signed=True)
    assert env.status == EnvelopeStatus.SIGNED
    assert env.envelope_id in stub.envelopes
    assert get_request_id(env) == "req_min"
    sends = [r for r in stub.requests if r[1].endswith("/send")]
    if sends_on_create:  # already out: the flow does not send (or spend) twice
        assert sends == []
    else:
        [(_, _, headers, body)] = sends
        assert json.loads(body) == {"fields_version": 1}  # read from the minimal GET
        assert headers["idempotency-key"]
    # the create answer had no fields_status: detection was polled on GET, as usual
    gets = [
        r for r in stub.requests if r[0] == "GET" and r[1] == f"/api/envelope/{env.envelope_id}"
    ]
    assert len(gets) >= 2


async def test_send_alone_reads_the_version_and_returns_what_it_got() -> None:
    stub = MinimalAtlas(docs_pages=False)
    async with client(stub) as atlas:
        created = await atlas.envelopes.create(SAMPLE_PDF, parties=PARTIES)
        sent = await atlas.envelopes.send(created.envelope_id)
    # the send answer was {success: true}: the envelope is the one asked for, the rest unknown
    assert (sent.envelope_id, sent.status, sent["success"]) == (created.envelope_id, None, True)


async def test_wait_until_signed_completes_on_the_guides_status_answer() -> None:
    stub = MinimalAtlas(docs_pages=False, unsigned_polls=2)
    async with client(stub) as atlas:
        created = await atlas.envelopes.create(SAMPLE_PDF, parties=PARTIES)
        await atlas.envelopes.send(created.envelope_id)
        done = await atlas.envelopes.wait_until_signed(
            created.envelope_id, poll_interval=0.01, max_poll_interval=0.02, timeout=30
        )
    assert (done.status, done.signed_count, done.total, done.source) == ("signed", 2, 2, "poll")
    polls = [r for r in stub.requests if r[1].endswith("/status")]
    assert len(polls) == 3
