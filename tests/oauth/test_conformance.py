"""The emulator's authorization server against openapi.json, with schemathesis, in process.

The emulator's own conformance suite leaves the OAuth paths to this one. Every check: no server
errors, only documented statuses and content types, response bodies match their schemas, invalid
requests rejected with a 4xx.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from starlette.applications import Starlette

from atlas_async.testing._oauth_server import OAuthServer

SPEC = Path(__file__).resolve().parents[2] / "openapi.json"
SERVER = OAuthServer(consent_org_id="org_conformance")

# Schema-valid requests still name an unknown client, code or token: RFC 6749 answers 400/401.
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "3xx", "400", "401"]}}}
)
schema = schemathesis.openapi.from_path(SPEC, config=CONFIG)
schema.app = Starlette(routes=SERVER.routes())

SETTINGS: Any = settings(
    max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)


@schema.include(path_regex="^/oauth/|oauth-authorization-server").parametrize()
@SETTINGS
def test_oauth_operation_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate()
