"""The generated client's traps, each neutralised by the seam it sends through: spec defaults
are not sent unless chosen, ``with_headers`` never touches the shared client, and the endpoints
use nothing but ``request``."""

from __future__ import annotations

import json

import pytest

import atlas_async

from .._support.http import httpx
from .._support.mock_api import ENV_ID, Recorder, envelope_json, make

pytestmark = pytest.mark.anyio


async def test_spec_defaults_are_not_sent_unless_chosen() -> None:
    rec = Recorder(
        httpx.Response(200, json={"envelope_id": ENV_ID, "status": "pending"}),
    )
    atlas = make(rec)
    party = {"email": "a@x.io", "name": "A", "role": "r"}
    await atlas.templates.send("tmpl_1", parties=[party])
    await atlas.templates.send("tmpl_1", parties=[party], auto_send=False)
    default, chosen = (json.loads(r.content) for r in rec.requests)
    assert "auto_send" not in default  # the model's default (True) stays the server's decision
    assert chosen["auto_send"] is False


async def test_generated_with_headers_is_never_used_so_the_shared_client_stays_clean() -> None:
    rec = Recorder(httpx.Response(200, json=envelope_json()))
    atlas = make(rec)
    http = atlas._transport.http
    before = dict(http.headers)
    await atlas.for_account("ext_acme").with_options(timeout=3).envelopes.get(ENV_ID)
    assert dict(http.headers) == before
    assert http.timeout == httpx.Timeout(5.0)  # the user's client's own default, untouched


def test_generated_endpoints_only_use_request_on_the_seam() -> None:
    """The seam implements only ``request(**kwargs)``: a regeneration that starts calling
    anything else on the async httpx client must fail here, not in production."""
    import re
    from pathlib import Path

    api = Path(atlas_async.__file__).parent / "_generated" / "api"
    uses = set()
    for module in api.rglob("*.py"):
        uses.update(re.findall(r"get_async_httpx_client\(\)\.(\w+)", module.read_text()))
    assert uses == {"request"}
