"""openapi.json: valid OpenAPI 3.1, covers ATLAS_API.md, examples valid, assumptions marked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from openapi_spec_validator import validate

from codegen._paths import DEFAULT_ROOT
from codegen._spec import apply_patches, closed_response_enums, dump_spec, load_patches

SPEC_PATH = DEFAULT_ROOT / "openapi.json"
SPEC: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
METHODS = ("get", "post", "put", "patch", "delete")


def _operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in SPEC["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def _pointer(pointer: str) -> Any:
    node: Any = SPEC
    for part in pointer.lstrip("/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = _pointer(node["$ref"][1:])
    return node


def test_validates_as_openapi_3_1() -> None:
    assert SPEC["openapi"] == "3.1.0"
    validate(SPEC)


def test_is_stored_normalised() -> None:
    # sorted keys, 2-space indent, trailing newline: what `codegen pull` writes
    assert SPEC_PATH.read_text(encoding="utf-8") == dump_spec(SPEC)


# ---- coverage of ATLAS_API.md ---------------------------------------------------------------
# (method, path, operationId, the status codes ATLAS_API.md documents for it), transcribed from
# the endpoint tables of ATLAS_API.md.
DOCUMENTED: list[tuple[str, str, str, set[int]]] = [
    ("POST", "/api/envelope", "create_envelope", {201, 400, 401, 402, 403, 413}),
    ("GET", "/api/envelope/{id}", "get_envelope", {200, 401, 404}),
    ("GET", "/api/envelope/{id}/status", "get_envelope_status", {200, 404}),
    ("GET", "/api/envelopes", "list_envelopes", {200, 400}),
    ("POST", "/api/envelope/{id}/send", "send_envelope", {200, 400, 402, 403, 404, 409}),
    ("PATCH", "/api/envelope/{id}/fields", "update_envelope_fields", {200, 409}),
    ("POST", "/api/envelope/{id}/void", "void_envelope", {200, 409}),
    ("POST", "/api/envelope/{id}/decline", "decline_envelope", {200, 401, 409}),
    ("POST", "/api/envelope/{id}/remind", "remind_envelope", {200, 409, 429}),
    ("GET", "/api/envelope/{id}/pdf", "download_signed_pdf", {200, 302, 404, 409}),
    ("POST", "/api/templates/{id}/send", "send_template", {200, 400, 402, 404}),
    ("GET", "/api/templates", "list_templates", {200}),
    ("GET", "/api/templates/{id}", "get_template", {200}),
    ("POST", "/api/templates/infer-fields", "infer_template_fields", {200}),
    ("POST", "/api/templates/upload", "upload_template", {201}),
    ("POST", "/api/platform/connected-accounts", "create_connected_account", {200, 201, 403}),
    ("GET", "/api/platform/connected-accounts", "list_connected_accounts", {200, 403}),
    ("PATCH", "/api/platform/connected-accounts/{id}", "update_connected_account", {200, 403}),
    ("GET", "/.well-known/oauth-authorization-server", "get_oauth_metadata", {200}),
    ("POST", "/oauth/register", "register_oauth_client", {201}),
    ("GET", "/oauth/authorize", "authorize", {302}),
    ("POST", "/oauth/token", "exchange_token", {200}),
    ("POST", "/oauth/revoke", "revoke_token", {200}),
    ("GET", "/.well-known/mcp", "get_mcp_manifest", {200}),
    ("GET", "/openapi.json", "get_openapi", {200}),
]


@pytest.mark.parametrize(
    ("method", "path", "operation_id", "codes"),
    DOCUMENTED,
    ids=[f"{m} {p}" for m, p, _, _ in DOCUMENTED],
)
def test_documented_operation_is_present(
    method: str, path: str, operation_id: str, codes: set[int]
) -> None:
    op = SPEC["paths"][path][method.lower()]
    assert op["operationId"] == operation_id
    present = {int(code) for code in op["responses"] if code.isdigit()}
    assert codes <= present, f"missing {sorted(codes - present)}"


def test_no_undocumented_operations_and_unique_ids() -> None:
    ours = {(m, p) for m, p, _ in _operations()}
    assert ours == {(m, p) for m, p, _, _ in DOCUMENTED}
    ids = [op["operationId"] for _, _, op in _operations()]
    assert len(ids) == len(set(ids))


def test_tags_give_module_names() -> None:
    tags = {op["tags"][0] for _, _, op in _operations()}
    assert tags == {"envelopes", "templates", "platform", "oauth", "discovery"}
    assert all(len(op["tags"]) == 1 for _, _, op in _operations())


def _authenticated() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for method, path, op in _operations():
        if op.get("security", SPEC["security"]):
            yield method, path, op


def test_every_authenticated_operation_documents_401() -> None:
    missing = [f"{m} {p}" for m, p, op in _authenticated() if "401" not in op["responses"]]
    assert missing == []
    assert len(list(_authenticated())) == 18


def test_every_operation_that_creates_or_spends_takes_an_idempotency_key() -> None:
    # ATLAS_API.md [chosen]: every POST that creates or spends; a template upload creates one.
    spending = {
        "create_envelope",
        "send_envelope",
        "send_template",
        "create_connected_account",
        "upload_template",
    }
    for _, _, op in _operations():
        names = {_resolve(p)["name"] for p in op.get("parameters", [])}
        has_key = "Idempotency-Key" in names
        assert has_key is (op["operationId"] in spending), op["operationId"]
        if has_key:
            assert {"409", "422"} <= op["responses"].keys()
            success = next(r for c, r in op["responses"].items() if c.startswith("2"))
            assert "Idempotency-Replayed" in _resolve(success)["headers"]


def test_every_envelope_and_template_call_accepts_atlas_account() -> None:
    for _, path, op in _operations():
        if path.startswith(("/api/envelope", "/api/templates")) and op["operationId"] != (
            "decline_envelope"
        ):
            names = {_resolve(p)["name"] for p in op.get("parameters", [])}
            assert "Atlas-Account" in names, op["operationId"]


def test_atlas_account_operations_document_its_403_and_404() -> None:
    # ATLAS_API.md: a non-platform key sending Atlas-Account is 403 `platform_key_required`; an
    # unknown account is 404 on every envelope and template call (create included).
    for _, _, op in _operations():
        names = {_resolve(p)["name"] for p in op.get("parameters", [])}
        if "Atlas-Account" in names:
            missing = {"403", "404"} - op["responses"].keys()
            assert not missing, (op["operationId"], sorted(missing))


def test_every_operation_with_a_request_body_documents_400() -> None:
    # A malformed body (not JSON, a property of the wrong type) is 400 on every operation.
    missing = [
        op["operationId"]
        for _, _, op in _operations()
        if "requestBody" in op and "400" not in op["responses"]
    ]
    assert missing == []


def test_every_operation_documents_server_errors_once_as_a_5xx_range() -> None:
    # ATLAS_API.md: `internal_error` 500, and clients retry any 5xx: one shared response.
    for _, _, op in _operations():
        codes = op["responses"].keys()
        assert op["responses"].get("5XX") == {"$ref": "#/components/responses/ServerError"}
        assert not [c for c in codes if c.startswith("5") and c != "5XX"], op["operationId"]
    server_error = SPEC["components"]["responses"]["ServerError"]
    media = server_error["content"]["application/json"]
    assert media["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert list(server_error["content"]) == ["application/json"]  # see tests/wire: proxy pages
    assert {"X-Request-Id", "Retry-After"} <= server_error["headers"].keys()


def test_links_name_real_operations_and_fill_their_path_parameters() -> None:
    by_id = {op["operationId"]: (path, op) for _, path, op in _operations()}
    seen = 0
    for _, _, op in _operations():
        for code, response in op["responses"].items():
            for name, link in _resolve(response).get("links", {}).items():
                target_path, target = by_id[link["operationId"]]
                params = SPEC["paths"][target_path].get("parameters", []) + target.get(
                    "parameters", []
                )
                in_path = {_resolve(p)["name"] for p in params if _resolve(p)["in"] == "path"}
                assert set(link["parameters"]) == in_path, (op["operationId"], code, name)
                for expression in link["parameters"].values():
                    pointer = expression.removeprefix("$response.body#/")
                    schema = _resolve(_resolve(response)["content"]["application/json"]["schema"])
                    assert pointer in schema["properties"], (op["operationId"], name)
                seen += 1
    assert seen >= 7  # at least the create answer's links to every operation on the envelope


def test_rest_responses_carry_x_request_id_and_429_carries_retry_after() -> None:
    for _, path, op in _operations():
        if not path.startswith("/api/"):
            continue
        for code, response in op["responses"].items():
            headers = _resolve(response).get("headers", {})
            assert "X-Request-Id" in headers, (op["operationId"], code)
            if code == "429":
                assert "Retry-After" in headers


def test_create_envelope_takes_all_three_transports_on_one_operation() -> None:
    body = SPEC["paths"]["/api/envelope"]["post"]["requestBody"]
    assert body["required"] is True
    content = body["content"]
    assert set(content) == {"multipart/form-data", "application/json"}
    multipart = _resolve(content["multipart/form-data"]["schema"])
    assert multipart["properties"]["file"]["format"] == "binary"
    assert {"file", "parties", "metadata", "webhook_url", "auto_send"} <= set(
        multipart["properties"]
    )
    variants = [_resolve(v) for v in content["application/json"]["schema"]["oneOf"]]
    assert [v["required"] for v in variants] == [["document"], ["document_url"]]


def test_signed_pdf_is_application_pdf_or_a_redirect() -> None:
    responses = SPEC["paths"]["/api/envelope/{id}/pdf"]["get"]["responses"]
    assert "application/pdf" in responses["200"]["content"]
    assert "Location" in responses["302"]["headers"]


def test_security_schemes() -> None:
    schemes = SPEC["components"]["securitySchemes"]
    assert schemes["apiKey"] == {**schemes["apiKey"], "type": "http", "scheme": "bearer"}
    flow = schemes["oauth2"]["flows"]["authorizationCode"]
    assert flow["tokenUrl"].endswith("/oauth/token")
    assert flow["authorizationUrl"].endswith("/oauth/authorize")
    decline = SPEC["paths"]["/api/envelope/{id}/decline"]["post"]
    assert decline["security"] == [{"signerToken": []}]
    token_body = SPEC["paths"]["/oauth/token"]["post"]["requestBody"]["content"]
    assert list(token_body) == ["application/x-www-form-urlencoded"]


def test_error_body_shape_and_fields_version_conflict() -> None:
    body = SPEC["components"]["schemas"]["ErrorBody"]
    assert set(body["required"]) == {"error", "request_id"}
    assert "current_fields_version" in body["properties"]
    assert _resolve(body["properties"]["error"])["required"] == ["code", "message"]
    send_409 = SPEC["paths"]["/api/envelope/{id}/send"]["post"]["responses"]["409"]
    examples = send_409["content"]["application/json"]["examples"]
    assert examples["fields_version_conflict"]["value"]["current_fields_version"] == 3


EVENTS = {
    "envelope.created": "EnvelopeCreatedEvent",
    "envelope.sent": "EnvelopeSentEvent",
    "envelope.viewed": "EnvelopeViewedEvent",
    "envelope.signed": "EnvelopeSignedEvent",
    "envelope.declined": "EnvelopeDeclinedEvent",
    "envelope.voided": "EnvelopeVoidedEvent",
    "contract.extracted": "ContractExtractedEvent",
}


def test_webhooks_section_has_one_schema_per_event_with_a_const_type() -> None:
    assert set(SPEC["webhooks"]) == set(EVENTS)
    for event, name in EVENTS.items():
        body = SPEC["webhooks"][event]["post"]["requestBody"]["content"]["application/json"]
        assert body["schema"] == {"$ref": f"#/components/schemas/{name}"}
        schema = SPEC["components"]["schemas"][name]
        assert schema["properties"]["type"]["const"] == event
        assert {"event_id", "type", "created_at", "envelope_id", "data"} <= set(schema["required"])


# ---- the [chosen] points of ATLAS_API.md -------------------------------------------------------
CHOSEN = [
    "/components/securitySchemes/oauth2",  # an OAuth access token is a Bearer for REST too
    "/components/parameters/IdempotencyKey",  # on all POSTs that create or spend
    "/components/headers/Idempotency-Replayed",
    "/components/responses/UnprocessableEntity",  # 422 idempotency_key_reused
    "/components/parameters/AtlasAccount",  # 403 platform_key_required, 404 unknown account
    "/components/schemas/CreateEnvelopeResponse",
    "/paths/~1api~1envelope/post/responses/201",
    "/components/responses/PayloadTooLarge",  # 25 MB
    "/components/schemas/EnvelopeStatus",  # draft/signed/voided names
    "/components/parameters/Limit",
    "/components/parameters/Cursor",
    "/components/schemas/EnvelopeList",
    "/paths/~1api~1envelopes/get/responses/200",
    "/paths/~1api~1envelope~1{id}~1send/post/responses/200",  # 200 Envelope after dispatch
    "/components/schemas/FieldsResponse",
    "/paths/~1api~1envelope~1{id}~1fields/patch/responses/200",
    "/paths/~1api~1envelope~1{id}~1void/post/responses/200",
    "/components/schemas/Envelope/properties/credit_refunded",
    "/components/schemas/RemindResponse",
    "/paths/~1api~1envelope~1{id}~1remind/post/responses/200",
    "/components/schemas/TemplateSendRequest/properties/auto_send",  # default true
    "/paths/~1api~1templates/get",
    "/components/schemas/TemplateList",
    "/paths/~1api~1platform~1connected-accounts/post/responses/200",  # 200 on a repeat
    "/paths/~1api~1platform~1connected-accounts/get",
    "/components/schemas/ConnectedAccountList",
    "/components/schemas/Error",
    "/components/schemas/ErrorBody",
    "/components/responses/ServerError",  # 5XX: internal_error in the ErrorBody shape
    "/components/schemas/OAuthServerMetadata",
    *(f"/components/schemas/{name}" for name in EVENTS.values()),
]


@pytest.mark.parametrize("pointer", CHOSEN)
def test_chosen_point_carries_x_atlas_assumption(pointer: str) -> None:
    assert _pointer(pointer).get("x-atlas-assumption") is True


def test_assumption_marker_is_only_ever_true() -> None:
    text = SPEC_PATH.read_text(encoding="utf-8")
    assert text.count('"x-atlas-assumption": true') >= len(CHOSEN)
    assert '"x-atlas-assumption": false' not in text


# ---- examples ---------------------------------------------------------------------------------
def _examples() -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example) for schema-level `examples` and media-type `examples`."""
    for name, schema in SPEC["components"]["schemas"].items():
        for i, example in enumerate(schema.get("examples", [])):
            yield f"{name}[{i}]", {"$ref": f"#/components/schemas/{name}"}, example
    for method, path, op in _operations():
        for code, response in op["responses"].items():
            for media, body in _resolve(response).get("content", {}).items():
                for key, example in body.get("examples", {}).items():
                    where = f"{method} {path} {code} {media} {key}"
                    yield where, body["schema"], example["value"]


