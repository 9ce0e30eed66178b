"""The generated layer: every module imports, and calls round-trip models over httpx.MockTransport.

These pin the traps neutralised at the codegen layer: the PDF response comes back as a File,
the multi-body create requires its body, event variants are told apart by their const type, and
an enum value the server adds later parses instead of crashing.
"""

from __future__ import annotations

import datetime
import email.parser
import importlib
import inspect
import io
import json
import pkgutil
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import atlas_async._generated as generated
from atlas_async._generated import AuthenticatedClient, models
from atlas_async._generated.api.discovery import get_mcp_manifest
from atlas_async._generated.api.envelopes import (
    create_envelope,
    download_signed_pdf,
    get_envelope,
    list_envelopes,
    send_envelope,
)
from atlas_async._generated.api.oauth import exchange_token
from atlas_async._generated.api.templates import upload_template
from atlas_async._generated.types import UNSET, File

SPEC: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "openapi.json").read_text(encoding="utf-8")
)
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
ENVELOPE: dict[str, Any] = SCHEMAS["Envelope"]["examples"][0]
BASE = "https://atlas.test"

Handler = Callable[[httpx.Request], httpx.Response]


def _modules() -> Iterator[str]:
    for info in pkgutil.walk_packages(generated.__path__, generated.__name__ + "."):
        yield info.name


