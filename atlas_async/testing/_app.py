"""The emulator's HTTP face: a Starlette app implementing every route of ATLAS_API.md.

Handlers only translate HTTP to calls on :class:`AtlasState` and back. The outer ASGI layer
(:class:`_Edge`) gives every response an ``X-Request-Id``, applies injected faults, and turns any
crash into a 500 in the documented error shape.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import logging
import math
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._apierror import ApiError, bad_request
from ._documents import docx_to_pdf, sniff_document
from ._faults import Fault
from ._idempotency import StoredResponse
from ._mcp import handle_rpc
from ._state import Envelope, Org, paginate, parse_fields, parse_parties

if TYPE_CHECKING:
    from ._fake import FakeAtlas

__all__ = ["DROP_HEADER", "INPROCESS_SCOPE_KEY", "RequestRecord", "build_app"]

logger = logging.getLogger("atlas_async.testing")

DROP_HEADER = "x-atlas-emulator-drop"
INPROCESS_SCOPE_KEY = "atlas.inprocess"
_LATENCY_KEY = "atlas.latency"
_REQUEST_ID_KEY = "atlas.request_id"

Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class Ctx:
    """Who is calling: the org rows land in (after Atlas-Account), the key, its kind."""

    org: Org
    caller: Org
    kind: str  # live | test | platform | oauth
    key: str
    scopes: frozenset[str] | None = None  # OAuth scopes; None for API keys (everything allowed)


def _request_id(request: Request) -> str:
    return str(request.scope.get(_REQUEST_ID_KEY, ""))


def _error_response(exc: ApiError, request_id: str) -> JSONResponse:
    return JSONResponse(exc.body(request_id), status_code=exc.status, headers=exc.headers)


def _json(data: Any, status: int = 200) -> Response:
    return Response(_dumps(data), status_code=status, media_type="application/json")


def _dumps(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


@dataclass
class RequestRecord:
    """One request the emulator received (``fake.requests``), for asserting on retries.

    ``status`` is what the client was sent (``None`` when the connection was dropped);
    ``fault`` names the injected fault that shaped the answer, if any.
    """

    method: str
    path: str
    query: str
    request_id: str
    idempotency_key: str | None
    account: str | None
    status: int | None = None
    fault: str | None = None


class _Edge:
    """Request ids, faults, the request log and last-resort error handling, outside routing."""

    def __init__(self, app: ASGIApp, fake: FakeAtlas) -> None:
        self.app = app
        self.fake = fake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = "req_" + secrets.token_hex(12)
        scope[_REQUEST_ID_KEY] = rid
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        record = RequestRecord(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            request_id=rid,
            idempotency_key=headers.get("idempotency-key"),
            account=headers.get("atlas-account"),
        )
        self.fake.requests.append(record)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                record.status = message["status"]
                MutableHeaders(scope=message)["X-Request-Id"] = rid
            await send(message)

        faults = self.fake.faults.take(scope["method"], scope["path"])
        kinds = {f.kind: f for f in faults}
        if "latency" in kinds:
            scope[_LATENCY_KEY] = kinds["latency"].seconds
            record.fault = "latency"
        if "drop_before" in kinds:
            record.fault = "drop_before"
            await self._drop(scope, send, "before")
            return
        if "status" in kinds:
            record.fault = "status"
            await self._status_fault(kinds["status"], rid)(scope, receive, send_with_id)
            return
        if "drop_after" in kinds:
            record.fault = "drop_after"
            sink: list[Message] = []

            async def swallow(message: Message) -> None:
                sink.append(message)

            await self._guarded(scope, receive, swallow, rid, lambda: bool(sink))
            await self._drop(scope, send, "after")
            return
        await self._guarded(scope, receive, send_with_id, rid, lambda: started)

    async def _guarded(
        self, scope: Scope, receive: Receive, send: Send, rid: str, started: Callable[[], bool]
    ) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception:
            logger.exception("emulator crashed on %s %s (%s)", scope["method"], scope["path"], rid)
            if not started():
                err = ApiError(500, "internal_error", "The emulator hit an internal error.")
                await _error_response(err, rid)(scope, receive, send)

    @staticmethod
    def _status_fault(fault: Fault, rid: str) -> Response:
        headers = {}
        if fault.retry_after is not None:
            # Retry-After is an integer in the contract (and in RFC 9110's delay-seconds): a
            # fractional ask is rounded up, so a client never retries before it was told to.
            headers["Retry-After"] = str(math.ceil(fault.retry_after))
        if fault.body is not None:
            return Response(fault.body, fault.status, headers, media_type=fault.content_type)
        codes = {
            429: "rate_limited",
            500: "internal_error",
            502: "bad_gateway",
            503: "service_unavailable",
            504: "gateway_timeout",
        }
        err = ApiError(
            fault.status,
            codes.get(fault.status, "injected_fault"),
            f"Injected fault: HTTP {fault.status}.",
            headers=headers,
        )
        return _error_response(err, rid)

    @staticmethod
    async def _drop(scope: Scope, send: Send, when: str) -> None:
        if scope.get(INPROCESS_SCOPE_KEY):
            # The in-process transport turns this marker into an httpx transport error.
            await send(
                {
                    "type": "http.response.start",
                    "status": 599,
                    "headers": [(DROP_HEADER.encode(), when.encode())],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        # On a real socket: promise a body, send none, return. The server then closes the
        # connection mid-response, and the client sees a protocol error, not an answer.
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"64"), (b"content-type", b"application/json")],
            }
        )


class _Api:
    def __init__(self, fake: FakeAtlas) -> None:
        self.fake = fake
        self.state = fake.state

    # ---- plumbing

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
        latency = float(request.scope.pop(_LATENCY_KEY, 0.0) or 0.0)
        if key is None or ctx is None or idem is None:
            if latency:
                await anyio.sleep(latency)
            status, body = await op()
            return _json(body, status)
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
        data = _dumps(body)
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

    # ---- envelopes

    async def create(self, request: Request) -> Response:
        ctx = self._auth(request, scope="envelopes:write")
        limit = self.fake.max_document_bytes
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit * 4 // 3 + 65536:
            raise ApiError(413, "payload_too_large", f"The document exceeds {limit} bytes.")
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            fields, document, fp = await self._create_multipart(request)
            namespace = "create:multipart"
        elif ctype.startswith("application/json") or not ctype:
            fields = await self._body(request)
            document = None
            fp = fields
            namespace = "create:json"
        else:
            raise bad_request("Send multipart/form-data or application/json.")
        if "template_id" in fields:
            raise bad_request(
                "template_id is not accepted here: use POST /api/templates/{id}/send.",
                code="template_id_not_allowed",
            )
        unknown = sorted(set(fields) - _CREATE_KEYS)
        if unknown:
            raise bad_request(f"Unknown fields: {unknown}.")
        # Multipart carries parties and metadata as JSON strings; a JSON body carries values.
        decode = _maybe_json if namespace == "create:multipart" else _as_is
        parties = parse_parties(decode(fields.get("parties"), "parties"))
        metadata = _metadata(decode(fields.get("metadata"), "metadata"))
        webhook_url = _url(fields.get("webhook_url"), "webhook_url")
        auto_send = _boolish(fields.get("auto_send", False), "auto_send")
        sources = [k for k in ("document", "document_url") if fields.get(k) is not None]
        if document is not None:
            sources.append("file")
        if len(sources) != 1:
            raise bad_request(
                "Give exactly one document: file, document or document_url.",
                code="invalid_document",
            )

        async def op() -> tuple[int, Any]:
            data = document
            if data is None and fields.get("document") is not None:
                data = _b64(fields["document"], limit)
            elif data is None:
                data = await self.fake.fetch_document(_str(fields["document_url"], "document_url"))
            pdf = _to_pdf(data, limit)
            with self.state.lock:
                env = self.state.create_envelope(
                    ctx.org,
                    creator_key=ctx.key,
                    document=pdf,
                    parties=parties,
                    metadata=metadata,
                    webhook_url=webhook_url,
                    auto_send=auto_send,
                )
                view = self.state.envelope_json(env)
            return 201, {
                k: view[k] for k in ("envelope_id", "review_url", "status", "fields_status")
            }

        return await self._run(request, ctx, op, (namespace, self._fingerprint(request, fp)))

    async def _create_multipart(self, request: Request) -> tuple[dict[str, Any], bytes | None, Any]:
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

    async def get(self, request: Request) -> Response:
        ctx = self._auth(request, scope="envelopes:read")

        async def op() -> tuple[int, Any]:
            with self.state.lock:
                return 200, self.state.envelope_json(self._envelope(ctx, request))

        return await self._run(request, ctx, op)

    async def status(self, request: Request) -> Response:
        ctx = self._auth(request, scope="envelopes:read")

        async def op() -> tuple[int, Any]:
            with self.state.lock:
                return 200, self.state.status_json(self._envelope(ctx, request))

        return await self._run(request, ctx, op)

    async def list(self, request: Request) -> Response:
        ctx = self._auth(request, scope="envelopes:read")
        q = request.query_params
        limit = _int_param(q.get("limit"), 20)

        async def op() -> tuple[int, Any]:
            with self.state.lock:
                rows, cursor = self.state.list_envelopes(
                    ctx.org,
                    status=q.get("status"),
                    external_id=q.get("external_id"),
                    limit=limit,
                    cursor=q.get("cursor"),
                )
                return 200, {
                    "items": [self.state.summary_json(e) for e in rows],
                    "next_cursor": cursor,
                }

        return await self._run(request, ctx, op)

    async def send(self, request: Request) -> Response:
        ctx = self._auth(request, scope="envelopes:write")
        body = await self._body(request)
        parties = parse_parties(body.get("parties"))
        version = _opt_int(body.get("fields_version"), "fields_version")
        fields = parse_fields(body["fields"]) if body.get("fields") is not None else None

        async def op() -> tuple[int, Any]:
            with self.state.lock:
                env = self.state.send(
                    ctx.org,
                    request.path_params["id"],
                    parties=parties,
                    fields_version=version,
                    fields=fields,
                )
                return 200, self.state.envelope_json(env)

        return await self._run(request, ctx, op, ("send", self._fingerprint(request, body)))

    async def patch_fields(self, request: Request) -> Response:
        ctx = self._auth(request, scope="envelopes:write")
        body = await self._body(request)
        fields = parse_fields(body.get("fields"))
        version = _opt_int(body.get("fields_version"), "fields_version")
        if version is None:
            raise bad_request("fields_version is required.")

        async def op() -> tuple[int, Any]:
            with self.state.lock:
                env = self.state.update_fields(ctx.org, request.path_params["id"], fields, version)
                return 200, {"fields": env.fields, "fields_version": env.fields_version}

        return await self._run(request, ctx, op)

    async def void(self, request: Request) -> Response:
        ctx = self._auth(request, scope="envelopes:write")
        body = await self._body(request)
        reason = body.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise bad_request("reason must be a string.")

        async def op() -> tuple[int, Any]:
            with self.state.lock:
                env, refunded = self.state.void(ctx.org, request.path_params["id"], reason)
                return 200, {**self.state.envelope_json(env), "credit_refunded": refunded}

        return await self._run(request, ctx, op)

    async def decline(self, request: Request) -> Response:
        header = request.headers.get("authorization", "")
        method, _, token = header.partition(" ")
        if method.lower() != "bearer" or not token.strip():
            raise ApiError(
                401, "unauthorized", "Send the signer's token: Authorization: Bearer <t>."
            )
        return await self._decline(request, token.strip())

    async def _decline(self, request: Request, token: str) -> Response:
        body = await self._body(request)
        reason = body.get("reason")
        if not isinstance(reason, str):
            raise bad_request("reason (a string) is required.")

        async def op() -> tuple[int, Any]:
            with self.state.lock:
                env, party = self.state.party_for_token(request.path_params["id"], token)
                self.state.decline(env.envelope_id, party, reason)
                return 200, self.state.envelope_json(env)

        return await self._run(request, None, op)

    async def remind(self, request: Request) -> Response:
        ctx = self._auth(request, scope="envelopes:write")

        async def op() -> tuple[int, Any]:
            with self.state.lock:
                return 200, {
                    "reminded_email": self.state.remind(ctx.org, request.path_params["id"])
                }

        return await self._run(request, ctx, op)

    async def pdf(self, request: Request) -> Response:
        ctx = self._auth(request, scope="envelopes:read")
        latency = float(request.scope.pop(_LATENCY_KEY, 0.0) or 0.0)
        if latency:
            await anyio.sleep(latency)
        with self.state.lock:
            env = self._envelope(ctx, request)
            if env.status != "signed" or env.signed_pdf is None:
                raise ApiError(409, "not_signed", f"Envelope is {env.status}, not signed yet.")
            data = env.signed_pdf
        if self.fake.pdf_redirect:
            # As Atlas may: a 302 to a presigned storage URL on another host.
            url = f"{self.fake._storage_url()}/storage/{env.envelope_id}.pdf"
            sig = self.fake._storage_signature(env.envelope_id)
            return Response(status_code=302, headers={"Location": f"{url}?sig={sig}"})
        return _pdf_response(env.envelope_id, data)

    async def storage(self, request: Request) -> Response:
        """The presigned storage URL: no API key, and (like S3) it refuses one if sent."""
        envelope_id = request.path_params["name"].removesuffix(".pdf")
        sig = request.query_params.get("sig", "")
        if not secrets.compare_digest(sig, self.fake._storage_signature(envelope_id)):
            raise ApiError(403, "forbidden", "Invalid or expired storage signature.")
        if "authorization" in request.headers:
            self.fake.leaked_credentials.append(request.headers["authorization"])
            raise ApiError(
                400,
                "credentials_not_allowed",
                "Storage URLs are presigned: do not send an Authorization header.",
            )
        with self.state.lock:
            env = self.state.envelopes.get(envelope_id)
            data = env.signed_pdf if env is not None else None
        if data is None:
            raise ApiError(404, "not_found", "No such object.")
        return _pdf_response(envelope_id, data)

    # ---- signing pages (the links in sign_url and review_url)

    async def sign_page(self, request: Request) -> Response:
        token = request.query_params.get("t", "")
        with self.state.lock:
            env, party = self.state.party_for_token(request.path_params["id"], token)
            self.state.view(env, party)
            view = {
                "envelope_id": env.envelope_id,
                "status": env.status,
                "party": {
                    "email": party.email,
                    "name": party.name,
                    "role": party.role,
                    "order": party.order,
                    "status": party.status,
                },
                "your_turn": env.status == "pending" and party.status == "pending",
                "fields": [f for f in env.fields if f.get("party_order") == party.order],
            }
        if "text/html" in request.headers.get("accept", ""):
            return HTMLResponse(_sign_html(view, str(request.url)))
        return _json(view)

    async def sign_submit(self, request: Request) -> Response:
        token = request.query_params.get("t", "")
        values: dict[str, Any] = {}
        if request.headers.get("content-type", "").startswith("application/json"):
            raw = (await self._body(request)).get("values") or {}
            if not isinstance(raw, dict):
                raise bad_request("values must be an object of field_id -> value.")
            values = raw
        with self.state.lock:
            env, party = self.state.party_for_token(request.path_params["id"], token)
            self.state.sign(env.envelope_id, party=party, values=values)
            status = self.state.status_json(env)
        return _json({"envelope_id": env.envelope_id, "signed_by": party.email, **status})

    async def sign_decline(self, request: Request) -> Response:
        return await self._decline(request, request.query_params.get("t", ""))

    async def review_page(self, request: Request) -> Response:
        with self.state.lock:
            env = self.state.envelopes.get(request.path_params["id"])
            if env is None or not secrets.compare_digest(
                env.review_token, request.query_params.get("rt", "")
            ):
                raise ApiError(404, "not_found", "Envelope not found.")
            return _json(self.state.envelope_json(env))

    # ---- templates

    async def template_send(self, request: Request) -> Response:
        ctx = self._auth(request, scope="templates:write")
        body = await self._body(request)
        parties = parse_parties(body.get("parties"))
        if not parties:
            raise bad_request("parties are required.", code="parties_required")
        prefill = body.get("prefill", {})
        if not isinstance(prefill, dict) or not all(isinstance(v, str) for v in prefill.values()):
            raise bad_request("prefill must be an object of strings.")
        metadata = _metadata(body.get("metadata"))
        webhook_url = _url(body.get("webhook_url"), "webhook_url")
        auto_send = _boolish(body.get("auto_send", True), "auto_send")

        async def op() -> tuple[int, Any]:
            with self.state.lock:
                env = self.state.send_template(
                    ctx.org,
                    request.path_params["id"],
                    creator_key=ctx.key,
                    parties=parties,
                    prefill=prefill,
                    auto_send=auto_send,
                    webhook_url=webhook_url,
                    metadata=metadata,
                )
                view = self.state.envelope_json(env)
            return 200, {
                "envelope_id": env.envelope_id,
                "status": env.status,
                "review_url": None if auto_send else view["review_url"],
            }

        return await self._run(
            request, ctx, op, ("template_send", self._fingerprint(request, body))
        )

    async def template_list(self, request: Request) -> Response:
        ctx = self._auth(request, scope="templates:read")
        limit = _int_param(request.query_params.get("limit"), 20)

        async def op() -> tuple[int, Any]:
            with self.state.lock:
                rows, cursor = self.state.list_templates(
                    ctx.org, limit=limit, cursor=request.query_params.get("cursor")
                )
                return 200, {
                    "items": [self.state.template_json(t) for t in rows],
                    "next_cursor": cursor,
                }

        return await self._run(request, ctx, op)

    async def template_get(self, request: Request) -> Response:
        ctx = self._auth(request, scope="templates:read")

        async def op() -> tuple[int, Any]:
            with self.state.lock:
                tmpl = self.state.get_template(ctx.org, request.path_params["id"])
                return 200, self.state.template_json(tmpl)

        return await self._run(request, ctx, op)

    async def infer_fields(self, request: Request) -> Response:
        self._auth(request, scope="templates:write")
        _, document, _ = await self._multipart_only(request)
        if document is None:
            raise bad_request("A multipart 'file' is required.", code="invalid_document")
        pdf = _to_pdf(document, self.fake.max_document_bytes)

        async def op() -> tuple[int, Any]:
            with self.state.lock:
                return 200, {"fields": self.state.infer_fields(pdf)}

        return await self._run(request, None, op)

    async def template_upload(self, request: Request) -> Response:
        ctx = self._auth(request, scope="templates:write")
        fields, document, fp = await self._multipart_only(request)
        name = fields.get("name")
        if not isinstance(name, str) or not name.strip():
            raise bad_request("name is required.")
        if document is None:
            raise bad_request("A multipart 'file' is required.", code="invalid_document")
        if fields.get("fields") is None:
            raise bad_request("fields (a JSON array) is required.")
        tfields = parse_fields(_maybe_json(fields.get("fields"), "fields"))
        pdf = _to_pdf(document, self.fake.max_document_bytes)

        async def op() -> tuple[int, Any]:
            with self.state.lock:
                tmpl = self.state.upload_template(ctx.org, name, pdf, tfields)
                return 201, {"template": self.state.template_json(tmpl)}

        fingerprint = self._fingerprint(request, fp)
        return await self._run(request, ctx, op, ("template_upload", fingerprint))

    async def _multipart_only(self, request: Request) -> tuple[dict[str, Any], bytes | None, Any]:
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise bad_request("Send multipart/form-data.")
        return await self._create_multipart(request)

    # ---- platform

    def _platform(self, request: Request) -> Ctx:
        ctx = self._auth(request)
        if ctx.kind != "platform":
            raise ApiError(403, "platform_key_required", "Only platform keys manage accounts.")
        if request.headers.get("atlas-account") is not None:
            raise bad_request("Atlas-Account is not accepted on platform routes.")
        return ctx

    async def account_create(self, request: Request) -> Response:
        ctx = self._platform(request)
        body = await self._body(request)

        async def op() -> tuple[int, Any]:
            with self.state.lock:
                org, created = self.state.create_connected_account(ctx.caller, body)
            return (201 if created else 200), {
                "success": True,
                "connected_org_id": org.org_id,
                "external_id": org.external_id,
                "created": created,
                "next_step": f"Send 'Atlas-Account: ext_{org.external_id}' with your platform "
                "key to act for this account.",
            }

        return await self._run(
            request, ctx, op, ("account_create", self._fingerprint(request, body))
        )

    async def account_list(self, request: Request) -> Response:
        ctx = self._platform(request)
        limit = _int_param(request.query_params.get("limit"), 20)

        async def op() -> tuple[int, Any]:
            with self.state.lock:
                rows = self.state.connected_accounts(ctx.caller)
                index = {o.org_id: i for i, o in enumerate(reversed(rows), start=1)}
                chunk, cursor = paginate(
                    rows, limit, request.query_params.get("cursor"), lambda o: index[o.org_id]
                )
                return 200, {
                    "items": [self.state.connected_account_json(o) for o in chunk],
                    "next_cursor": cursor,
                }

        return await self._run(request, ctx, op)

    async def account_patch(self, request: Request) -> Response:
        ctx = self._platform(request)
        body = await self._body(request)

        async def op() -> tuple[int, Any]:
            with self.state.lock:
                org = self.state.update_connected_account(
                    ctx.caller, request.path_params["id"], body.get("status")
                )
                return 200, self.state.connected_account_json(org)

        return await self._run(request, ctx, op)

    # ---- discovery

    async def openapi(self, request: Request) -> Response:
        return Response(self.fake.openapi_document(), media_type="application/json")

    async def mcp_manifest(self, request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return _json(
            {
                "name": "atlas",
                "version": "1",
                "description": "Atlas e-signature (emulated): envelopes, templates, signing.",
                "endpoint": f"{base}/api/mcp",
                "transport": "streamable-http",
                "authorization": {
                    "type": "oauth2",
                    "metadata": f"{base}/.well-known/oauth-authorization-server",
                },
            }
        )

    async def mcp(self, request: Request) -> Response:
        """JSON-RPC 2.0 over HTTP: one message or a batch; 202 when there is nothing to answer."""
        ctx = self._auth(request)
        try:
            message = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            return _json(
                {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "Parse error"}}
            )
        limit = self.fake.max_document_bytes

        def to_pdf(data: bytes) -> bytes:
            return _to_pdf(data, limit)

        batch = message if isinstance(message, list) else [message]
        answers = [
            a
            for m in batch
            if (a := handle_rpc(self.state, ctx.org, ctx.key, m, to_pdf, ctx.scopes)) is not None
        ]
        if not answers:
            return Response(status_code=202)
        return _json(answers if isinstance(message, list) else answers[0])

    async def llms_txt(self, request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return PlainTextResponse(
            "# Atlas (emulator)\n\n> E-signature API: PDF or DOCX in, review link out, signed PDF "
            f"back.\n\n- [OpenAPI]({base}/openapi.json)\n- [MCP]({base}/.well-known/mcp)\n"
        )


def build_app(fake: FakeAtlas) -> ASGIApp:
    api = _Api(fake)
    routes = [
        Route("/api/envelope", api.create, methods=["POST"]),
        Route("/api/envelopes", api.list, methods=["GET"]),
        Route("/api/envelope/{id}", api.get, methods=["GET"]),
        Route("/api/envelope/{id}/status", api.status, methods=["GET"]),
        Route("/api/envelope/{id}/send", api.send, methods=["POST"]),
        Route("/api/envelope/{id}/fields", api.patch_fields, methods=["PATCH"]),
        Route("/api/envelope/{id}/void", api.void, methods=["POST"]),
        Route("/api/envelope/{id}/decline", api.decline, methods=["POST"]),
        Route("/api/envelope/{id}/remind", api.remind, methods=["POST"]),
        Route("/api/envelope/{id}/pdf", api.pdf, methods=["GET"]),
        Route("/api/templates", api.template_list, methods=["GET"]),
        Route("/api/templates/infer-fields", api.infer_fields, methods=["POST"]),
        Route("/api/templates/upload", api.template_upload, methods=["POST"]),
        Route("/api/templates/{id}", api.template_get, methods=["GET"]),
        Route("/api/templates/{id}/send", api.template_send, methods=["POST"]),
        _by_method(
            "/api/platform/connected-accounts", GET=api.account_list, POST=api.account_create
        ),
        Route("/api/platform/connected-accounts/{id}", api.account_patch, methods=["PATCH"]),
        _by_method("/sign/{id}", GET=api.sign_page, POST=api.sign_submit),
        Route("/sign/{id}/decline", api.sign_decline, methods=["POST"]),
        Route("/review/{id}", api.review_page, methods=["GET"]),
        Route("/storage/{name}", api.storage, methods=["GET"]),
        Route("/openapi.json", api.openapi, methods=["GET"]),
        Route("/llms.txt", api.llms_txt, methods=["GET"]),
        Route("/.well-known/mcp", api.mcp_manifest, methods=["GET"]),
        Route("/api/mcp", api.mcp, methods=["POST"]),
        *fake.oauth.routes(),
    ]

    async def on_api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return _error_response(exc, _request_id(request))

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        err = ApiError(exc.status_code, code, str(exc.detail), headers=exc.headers)
        return _error_response(err, _request_id(request))

    async def on_crash(request: Request, exc: Exception) -> Response:
        # Starlette answers with this, then re-raises; _Edge logs the crash and swallows it.
        err = ApiError(500, "internal_error", "The emulator hit an internal error.")
        return _error_response(err, _request_id(request))

    app = Starlette(
        routes=routes,
        exception_handlers={ApiError: on_api_error, HTTPException: on_http_error, 500: on_crash},
        lifespan=fake._lifespan,
    )
    return _Edge(app, fake)


def _pdf_response(envelope_id: str, data: bytes) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{envelope_id}-signed.pdf"'},
    )


def _by_method(path: str, **handlers: Handler) -> Route:
    """One route per path (so a 405 names every allowed method in ``Allow``)."""

    async def dispatch(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method  # Starlette adds HEAD
        return await handlers[method](request)

    return Route(path, dispatch, methods=list(handlers))


# ---------------------------------------------------------------------- small parsers


def _maybe_json(value: Any, name: str) -> Any:
    """A multipart field holding JSON text, decoded (``None`` when absent)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"{name} is not valid JSON.", code=f"invalid_{name}") from None
    return value


