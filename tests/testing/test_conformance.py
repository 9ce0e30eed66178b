"""The emulator against openapi.json, with schemathesis, in process (no sockets).

Per operation (examples, coverage and fuzzing phases) and stateful (schemathesis chains create ->
send -> get ... through the OpenAPI links that openapi.json declares on the create and send
answers). Every check: no server errors, responses match their schemas, only documented status
codes and headers, auth enforced. State is reset per scenario.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from atlas_async.testing import FakeAtlas

from .conftest import PDF


async def _any_url_is_a_pdf(url: str) -> bytes:
    return PDF


SPEC = Path(__file__).resolve().parents[2] / "openapi.json"
FAKE = FakeAtlas(detection_delay=0.0, initial_credits=1000, fetcher=_any_url_is_a_pdf)
# A platform key may call every operation (envelope rows land on the platform org itself).
PLATFORM = FAKE.create_org(platform=True)
assert PLATFORM.platform_key is not None
AUTH = {"Authorization": f"Bearer {PLATFORM.platform_key}"}

# A schema cannot say "these bytes must be a PDF or a DOCX" or "roles must match the template's":
# Atlas answers such schema-valid requests with 400 (and 413 for size), as ATLAS_API.md requires.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "413", "429"]
            }
        }
    }
)
schema = schemathesis.openapi.from_path(SPEC, config=CONFIG)
schema.app = FAKE.app

# `make test` keeps this small (well under a minute); raise it for a deeper run:
# ATLAS_CONFORMANCE_EXAMPLES=200 pytest tests/testing/test_conformance.py
EXAMPLES = int(os.environ.get("ATLAS_CONFORMANCE_EXAMPLES", "8"))
SETTINGS: Any = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)


# OAuth operations share no state with envelopes: checked per operation, kept out of the
# stateful scenarios (where they would only spend steps).
OAUTH = "/oauth/"


def _validate(case: schemathesis.Case) -> None:
    FAKE.reset()  # each example starts from a clean emulator (idempotency keys, envelopes)
    response = case.call(headers=AUTH)
    case.validate_response(response, headers=AUTH)


@schema.parametrize()
@SETTINGS
def test_operation_conforms(case: schemathesis.Case) -> None:
    _validate(case)


TEMPLATE_FIELDS = [
    {
        "type": "signature",
        "page": 1,
        "x_pct": 0.1,
        "y_pct": 0.8,
        "w_pct": 0.3,
        "h_pct": 0.05,
        "party_order": 1,
        "role": "Customer",
    }
]


# Within one scenario the same generated Idempotency-Key can come back with another body: the
# documented answer is 422 idempotency_key_reused, a rejection of schema-valid data by design.
STATEFUL_CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"mode": "positive"},
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": [
                    "2xx",
                    "3xx",
                    "400",
                    "401",
                    "403",
                    "404",
                    "409",
                    "413",
                    "422",
                    "429",
                ]
            }
        },
    }
)
stateful_schema = schemathesis.openapi.from_path(SPEC, config=STATEFUL_CONFIG)
stateful_schema.app = FAKE.app
stateful_schema = stateful_schema.exclude(path_regex=OAUTH)
# schemathesis reads `metadata.external_id` as a foreign key to an "External" resource nothing
# produces, and so never starts a scenario with POST /api/envelope. It is free-form metadata:
# drop that inferred input so creates are scenario roots.
stateful_schema.analysis.dependency_graph.operations["POST /api/envelope"].inputs.clear()


class EmulatorWorkflow(stateful_schema.as_state_machine()):  # type: ignore[misc]
    """Stateful: schemathesis chains create -> get/send/void/... through the spec's links."""

    def setup(self) -> None:
        FAKE.reset()  # leaking state across scenarios makes the generated links inconsistent

    def before_call(self, case: schemathesis.Case) -> None:
        # Account scoping is tested on its own; a random Atlas-Account turns every step into 404.
        if case.headers:
            case.headers.pop("Atlas-Account", None)
        # Random bytes are never a PDF (400): give creates a real document so scenarios go on.
        if isinstance(case.body, dict):
            if "document" in case.body:
                case.body["document"] = base64.b64encode(PDF).decode()
            if "file" in case.body:
                case.body["file"] = PDF
            if case.operation.path == "/api/templates/upload":
                case.body["fields"] = json.dumps(TEMPLATE_FIELDS)

    def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
        return {"headers": AUTH}


EmulatorWorkflow.TestCase.settings = settings(
    max_examples=3 * EXAMPLES,
    stateful_step_count=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
TestEmulatorWorkflow = EmulatorWorkflow.TestCase


def test_stateful_phase_follows_the_links_the_spec_declares() -> None:
    # The links live in openapi.json (not added here): each one from the create answer becomes a
    # state-machine rule that calls its target with the created envelope's id.
    raw = json.loads(SPEC.read_text())
    links = raw["paths"]["/api/envelope"]["post"]["responses"]["201"].get("links", {})
    assert {link["operationId"] for link in links.values()} == {
        "get_envelope",
        "get_envelope_status",
        "send_envelope",
        "update_envelope_fields",
        "void_envelope",
        "remind_envelope",
        "download_signed_pdf",
    }
    assert all(
        link["parameters"] == {"id": "$response.body#/envelope_id"} for link in links.values()
    )
    rules = [name for name in dir(EmulatorWorkflow) if name.startswith("POST_api_envelope___201_")]
    missing = [
        n for n in links if not any(r.startswith(f"POST_api_envelope___201_{n}__") for r in rules)
    ]
    assert missing == []
