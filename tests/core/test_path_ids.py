"""Ids that go into a URL path stay exactly one segment, for every operation that takes one.

The operations are found by introspection (every public method of every resource whose first
parameter is an id), so a new operation is covered the day it is added; one that needs more
arguments than an id must be given them in ``EXTRA`` below, or this test says so.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest

from atlas_async import Atlas, AtlasError, Party
from atlas_async._resources.envelopes import Envelopes
from atlas_async._resources.platform import ConnectedAccounts
from atlas_async._resources.templates import Templates

from .._support.http import httpx

pytestmark = pytest.mark.anyio

KEY = "atlas_live_path_ids"

# Arguments an operation needs besides its id.
EXTRA: dict[str, dict[str, Any]] = {
    "update_fields": {"fields": [], "fields_version": 1},
    "decline": {"reason": "no", "signer_token": "t"},
    "send": {"fields_version": 1, "parties": None},
    "templates.send": {"parties": [Party(email="a@example.com", name="A", role="Signer")]},
}

# The parameter names of ids that go into a path (``external_id`` goes into a body).
PATH_IDS = frozenset({"envelope_id", "template_id", "account_id"})

BAD = ["", ".", "..", "a\nb", "a\rb", "\x00", "a\tb", " padded", "padded "]
GOOD = ["a/b", "../x", "a?b=c", "a#frag", "%2e%2e", "..a", "é-ü", "env_abc123", "a b"]


def operations() -> list[tuple[str, str]]:
    found = []
    for resource, prefix in (
        (Envelopes, ""),
        (Templates, "templates."),
        (ConnectedAccounts, "accounts."),
    ):
        for name, fn in inspect.getmembers(resource, inspect.isfunction):
            if name.startswith("_"):
                continue
            params = list(inspect.signature(fn).parameters)
            if len(params) > 1 and params[1] in PATH_IDS:
                found.append((prefix, name))
    return found


def test_every_resource_with_ids_is_found() -> None:
    names = {f"{p}{n}" for p, n in operations()}
    assert {"get", "void", "remind", "templates.get", "accounts.suspend"} <= names
    assert len(names) >= 14


def make(requests: list[httpx.Request]) -> Atlas:
    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(404, json={"error": {"code": "not_found", "message": "no"}})

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    return Atlas(
        KEY, base_url="https://api.atlas.test", account="ext_acme", http_client=http, max_retries=0
    )


def method(atlas: Atlas, prefix: str, name: str) -> Callable[..., Any]:
    owner: Any = {
        "": atlas.envelopes,
        "templates.": atlas.templates,
        "accounts.": atlas.platform.connected_accounts,
    }[prefix]
    return getattr(owner, name)  # type: ignore[no-any-return]


async def call(fn: Callable[..., Any], ident: str, extra: dict[str, Any]) -> None:
    result = fn(ident, **extra)
    if inspect.isawaitable(result):
        await result
    else:  # stream_signed_pdf: the request goes out when the stream is opened
        async with result:
            pass


@pytest.mark.parametrize(("prefix", "name"), operations())
@pytest.mark.parametrize("ident", BAD)
async def test_a_bad_id_is_refused_before_any_request(prefix: str, name: str, ident: str) -> None:
    requests: list[httpx.Request] = []
    async with make(requests) as atlas:
        with pytest.raises(ValueError, match="invalid"):
            await call(method(atlas, prefix, name), ident, EXTRA.get(f"{prefix}{name}", {}))
    assert requests == []


@pytest.mark.parametrize(("prefix", "name"), operations())
async def test_every_other_id_is_one_percent_encoded_segment(prefix: str, name: str) -> None:
    for ident in GOOD:
        requests: list[httpx.Request] = []
        async with make(requests) as atlas:
            with pytest.raises(AtlasError):
                await call(method(atlas, prefix, name), ident, EXTRA.get(f"{prefix}{name}", {}))
        assert requests, f"{prefix}{name}({ident!r}) sent nothing"
        raw = requests[0].url.raw_path.decode().split("?")[0]
        segments = raw.split("/")
        assert quote(ident, safe="") in segments, (name, ident, raw)
        assert ".." not in segments
        assert "." not in segments
        assert raw.startswith("/api/")