_CREATE_KEYS = frozenset(
    {"document", "document_url", "filename", "parties", "metadata", "webhook_url", "auto_send"}
)


def _as_is(value: Any, name: str) -> Any:
    return value


def _boolish(value: Any, name: str) -> bool:
    """A JSON boolean, or the multipart spellings ``"true"`` / ``"false"``."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    raise bad_request(f"{name} must be a boolean.")


_METADATA_TYPES: dict[str, type] = {
    "external_id": str,
    "is_test": bool,
    "send_error": str,
    "detection_error": str,
}


def _metadata(value: Any) -> dict[str, Any] | None:
    """Free-form metadata, except the documented keys must have their documented types."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("metadata must be an object.")
    for key, kind in _METADATA_TYPES.items():
        if key in value and not isinstance(value[key], kind):
            raise bad_request(f"metadata.{key} must be a {kind.__name__}.")
    return value


def _url(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith(("http://", "https://")) or " " in value:
        raise bad_request(f"{name} must be an http(s) URL.")
    return value


def _str(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise bad_request(f"{name} must be a non-empty string.")
    return value


def _opt_int(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"{name} must be an integer.")
    return value


def _int_param(raw: str | None, default: int) -> int:
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise bad_request("limit must be an integer between 1 and 100.") from None


def _b64(value: Any, limit: int) -> bytes:
    text = _str(value, "document")
    if len(text) > limit * 4 // 3 + 8:
        raise ApiError(413, "payload_too_large", f"The document exceeds {limit} bytes.")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request("document is not valid base64.", code="invalid_document") from None


def _to_pdf(data: bytes, limit: int) -> bytes:
    if len(data) > limit:
        raise ApiError(413, "payload_too_large", f"The document exceeds {limit} bytes.")
    kind = sniff_document(data)
    if kind == "pdf":
        return data
    if kind == "docx":
        return docx_to_pdf(data)
    raise bad_request("Unsupported document: send a PDF or a DOCX.", code="unsupported_document")


def _sign_html(view: Mapping[str, Any], url: str) -> str:
    party = view["party"]
    rows = "".join(
        f"<li>{html.escape(str(f['type']))} (page {f['page']}): "
        f"{html.escape(str(f.get('label') or ''))}</li>"
        for f in view["fields"]
    )
    action = (
        f'<form method="post" action="{html.escape(url)}"><button>Sign as '
        f"{html.escape(party['name'])}</button></form>"
        if view["your_turn"]
        else f"<p>Status: {html.escape(party['status'])}; envelope {html.escape(view['status'])}.</p>"
    )
    return (
        f"<!doctype html><title>Sign</title><h1>Envelope {html.escape(view['envelope_id'])}</h1>"
        f"<p>{html.escape(party['name'])} &lt;{html.escape(party['email'])}&gt;</p>"
        f"<ul>{rows}</ul>{action}"
    )