EXAMPLES = list(_examples())


def test_main_schemas_have_examples() -> None:
    named = {where.split("[")[0] for where, _, _ in EXAMPLES}
    for name in ("Envelope", "EnvelopeSummary", "EnvelopeList", "EnvelopeProgress", "Party"):
        assert name in named
    assert len(EXAMPLES) >= 50


@pytest.mark.parametrize(("where", "schema", "example"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_example_validates_against_its_schema(
    where: str, schema: dict[str, Any], example: Any
) -> None:
    root = {**schema, "components": SPEC["components"]}
    validator = jsonschema.Draft202012Validator(
        root, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(example)]
    assert errors == [], where


def _types(schema: dict[str, Any]) -> set[str]:
    kind = _resolve(schema).get("type", "any")
    return set(kind) if isinstance(kind, list) else {kind}


def test_fields_read_from_a_get_can_be_patched_straight_back() -> None:
    # Every Field property FieldInput also declares must accept whatever a GET returns in it
    # (a null `label` included); `value` and the rest travel as additional properties.
    schemas = SPEC["components"]["schemas"]
    read, write = schemas["Field"]["properties"], schemas["FieldInput"]["properties"]
    narrower = {
        name: sorted(_types(read[name]) - _types(write[name]))
        for name in read.keys() & write.keys()
        if not _types(read[name]) <= _types(write[name])
    }
    assert narrower == {}
    example = {**schemas["Field"]["examples"][0], "label": None}
    root = {"$ref": "#/components/schemas/FieldInput", "components": SPEC["components"]}
    assert list(jsonschema.Draft202012Validator(root).iter_errors(example)) == []


def test_an_invalid_example_would_be_caught() -> None:
    # guards the test above against validating nothing (e.g. a ref that resolves to `{}`)
    root = {"$ref": "#/components/schemas/Envelope", "components": SPEC["components"]}
    validator = jsonschema.Draft202012Validator(root)
    bad = {**SPEC["components"]["schemas"]["Envelope"]["examples"][0], "fields_version": "2"}
    assert not validator.is_valid(bad)


# ---- open enums -------------------------------------------------------------------------------
def test_contract_enums_are_closed_but_the_generated_ones_are_open() -> None:
    closed = closed_response_enums(SPEC)
    assert "/components/schemas/EnvelopeStatus" in closed
    patched = apply_patches(SPEC, load_patches(DEFAULT_ROOT / "overrides" / "patches"))
    assert closed_response_enums(patched) == []
    status = patched["components"]["schemas"]["EnvelopeStatus"]
    assert status["x-known-values"] == ["draft", "pending", "signed", "declined", "voided"]
