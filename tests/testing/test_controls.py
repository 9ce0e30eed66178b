"""The emulator's controls under /_emulator/, over HTTP in process: sign, decline, credits,
detection, and their errors (wrong key 401, unknown envelope 404, nobody due 409, bad body 400)."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import httpx
import pytest

from atlas_async.testing import ApiError, EmulatorControls, FakeAtlas
from atlas_async.testing._http import http_fetch

from .._support.tls import count_contexts
from .conftest import PARTIES, PDF, b64, create_ready

pytestmark = pytest.mark.anyio


async def sent(client: httpx.AsyncClient, fake: FakeAtlas) -> str:
    eid = await create_ready(client, fake)
    assert (await client.post(f"/api/envelope/{eid}/send", json={})).status_code == 200
    return eid


def error_code(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


async def test_sign_as_the_party_due_then_everyone_left(
    client: httpx.AsyncClient, fake: FakeAtlas
) -> None:
    eid = await sent(client, fake)
    r = await client.post(f"/_emulator/envelopes/{eid}/sign", json={})
    assert r.status_code == 200, r.text
    assert r.json() == {"envelope_id": eid, "status": "pending", "signed": [PARTIES[0]["email"]]}
    r = await client.post(f"/_emulator/envelopes/{eid}/sign", json={"all": True})
    assert r.json() == {"envelope_id": eid, "status": "signed", "signed": [PARTIES[1]["email"]]}
    assert fake.signed_pdf(eid).startswith(b"%PDF-")
    assert [e["type"] for e in fake.webhooks.events][-2:] == [
        "envelope.signed",
        "contract.extracted",
    ]


async def test_sign_all_at_once_and_an_empty_body_signs_one(
    client: httpx.AsyncClient, fake: FakeAtlas
) -> None:
    eid = await sent(client, fake)
    r = await client.post(f"/_emulator/envelopes/{eid}/sign", json={"all": True})
    assert r.json()["signed"] == [p["email"] for p in PARTIES]
    assert fake.envelope(eid)["status"] == "signed"
    other = await sent(client, fake)
    r = await client.post(f"/_emulator/envelopes/{other}/sign")  # no body at all
    assert r.json()["signed"] == [PARTIES[0]["email"]]


@pytest.mark.parametrize("state", ["draft", "signed", "voided", "declined"])
async def test_nobody_due_is_409(client: httpx.AsyncClient, fake: FakeAtlas, state: str) -> None:
    eid = await create_ready(client, fake)
    if state != "draft":
        await client.post(f"/api/envelope/{eid}/send", json={})
    if state == "signed":
        await fake.sign(eid)
        await fake.sign(eid)
    elif state == "voided":
        await client.post(f"/api/envelope/{eid}/void", json={})
    elif state == "declined":
        await fake.decline(eid, "no")
    for action, body in (("sign", {"all": True}), ("decline", {"reason": "no"})):
        r = await client.post(f"/_emulator/envelopes/{eid}/{action}", json=body)
        assert r.status_code == 409, r.text
        assert error_code(r) == "nobody_due"
        assert state in r.json()["error"]["message"]
        assert r.json()["request_id"].startswith("req_")
    assert fake.envelope(eid)["status"] == state  # untouched


async def test_decline_as_the_party_due(client: httpx.AsyncClient, fake: FakeAtlas) -> None:
    eid = await sent(client, fake)
    r = await client.post(f"/_emulator/envelopes/{eid}/decline", json={"reason": "Wrong price"})
    assert r.json() == {"envelope_id": eid, "status": "declined", "declined_by": "ann@example.com"}
    env = fake.envelope(eid)
    assert env["metadata"]["decline_reason"] == "Wrong price"
    for body in ({}, {"reason": ""}, {"reason": 3}):
        again = await client.post(f"/_emulator/envelopes/{eid}/decline", json=body)
        assert again.status_code == 400, body


async def test_unknown_or_another_orgs_envelope_is_404(
    client: httpx.AsyncClient, fake: FakeAtlas
) -> None:
    eid = await sent(client, fake)
    stranger = fake.create_org()
    headers = {"Authorization": f"Bearer {stranger.api_key}"}
    for path in (f"/_emulator/envelopes/{eid}/sign", "/_emulator/envelopes/nope/sign"):
        r = await client.post(path, json={}, headers=headers if "nope" not in path else None)
        assert r.status_code == 404, path
        assert error_code(r) == "not_found"
    assert (await client.get("/_emulator/envelopes/nope")).status_code == 404
    assert fake.envelope(eid)["status"] == "pending"


@pytest.mark.parametrize("auth", [None, "Bearer atlas_live_wrong", "Basic abc"])
async def test_wrong_or_missing_key_is_401(
    client: httpx.AsyncClient, fake: FakeAtlas, auth: str | None
) -> None:
    headers = {"Authorization": auth} if auth else {}
    async with httpx.AsyncClient(
        transport=fake.transport(), base_url=fake.base_url, headers=headers
    ) as anonymous:
        for method, path in (("GET", "/_emulator/credits"), ("POST", "/_emulator/credits")):
            r = await anonymous.request(method, path, json={"add": 5})
            assert r.status_code == 401
            assert error_code(r) == "unauthorized"
    assert fake.credits() == 5


async def test_credits_show_and_top_up(client: httpx.AsyncClient, fake: FakeAtlas) -> None:
    assert (await client.get("/_emulator/credits")).json() == {"credits": 5}
    r = await client.post("/_emulator/credits", json={"add": 10})
    assert r.json() == {"credits": 15}
    assert fake.credits() == 15


@pytest.mark.parametrize("body", [{"add": 0}, {"add": -3}, {"add": "5"}, {"add": True}, {}])
async def test_a_bad_credit_amount_is_400(
    client: httpx.AsyncClient, fake: FakeAtlas, body: dict[str, object]
) -> None:
    r = await client.post("/_emulator/credits", json=body)
    assert r.status_code == 400
    assert error_code(r) == "invalid_amount"
    assert fake.credits() == 5


async def test_unknown_properties_and_bad_json_are_400(client: httpx.AsyncClient) -> None:
    r = await client.post("/_emulator/credits", json={"ad": 5})
    assert r.status_code == 400
    assert "ad" in r.json()["error"]["message"]
    bad = await client.post("/_emulator/credits", content=b"{", headers={"Content-Type": "x"})
    assert error_code(bad) == "invalid_json"


async def test_a_connected_account_tops_up_its_platform_pool(fake: FakeAtlas) -> None:
    platform = fake.create_org(platform=True, credits=50)
    async with httpx.AsyncClient(
        transport=fake.transport(),
        base_url=fake.base_url,
        headers={"Authorization": f"Bearer {platform.platform_key}"},
    ) as c:
        body = {"external_id": "acme", "name": "Acme"}
        assert (await c.post("/api/platform/connected-accounts", json=body)).status_code == 201
        r = await c.post(
            "/_emulator/credits", json={"add": 5}, headers={"Atlas-Account": "ext_acme"}
        )
    assert r.json() == {"credits": 55}  # platform_pays: the account spends its platform's credits
    assert fake.credits(platform.org_id) == 55


async def test_envelope_shows_every_partys_sign_url(
    client: httpx.AsyncClient, fake: FakeAtlas
) -> None:
    eid = await sent(client, fake)
    view = (await client.get(f"/_emulator/envelopes/{eid}")).json()
    assert view["next_signer"] == "ann@example.com"
    assert [p["status"] for p in view["parties"]] == ["pending", "waiting"]
    bob_url = view["parties"][1]["sign_url"]
    assert bob_url == fake.sign_url(eid, "bob@example.com")
    early = await client.post(bob_url)
    assert early.status_code == 409  # a sign URL does not skip the order
    assert error_code(early) == "not_your_turn"


async def test_detection_outcome_for_the_next_envelopes(
    client: httpx.AsyncClient, fake: FakeAtlas
) -> None:
    r = await client.post("/_emulator/detection", json={"outcome": "failed", "count": 1})
    assert r.json() == {"outcome": "failed", "count": 1, "delay": None}
    first = await create_ready(client, fake)
    second = await create_ready(client, fake)
    assert fake.envelope(first)["fields_status"] == "failed"
    assert fake.envelope(second)["fields_status"] == "ready"
    for body in ({"outcome": "maybe"}, {"outcome": "ready", "count": 0}, {"delay": -1}):
        assert (await client.post("/_emulator/detection", json=body)).status_code == 400, body


async def test_controls_are_not_in_the_openapi_document_nor_hit_by_faults(
    client: httpx.AsyncClient, fake: FakeAtlas
) -> None:
    spec = json.loads(fake.openapi_document())
    assert not [p for p in spec["paths"] if "_emulator" in p]
    fault = fake.faults.add("status", None, status=503, count=None)
    assert (await client.get("/_emulator/credits")).json() == {"credits": 5}
    assert (await client.get("/api/envelopes")).status_code == 503
    assert fault.fired == 1


def test_emulator_controls_client_on_a_served_emulator() -> None:
    fake = FakeAtlas(detection_delay=0)
    with fake.serve() as url:
        controls = EmulatorControls(url, fake.api_key)
        assert fake.api_key not in repr(controls)
        assert controls.add_credits(2) == controls.credits() == 7
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {fake.api_key}"}) as c:
            eid = c.post("/api/envelope", json={"document": b64(PDF), "parties": PARTIES}).json()[
                "envelope_id"
            ]
            c.post(f"/api/envelope/{eid}/send", json={})
        assert controls.envelope(eid)["next_signer"] == "ann@example.com"
        assert controls.sign(eid, every=True)["signed"] == ["ann@example.com", "bob@example.com"]
        with pytest.raises(ApiError) as nobody:
            controls.decline(eid, "too late")
        assert (nobody.value.status, nobody.value.code) == (409, "nobody_due")
        with pytest.raises(ApiError) as escaped:
            controls.sign("../credits")  # the id is one path segment, whatever it holds
        assert escaped.value.status == 404
        assert controls.set_detection("failed", count=1, delay=0.5)["delay"] == 0.5
        platform = fake.create_org(platform=True, credits=50)
        assert platform.platform_key is not None
        with httpx.Client(base_url=url) as c:
            c.post(
                "/api/platform/connected-accounts",
                json={"external_id": "acme", "name": "Acme", "billing_mode": "child_pays"},
                headers={"Authorization": f"Bearer {platform.platform_key}"},
            )
        acme = EmulatorControls(url, platform.platform_key, account="ext_acme")
        assert (
            acme.add_credits(1) == 6
        )  # the account's own credits (child_pays), not the platform's
        with pytest.raises(ValueError, match="API key"):
            EmulatorControls(url, "")


def test_emulator_controls_name_a_server_that_is_not_an_emulator() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class NotAtlas(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<h1>Not here</h1>")

        def log_message(self, *args: object) -> None:
            pass

    with HTTPServer(("127.0.0.1", 0), NotAtlas) as server:
        thread = threading.Thread(target=server.handle_request, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with pytest.raises(ApiError) as exc:
            EmulatorControls(url, "atlas_live_x").credits()
        thread.join(timeout=10)
    assert (exc.value.status, exc.value.code) == (404, "not_an_emulator")
    assert url in exc.value.message
    assert "atlas_live_x" not in str(exc.value)


def test_control_requests_and_downloads_share_one_tls_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # httpx builds a TLS context for every client, parsing the whole CA bundle (about 35 ms of
    # CPU: a control request took 55 ms); the emulator's requests build one between them.
    built = count_contexts(httpx, monkeypatch, tmp_path)
    fake = FakeAtlas()
    with fake.serve() as url:
        controls = EmulatorControls(url, fake.api_key)
        assert [controls.credits() for _ in range(5)] == [5] * 5
        assert anyio.run(http_fetch, f"{url}/openapi.json").startswith(b"{")
    assert len(built) == 1
