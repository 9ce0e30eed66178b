"""The SDK's models in a FastAPI app (examples/fastapi_app.py): returned as is, serialised to the
JSON the API gave, and documented in the app's /openapi.json with their real field types."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pydantic
import pytest
from fastapi.encoders import jsonable_encoder

from atlas_async import Atlas, Envelope, EnvelopeSummary

from .._support.http import httpx

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fastapi_app", ROOT / "examples/fastapi_app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
async def app_client(atlas: Atlas) -> AsyncIterator[httpx.AsyncClient]:
    app = _example().create_app(atlas)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as http,
    ):
        yield http


async def test_the_app_returns_the_models_as_the_json_the_api_gave(
    app_client: httpx.AsyncClient, atlas: Atlas
) -> None:
    created = await app_client.post(
        "/contracts",
        json={"signer_email": "jane@example.com", "signer_name": "Jane", "external_id": "crm-7"},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) >= {"envelope_id", "review_url", "status", "fields_status"}
    eid = body["envelope_id"]

    got = await app_client.get(f"/contracts/{eid}")
    assert got.status_code == 200, got.text
    env = await atlas.envelopes.get(eid)
    answer = got.json()
    assert answer["envelope_id"] == eid
    assert answer["parties"][0]["email"] == "jane@example.com"
    assert answer["metadata"] == {"external_id": "crm-7"}
    # the same data to_dict() gives (dates compared as instants: pydantic writes Z)
    expected = env.to_dict()
    assert set(answer) == set(expected)
    assert Envelope.from_dict(answer) == env

    page = (await app_client.get("/contracts", params={"limit": 5})).json()
    assert page["items"][0]["envelope_id"] == eid
    assert "next_cursor" in page
    progress = (await app_client.get(f"/contracts/{eid}/progress")).json()
    assert progress["status"] == env.status


async def test_openapi_documents_each_model_with_its_field_types(
    app_client: httpx.AsyncClient,
) -> None:
    doc = (await app_client.get("/openapi.json")).json()
    schemas: dict[str, Any] = doc["components"]["schemas"]
    for name in (
        "CreateEnvelopeResponse",
        "DetectedParty",
        "Envelope",
        "EnvelopeParty",
        "EnvelopeProgress",
        "EnvelopeSummary",
        "Field",
        "Metadata",
    ):
        assert schemas[name]["type"] == "object", name
    envelope = schemas["Envelope"]
    props = envelope["properties"]
    assert envelope["required"] == ["envelope_id"]
    assert props["envelope_id"] == {"type": "string", "title": "Envelope Id"}

    def types(prop: dict[str, Any]) -> list[Any]:
        return [o.get("type", o.get("$ref")) for o in prop.get("anyOf", [prop])]

    assert types(props["status"]) == ["string", "null"]  # open enum: a string
    assert types(props["fields_version"]) == ["integer", "null"]
    assert props["created_at"]["anyOf"][0] == {"type": "string", "format": "date-time"}
    assert props["parties"]["anyOf"][0] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/EnvelopeParty"},
    }
    assert types(props["metadata"]) == ["#/components/schemas/Metadata", "null"]
    assert schemas["EnvelopeParty"]["properties"]["order"]["anyOf"][0] == {"type": "integer"}
    assert schemas["Field"]["properties"]["type"]["anyOf"][0] == {"type": "string"}
    get = doc["paths"]["/contracts/{envelope_id}"]["get"]["responses"]["200"]
    assert get["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Envelope"}
    create = doc["paths"]["/contracts"]["post"]["responses"]["201"]
    assert create["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CreateEnvelopeResponse"
    }
    page = schemas["Page_EnvelopeSummary_"]["properties"]["items"]
    assert page["items"] == {"$ref": "#/components/schemas/EnvelopeSummary"}


async def test_jsonable_encoder_and_type_adapter_agree_with_to_dict(
    atlas: Atlas, app_client: httpx.AsyncClient
) -> None:
    created = await app_client.post(
        "/contracts", json={"signer_email": "sam@example.com", "signer_name": "Sam"}
    )
    env = await atlas.envelopes.get(created.json()["envelope_id"])
    env["brand_new"] = {"x": 1}  # a property the server sent that the SDK does not know
    adapter = pydantic.TypeAdapter(Envelope)
    dumped = json.loads(adapter.dump_json(env))
    encoded = jsonable_encoder(env)
    assert set(dumped) == set(encoded) == set(env.to_dict())
    assert dumped["brand_new"] == encoded["brand_new"] == {"x": 1}
    assert Envelope.from_dict(dumped) == Envelope.from_dict(encoded) == env
    # validation accepts an instance as is, and builds one from JSON data
    assert adapter.validate_python(env) is env
    assert adapter.validate_json(adapter.dump_json(env)) == env
    summary = pydantic.TypeAdapter(EnvelopeSummary).validate_python(
        {"envelope_id": "e-1", "status": "draft", "extra": True}
    )
    assert (summary.envelope_id, summary["extra"]) == ("e-1", True)
    with pytest.raises(pydantic.ValidationError):
        pydantic.TypeAdapter(EnvelopeSummary).validate_python({"status": "draft"})


def test_pydantic_is_not_imported_by_the_sdk() -> None:
    script = """
import sys, anyio, httpx
from atlas_async import Atlas
from atlas_async.samples import SAMPLE_PDF
from atlas_async.testing import FakeAtlas

async def main():
    fake = FakeAtlas(detection_delay=0)
    async with httpx.AsyncClient(transport=fake.transport()) as http:
        async with Atlas(fake.api_key, base_url=fake.base_url, http_client=http) as atlas:
            created = await atlas.envelopes.create(
                SAMPLE_PDF, parties=[{"email": "a@b.example", "name": "A", "role": "R"}]
            )
            env = await atlas.envelopes.get(created.envelope_id)
            env.to_json(), repr(env), dict(env)

anyio.run(main)
print(sorted(m for m in sys.modules if m.split(".")[0] in ("pydantic", "pydantic_core")))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"


def test_the_example_runs_as_documented() -> None:
    # `python examples/fastapi_app.py --port N` without ATLAS_API_KEY: the emulator in process.
    import os
    import socket
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "examples" / "fastapi_app.py"), "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:  # until it answers (or died, or 30 s passed)
            if proc.poll() is not None:
                output = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"the example exited with {proc.returncode}:\n{output}")
            try:
                created = httpx.post(
                    f"{base}/contracts", json={"signer_email": "a@b.example", "signer_name": "A"}
                )
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail("the example did not answer within 30 s")
                time.sleep(0.05)
        assert created.status_code == 201, created.text
        eid = created.json()["envelope_id"]
        assert httpx.get(f"{base}/contracts/{eid}").json()["envelope_id"] == eid
        assert "Envelope" in httpx.get(f"{base}/openapi.json").json()["components"]["schemas"]
    finally:
        proc.terminate()
        proc.communicate(timeout=15)
