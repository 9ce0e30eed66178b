"""Every answer body Atlas's public pages quote (``corpus/``), fed to the public API: each parses,
giving the fields it carries and None elsewhere, and each error body becomes its typed error.

A corpus file: ``source`` (where the body is quoted), ``operation`` (the SDK call that receives
it), ``status``, ``body``, then ``expect`` (the model's ``to_dict()``: what it carried, under the
contract's names) plus ``extra`` (properties the SDK keeps without knowing them), or
``expect_error`` for an error answer.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import atlas_async
from atlas_async import Atlas
from atlas_async.samples import SAMPLE_PDF

pytestmark = pytest.mark.anyio

CORPUS = Path(__file__).parent / "corpus"
ENTRIES: dict[str, dict[str, Any]] = {
    path.stem: json.loads(path.read_text(encoding="utf-8"))
    for path in sorted(CORPUS.glob("*.json"))
}
ANSWERS = [name for name, entry in ENTRIES.items() if "expect" in entry]
ERRORS = [name for name, entry in ENTRIES.items() if "expect_error" in entry]
ENVELOPE_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
FIELDS = [{"type": "signature", "page": 1, "x_pct": 0.1, "y_pct": 0.8, "w_pct": 0.3, "h_pct": 0.05}]

Call = Callable[[Atlas], Awaitable[Any]]

CALLS: dict[str, Call] = {
    "envelopes.create": lambda atlas: atlas.envelopes.create(SAMPLE_PDF),
    "envelopes.get": lambda atlas: atlas.envelopes.get(ENVELOPE_ID),
    "envelopes.status": lambda atlas: atlas.envelopes.status(ENVELOPE_ID),
    "templates.infer_fields": lambda atlas: atlas.templates.infer_fields(SAMPLE_PDF),
    "templates.upload": lambda atlas: atlas.templates.upload("NDA", SAMPLE_PDF, fields=FIELDS),
    "platform.connected_accounts.create": lambda atlas: atlas.platform.connected_accounts.create(
        "acme", name="Acme"
    ),
}


def answering(status: int, body: Any) -> Atlas:
    """A client whose every request gets this one answer (a string body is sent as text)."""

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        headers = {"X-Request-Id": "req_corpus"}
        if isinstance(body, str):
            return httpx.Response(status, text=body, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return Atlas("test_key", base_url="https://atlas.test", http_client=http, max_retries=0)


def test_the_corpus_covers_every_quoted_answer() -> None:
    # the quoted create, status, envelope, template, platform and error shapes, each with a source
    assert {entry["operation"] for entry in ENTRIES.values()} == set(CALLS)
    for name, entry in ENTRIES.items():
        assert entry["source"], name
        assert ("expect" in entry) != ("expect_error" in entry), name


@pytest.mark.parametrize("name", ANSWERS)
async def test_a_quoted_answer_parses_through_the_public_api(name: str) -> None:
    entry = ENTRIES[name]
    async with answering(entry["status"], entry["body"]) as atlas:
        result = await CALLS[entry["operation"]](atlas)
    if isinstance(result, list):  # infer_fields returns the list itself
        data: dict[str, Any] = {"fields": [item.to_dict() for item in result]}
    else:
        data = result.to_dict()
        assert atlas_async.get_request_id(result) == "req_corpus"
    # what it carried, under the contract's names; every other field None (to_dict leaves None out)
    assert data == {**entry["expect"], **entry.get("extra", {})}


@pytest.mark.parametrize("name", ERRORS)
async def test_a_quoted_error_body_becomes_its_typed_error(name: str) -> None:
    entry = ENTRIES[name]
    expected = entry["expect_error"]
    async with answering(entry["status"], entry["body"]) as atlas:
        with pytest.raises(getattr(atlas_async, expected["type"])) as info:
            await CALLS[entry["operation"]](atlas)
    error = info.value
    assert (error.status_code, error.code, error.message) == (
        entry["status"],
        expected["code"],
        expected["message"],
    )
    assert error.request_id == expected.get("request_id", "req_corpus")


async def test_the_create_table_answers_parse_whatever_2xx_they_come_with() -> None:
    # 200 where the contract says 201, and an undocumented 2xx, parse with the create model
    body = {"envelope_id": "env_abc123", "review_url": "https://atlaswork.ai/review/env_abc123"}
    for status in (200, 201, 202):
        async with answering(status, body) as atlas:
            created = await atlas.envelopes.create(SAMPLE_PDF)
        assert (created.envelope_id, created.status, created.fields_status) == (
            "env_abc123",
            None,
            None,
        )


async def test_a_create_answer_without_its_id_keeps_the_raw_body() -> None:
    async with answering(201, {"review_url": "https://atlaswork.ai/review/x?rt=1"}) as atlas:
        with pytest.raises(atlas_async.APIResponseValidationError) as info:
            await atlas.envelopes.create(SAMPLE_PDF)
    assert (info.value.field, info.value.request_id) == ("envelope_id", "req_corpus")
    assert "review_url" in (info.value.body or "")


@pytest.mark.parametrize(
    ("sign_url", "token"),
    [
        ("https://atlaswork.ai/sign/env_abc123?t=st_1", "st_1"),
        ("https://api.atlaswork.ai/api/signer/env_abc123?token=st_2", "st_2"),
        ("https://atlaswork.ai/sign/env_abc123", None),
    ],
)
async def test_a_sign_url_with_or_without_its_token(sign_url: str, token: str | None) -> None:
    progress = {"status": "pending", "sign_url": sign_url}
    async with answering(200, progress) as atlas:
        assert (await atlas.envelopes.status("env_abc123")).sign_url == sign_url
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json={"status": "declined"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with Atlas("test_key", base_url="https://atlas.test", http_client=http) as atlas:
        if token is None:
            with pytest.raises(ValueError, match="no signer token"):
                await atlas.envelopes.decline("env_abc123", reason="no", sign_url=sign_url)
            return
        declined = await atlas.envelopes.decline("env_abc123", reason="no", sign_url=sign_url)
    assert seen == [f"Bearer {token}"]
    assert (declined.envelope_id, declined.status) == ("env_abc123", "declined")
