"""What every route handler shares: who is calling, the idempotency protocol, JSON bodies.

Handlers only translate HTTP to calls on :class:`AtlasState` and back. Each resource's handlers are
a subclass of :class:`Handlers` in a module of their own, listing their routes in ``routes()``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .._apierror import ApiError, bad_request
from .._edge import LATENCY_KEY
from .._idempotency import StoredResponse
from .._state import Envelope, OrgRecord

if TYPE_CHECKING:
    from .._fake import FakeAtlas

__all__ = ["Ctx", "Handler", "Handlers", "by_method", "dumps", "json_response"]

Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class Ctx:
    """Who is calling: the org rows land in (after Atlas-Account), the key, its kind."""

    org: OrgRecord
    caller: OrgRecord
    kind: str  # live | test | platform | oauth
    key: str
    scopes: frozenset[str] | None = None  # OAuth scopes; None for API keys (everything allowed)


def json_response(data: Any, status: int = 200) -> Response:
    return Response(dumps(data), status_code=status, media_type="application/json")


def dumps(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def by_method(path: str, **handlers: Handler) -> Route:
    """One route per path (so a 405 names every allowed method in ``Allow``)."""

    async def dispatch(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method  # Starlette adds HEAD
        return await handlers[method](request)

    return Route(path, dispatch, methods=list(handlers))


class Handlers:
    """The base of each resource's handlers: the emulator, its state, and the shared plumbing."""

    def __init__(self, fake: FakeAtlas) -> None:
        self.fake = fake
        self.state = fake.state

    def _auth(self, request: Request, *, scope: str | None = None) -> Ctx:
        header = request.headers.get("authorization", "")
        method, _, token = header.partition(" ")
        token = token.strip()
        if method.lower() != "bearer" or not token:
            raise ApiError(
                401,
                "unauthorized",
                "Missing API key: send Authorization: Bearer <key>.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        found = self.state.authenticate(token)
        scopes: frozenset[str] | None = None
        if found is not None:
            caller, kind = found
        else:
            grant = self.fake.oauth.authenticate_access_token(token)
            org = self.state.orgs.get(grant.org_id) if grant is not None else None
            if grant is None or org is None:
                raise ApiError(
                    401,
                    "unauthorized",
                    "Invalid API key or access token.",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            caller, kind, scopes = org, "oauth", grant.scopes
        if scope is not None and scopes is not None and scope not in scopes:
            raise ApiError(403, "insufficient_scope", f"This access token lacks {scope!r}.")
        org = self.state.resolve_account(caller, kind, request.headers.get("atlas-account"))
        key = token if kind != "oauth" else caller.api_key
        return Ctx(org=org, caller=caller, kind=kind, key=key, scopes=scopes)

    async def _run(
        self,
        request: Request,
        ctx: Ctx | None,
        op: Callable[[], Awaitable[tuple[int, Any]]],
        idem: tuple[str, str] | None = None,
    ) -> Response:
        """Run ``op`` with the idempotency protocol (when keyed) and any injected latency."""
        key = request.headers.get("idempotency-key") if idem is not None else None
        latency = float(request.scope.pop(LATENCY_KEY, 0.0) or 0.0)
        if key is None or ctx is None or idem is None:
            if latency:
                await anyio.sleep(latency)
            status, body = await op()
            return json_response(body, status)
        namespace, fingerprint = idem
        if not key.strip() or len(key) > 255:
            raise bad_request("Idempotency-Key must be 1 to 255 characters.")
        store, scope_id = self.fake.idempotency, ctx.org.org_id
        stored = store.begin(scope_id, namespace, key, fingerprint)
        if stored is not None:
            return Response(
                stored.body,
                stored.status,
                {"Idempotency-Replayed": "true"},
                media_type=stored.content_type,
            )
        try:
            if latency:
                await anyio.sleep(latency)
            status, body = await op()
        except BaseException:
            store.release(scope_id, namespace, key)
            raise
        data = dumps(body)
        store.complete(scope_id, namespace, key, StoredResponse(status, data, "application/json"))
        return Response(data, status, media_type="application/json")

    async def _body(self, request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise bad_request("The body is not valid JSON.", code="invalid_json") from None
        if not isinstance(data, dict):
            raise bad_request("The body must be a JSON object.", code="invalid_json")
        nulls = sorted(k for k, v in data.items() if v is None)
        if nulls:  # no request property of the contract is nullable: omit it instead
            raise bad_request(f"These properties must not be null: {nulls}.")
        return data

    @staticmethod
    def _fingerprint(request: Request, payload: Any) -> str:
        blob = json.dumps([request.method, request.url.path, payload], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    def _envelope(self, ctx: Ctx, request: Request) -> Envelope:
        return self.state.get_envelope(ctx.org, request.path_params["id"])

    async def _multipart(self, request: Request) -> tuple[dict[str, Any], bytes | None, Any]:
        try:
            form = await request.form(max_files=4, max_fields=64)
        except Exception as exc:  # python-multipart raises several types for malformed bodies
            raise bad_request(f"Malformed multipart body: {exc}") from None
        fields: dict[str, Any] = {}
        document: bytes | None = None
        fingerprint: list[tuple[str, str]] = []
        try:
            for name, value in form.multi_items():
                if isinstance(value, UploadFile):
                    if name != "file" or document is not None:
                        raise bad_request(
                            "Exactly one file part named 'file' is accepted.",
                            code="invalid_document",
                        )
                    document = await value.read()
                    if len(document) > self.fake.max_document_bytes:
                        raise ApiError(413, "payload_too_large", "The document is too large.")
                    fingerprint.append((name, "sha256:" + hashlib.sha256(document).hexdigest()))
                else:
                    fields[name] = value
                    fingerprint.append((name, value))
        finally:
            await form.close()
        return fields, document, sorted(fingerprint)

    async def _multipart_only(self, request: Request) -> tuple[dict[str, Any], bytes | None, Any]:
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise bad_request("Send multipart/form-data.")
        return await self._multipart(request)

    def routes(self) -> list[BaseRoute]:
        """This resource's routes."""
        raise NotImplementedError