def test_every_generated_module_imports() -> None:
    names = list(_modules())
    for name in names:
        importlib.import_module(name)
    endpoints = [n for n in names if ".api." in n and not n.endswith("__init__")]
    operation_ids = {n.rsplit(".", 1)[1] for n in endpoints if n.count(".") == 4}
    expected = {
        op["operationId"]
        for item in SPEC["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert operation_ids == expected


class Recorder:
    """A MockTransport handler that records requests and answers with a canned response."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        request.read()
        return self.response

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


def _client(recorder: Recorder) -> AuthenticatedClient:
    # The hand-written layer hands its own httpx client over in the same way.
    client = AuthenticatedClient(base_url=BASE, token="test_key")
    http = httpx.AsyncClient(
        base_url=BASE,
        transport=httpx.MockTransport(recorder),
        headers={"Authorization": "Bearer test_key"},
    )
    return client.set_async_httpx_client(http)


def _json(status: int, body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers={"X-Request-Id": "req_1", **headers})


def _iso_z(value: Any) -> Any:
    """The example as to_dict() writes it back: RFC 3339 `Z` as `+00:00` (isoformat()), and
    null fields left out (a model's None field is not written)."""
    if isinstance(value, dict):
        return {k: _iso_z(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_iso_z(v) for v in value]
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", value):
        return value[:-1] + "+00:00"
    return value


def _multipart_parts(request: httpx.Request) -> dict[str, tuple[str | None, bytes]]:
    header = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = email.parser.BytesParser().parsebytes(header + request.content)
    assert message.is_multipart()
    parts: dict[str, tuple[str | None, bytes]] = {}
    for part in message.get_payload():  # type: ignore[union-attr]
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        parts[str(name)] = (part.get_filename(), payload)
    return parts


PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.mark.anyio
async def test_multipart_create_sends_file_and_form_fields() -> None:
    answer = SCHEMAS["CreateEnvelopeResponse"]["examples"][0]
    recorder = Recorder(_json(201, answer))
    parties = [{"email": "jane@example.com", "name": "Jane Doe", "role": "Customer"}]
    body = models.CreateEnvelopeMultipart(
        file=File(payload=io.BytesIO(PDF), file_name="contract.pdf"),
        parties=json.dumps(parties),
        metadata=json.dumps({"external_id": "crm-1"}),
        auto_send="false",
    )
    async with _client(recorder) as client:
        response = await create_envelope.asyncio_detailed(
            client=client, body=body, idempotency_key="idem-1", atlas_account="ext_acme"
        )

    request = recorder.last
    assert (request.method, request.url.path) == ("POST", "/api/envelope")
    assert request.headers["idempotency-key"] == "idem-1"
    assert request.headers["atlas-account"] == "ext_acme"
    assert request.headers["authorization"] == "Bearer test_key"
    parts = _multipart_parts(request)
    assert parts["file"] == ("contract.pdf", PDF)
    assert json.loads(parts["parties"][1]) == parties
    assert json.loads(parts["metadata"][1]) == {"external_id": "crm-1"}
    assert parts["auto_send"][1] == b"false"
    assert "webhook_url" not in parts

    assert response.status_code == 201
    parsed = response.parsed
    assert isinstance(parsed, models.CreateEnvelopeResponse)
    assert parsed.to_dict() == answer


MULTIPART_PATHS = ["/api/envelope", "/api/templates/upload", "/api/templates/infer-fields"]


@pytest.mark.parametrize("path", MULTIPART_PATHS)
def test_multipart_parts_go_out_as_the_contract_declares_them(path: str) -> None:
    # The generated code sends every non-file part as a text/plain form field; the contract must
    # say so (no `encoding` claiming application/json for a field that carries a JSON string).
    media = SPEC["paths"][path]["post"]["requestBody"]["content"]["multipart/form-data"]
    name = media["schema"]["$ref"].rsplit("/", 1)[1]
    properties = SCHEMAS[name]["properties"]
    texts = [p for p, s in properties.items() if s.get("format") != "binary"]
    values: dict[str, Any] = {p: "[]" for p in texts}
    values |= {p: File(payload=io.BytesIO(PDF)) for p in properties.keys() - set(texts)}
    sent = {part: spec[2] for part, spec in getattr(models, name)(**values).to_multipart()}
    declared = {
        p: media.get("encoding", {}).get(p, {}).get("contentType", "text/plain") for p in texts
    }
    assert {p: sent[p] for p in texts} == declared


@pytest.mark.anyio
async def test_json_create_from_url_and_the_body_is_required() -> None:
    answer = SCHEMAS["CreateEnvelopeResponse"]["examples"][0]
    recorder = Recorder(_json(201, answer))
    async with _client(recorder) as client:
        result = await create_envelope.asyncio(
            client=client,
            body=models.CreateEnvelopeFromUrl(
                document_url="https://files.example.com/msa.pdf", auto_send=False
            ),
        )
    assert isinstance(result, models.CreateEnvelopeResponse)
    assert recorder.last.headers["content-type"] == "application/json"
    assert json.loads(recorder.last.content) == {
        "document_url": "https://files.example.com/msa.pdf",
        "auto_send": False,
    }
    # the multi-body `required` bug (codegen-notes trap 2) is fixed by the template override
    param = inspect.signature(create_envelope.asyncio_detailed).parameters["body"]
    assert param.default is inspect.Parameter.empty
    assert "Unset" not in str(param.annotation)


@pytest.mark.anyio
async def test_send_round_trips_the_envelope_model() -> None:
    recorder = Recorder(_json(200, ENVELOPE, **{"Idempotency-Replayed": "true"}))
    async with _client(recorder) as client:
        response = await send_envelope.asyncio_detailed(
            "7c9e6679-7425-40de-944b-e07fc1f90ae7",
            client=client,
            body=models.SendEnvelopeRequest(fields_version=2),
            idempotency_key="send-7c9e-2",
        )
    assert recorder.last.url.path == "/api/envelope/7c9e6679-7425-40de-944b-e07fc1f90ae7/send"
    assert json.loads(recorder.last.content) == {"fields_version": 2}
    assert response.headers["idempotency-replayed"] == "true"
    envelope = response.parsed
    assert isinstance(envelope, models.Envelope)
    assert envelope.status == "pending"
    assert envelope.parties[0].sign_url is not None
    assert envelope.parties[1].sign_url is None
    assert envelope.sent_at == datetime.datetime(2026, 3, 2, 15, 41, 22, tzinfo=datetime.UTC)
    assert envelope.fields[0].type_ == "signature"
    assert envelope.to_dict() == _iso_z(ENVELOPE)


@pytest.mark.anyio
async def test_documented_error_parses_with_current_fields_version() -> None:
    conflict = {
        "error": {"code": "fields_version_conflict", "message": "stale"},
        "request_id": "req_9",
        "current_fields_version": 3,
    }
    recorder = Recorder(_json(409, conflict))
    async with _client(recorder) as client:
        response = await send_envelope.asyncio_detailed(
            "env-1", client=client, body=models.SendEnvelopeRequest(fields_version=2)
        )
    error = response.parsed
    assert isinstance(error, models.ErrorBody)  # returned, not raised: the client layer raises
    assert (error.error.code, error.current_fields_version) == ("fields_version_conflict", 3)


@pytest.mark.parametrize("status", [500, 502, 503])
@pytest.mark.anyio
async def test_a_server_error_parses_as_the_documented_5xx_error_body(status: int) -> None:
    # Every operation documents `5XX` (one shared ServerError response): the generator turns the
    # range into `500 <= status <= 599` and parses the ErrorBody, on discovery calls too.
    body = {"error": {"code": "internal_error", "message": "boom"}, "request_id": "req_5"}
    recorder = Recorder(_json(status, body))
    async with _client(recorder) as client:
        envelope = await get_envelope.asyncio_detailed("env-1", client=client)
        manifest = await get_mcp_manifest.asyncio_detailed(client=client)
    for response in (envelope, manifest):
        assert isinstance(response.parsed, models.ErrorBody)
        assert response.parsed.error.code == "internal_error"


@pytest.mark.anyio
async def test_signed_pdf_download_comes_back_as_a_file() -> None:
    recorder = Recorder(
        httpx.Response(200, content=PDF, headers={"Content-Type": "application/pdf"})
    )
    async with _client(recorder) as client:
        result = await download_signed_pdf.asyncio("env/1", client=client)
    assert recorder.last.url.raw_path == b"/api/envelope/env%2F1/pdf"  # path params are quoted
    assert isinstance(result, File)
    assert result.payload.read() == PDF


@pytest.mark.anyio
async def test_an_unknown_enum_value_parses_instead_of_crashing() -> None:
    future = {
        **ENVELOPE,
        "status": "archived",
        "fields_status": "quarantined",
        "parties": [{**ENVELOPE["parties"][0], "status": "delegated"}],
        "fields": [{**ENVELOPE["fields"][0], "type": "stamp"}],
        "brand_new_field": {"x": 1},
    }
    recorder = Recorder(_json(200, future))
    async with _client(recorder) as client:
        envelope = await get_envelope.asyncio("env-1", client=client)
    assert isinstance(envelope, models.Envelope)
    assert (envelope.status, envelope.fields_status) == ("archived", "quarantined")
    assert envelope.parties[0].status == "delegated"
    assert envelope.fields[0].type_ == "stamp"
    assert envelope.additional_properties == {"brand_new_field": {"x": 1}}
    assert envelope.to_dict() == _iso_z(future)


def test_a_parsed_model_keeps_no_emptied_copy_of_its_answer() -> None:
    # from_dict pops each known key from a copy of the answer; emptied, the copy keeps the table
    # it was made with (464 bytes for an envelope), so a model holding on to it would carry that
    # for nothing, once per nested model.
    assert ENVELOPE["fields"]
    assert ENVELOPE["parties"]
    envelope = models.Envelope.from_dict(ENVELOPE)
    parsed = [envelope, *envelope.fields, *envelope.parties]
    assert all(model.additional_properties == {} for model in parsed)
    assert all(sys.getsizeof(model.additional_properties) == sys.getsizeof({}) for model in parsed)
    # Each model's extras are still its own.
    envelope.additional_properties["note"] = "x"
    assert all(model.additional_properties == {} for model in parsed[1:])
    assert models.Envelope.from_dict(ENVELOPE).additional_properties == {}


@pytest.mark.anyio
async def test_list_sends_its_query_and_parses_the_page() -> None:
    page = SCHEMAS["EnvelopeList"]["examples"][0]
    recorder = Recorder(_json(200, page))
    async with _client(recorder) as client:
        result = await list_envelopes.asyncio(
            client=client, status="pending", limit=50, cursor="cur_1", external_id="crm-1"
        )
    assert dict(recorder.last.url.params) == {
        "status": "pending",
        "limit": "50",
        "cursor": "cur_1",
        "external_id": "crm-1",
    }
    assert isinstance(result, models.EnvelopeList)
    assert result.next_cursor == page["next_cursor"]
    assert result.items[0].envelope_id == page["items"][0]["envelope_id"]


@pytest.mark.anyio
async def test_list_sends_no_default_limit() -> None:
    recorder = Recorder(_json(200, {"items": [], "next_cursor": None}))
    async with _client(recorder) as client:
        result = await list_envelopes.asyncio(client=client)
    assert dict(recorder.last.url.params) == {}  # the server's default applies
    assert isinstance(result, models.EnvelopeList)
    assert result.next_cursor is None


@pytest.mark.anyio
async def test_template_upload_is_multipart_with_a_json_fields_part() -> None:
    answer = SCHEMAS["UploadTemplateResponse"]["examples"][0]
    recorder = Recorder(_json(201, answer))
    fields = [
        {"type": "signature", "page": 1, "x_pct": 0.1, "y_pct": 0.8, "w_pct": 0.3, "h_pct": 0.05}
    ]
    async with _client(recorder) as client:
        result = await upload_template.asyncio(
            client=client,
            body=models.UploadTemplateMultipart(
                name="Mutual NDA",
                file=File(payload=__import__("io").BytesIO(PDF), file_name="nda.pdf"),
                fields=json.dumps(fields),
            ),
        )
    parts = _multipart_parts(recorder.last)
    assert parts["name"][1] == b"Mutual NDA"
    assert json.loads(parts["fields"][1]) == fields
    assert isinstance(result, models.UploadTemplateResponse)
    assert result.template.template_id == "tmpl_8f3a2c"


@pytest.mark.anyio
async def test_token_exchange_is_form_encoded() -> None:
    answer = SCHEMAS["OAuthTokenResponse"]["examples"][0]
    recorder = Recorder(_json(200, answer))
    request_body = SCHEMAS["OAuthTokenRequest"]["examples"][0]
    async with _client(recorder) as client:
        result = await exchange_token.asyncio(
            client=client, body=models.OAuthTokenRequest.from_dict(request_body)
        )
    assert recorder.last.headers["content-type"] == "application/x-www-form-urlencoded"
    assert dict(httpx.QueryParams(recorder.last.content.decode())) == request_body
    assert isinstance(result, models.OAuthTokenResponse)
    assert result.to_dict() == answer


EVENT_MODELS = {
    "envelope.created": models.EnvelopeCreatedEvent,
    "envelope.sent": models.EnvelopeSentEvent,
    "envelope.viewed": models.EnvelopeViewedEvent,
    "envelope.signed": models.EnvelopeSignedEvent,
    "envelope.declined": models.EnvelopeDeclinedEvent,
    "envelope.voided": models.EnvelopeVoidedEvent,
    "contract.extracted": models.ContractExtractedEvent,
}


@pytest.mark.parametrize("event_type", sorted(EVENT_MODELS))
def test_event_payload_round_trips_and_variants_are_told_apart(event_type: str) -> None:
    model = EVENT_MODELS[event_type]
    payload = SCHEMAS[model.__name__]["examples"][0]
    event = model.from_dict(payload)
    assert event.type_ == event_type
    assert event.to_dict() == _iso_z(payload)
    # the const `type` makes every other variant refuse this payload (a generated union tries
    # variants in order and moves on after exactly these exceptions)
    for other_type, other in EVENT_MODELS.items():
        if other_type != event_type:
            with pytest.raises((ValueError, KeyError)):
                other.from_dict(payload)
            same_shape = {**payload, "type": other_type}
            if "contract" not in other_type + event_type:
                assert other.from_dict(same_shape).type_ == other_type


# Schemas whose class the generator renames (overrides/config.yaml class_overrides).
CLASS_NAMES = {"Party": "EnvelopeParty", "PartyInput": "Party"}


def _examples() -> Iterator[tuple[str, Any]]:
    for schema_name, schema in SCHEMAS.items():
        name = CLASS_NAMES.get(schema_name, schema_name)
        for example in schema.get("examples", []):
            if schema.get("type") == "object" and hasattr(models, name):
                yield name, example


@pytest.mark.parametrize(("name", "example"), list(_examples()), ids=lambda v: str(v)[:30])
def test_every_schema_example_round_trips_through_its_model(name: str, example: Any) -> None:
    model = getattr(models, name)
    assert model.from_dict(example).to_dict() == _iso_z(example)


def test_an_optional_field_defaults_to_none_and_stays_off_the_wire() -> None:
    party = models.Party(email="a@b.example", name="A", role="Signer")
    assert party.order is None
    assert party.to_dict() == {"email": "a@b.example", "name": "A", "role": "Signer"}
    assert models.Party(email="a@b.example", name="A", role="Signer", order=2)["order"] == 2
    # Unset is left to the endpoint functions' optional arguments; no model field uses it.
    for name in models.__all__:
        fields = getattr(getattr(models, name), "__attrs_attrs__", ())
        assert not [f.name for f in fields if "Unset" in str(f.type)], name
    assert not UNSET


# The client layer re-exports these generated classes: renaming one is a breaking change.
PUBLIC_MODELS = [
    "Envelope",
    "EnvelopeSummary",
    "EnvelopeList",
    "EnvelopeProgress",
    "Party",
    "EnvelopeParty",
    "Field",
    "FieldInput",
    "FieldsUpdate",
    "FieldsResponse",
    "SendEnvelopeRequest",
    "CreateEnvelopeResponse",
    "CreateEnvelopeFromDocument",
    "CreateEnvelopeFromUrl",
    "CreateEnvelopeMultipart",
    "VoidRequest",
    "DeclineRequest",
    "RemindResponse",
    "Template",
    "TemplateList",
    "TemplateSendRequest",
    "TemplateSendResponse",
    "InferredField",
    "InferFieldsResponse",
    "UploadTemplateMultipart",
    "UploadTemplateResponse",
    "ConnectedAccount",
    "ConnectedAccountCreate",
    "ConnectedAccountCreateResponse",
    "ConnectedAccountList",
    "ConnectedAccountUpdate",
    "ErrorBody",
    "Error",
    "EnvelopeCreatedEvent",
    "EnvelopeSentEvent",
    "EnvelopeViewedEvent",
    "EnvelopeSignedEvent",
    "EnvelopeDeclinedEvent",
    "EnvelopeVoidedEvent",
    "ContractExtractedEvent",
    "ContractExtract",
    "Metadata",
    "OAuthServerMetadata",
    "OAuthClientRegistrationRequest",
    "OAuthClientRegistration",
    "OAuthTokenRequest",
    "OAuthTokenResponse",
    "OAuthRevokeRequest",
    "OAuthError",
    "McpManifest",
]


@pytest.mark.parametrize("name", PUBLIC_MODELS)
def test_public_model_names_are_stable(name: str) -> None:
    model = getattr(models, name)
    assert callable(model.from_dict)
    assert name in models.__all__


def test_open_enums_are_plain_strings_in_the_models() -> None:
    # no enum module is generated for a response enum: the client layer owns the constants
    for gone in ("EnvelopeStatus", "FieldsStatus", "PartyStatus", "FieldType", "BillingMode"):
        assert not hasattr(models, gone)
