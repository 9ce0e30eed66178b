"""The envelope routes: create, read, list, send, edit fields, void, remind, the signed PDF."""

from __future__ import annotations

import secrets
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .._apierror import ApiError, bad_request
from .._edge import LATENCY_KEY
from .._state import parse_fields, parse_parties
from .base import Handlers
from .values import (
    as_is,
    decode_b64,
    decode_json_field,
    parse_bool,
    parse_limit,
    parse_metadata,
    parse_opt_int,
    parse_str,
    parse_url,
    to_pdf,
)

__all__ = ["EnvelopeRoutes"]

CREATE_KEYS = frozenset(
    {"document", "document_url", "filename", "parties", "metadata", "webhook_url", "auto_send"}
)


def pdf_response(envelope_id: str, data: bytes) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{envelope_id}-signed.pdf"'},
    )


class EnvelopeRoutes(Handlers):
    """``/api/envelope...``: an org's envelopes, by API key or OAuth token."""

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/api/envelope", self.create, methods=["POST"]),
            Route("/api/envelopes", self.list, methods=["GET"]),
            Route("/api/envelope/{id}", self.get, methods=["GET"]),
            Route("/api/envelope/{id}/status", self.status, methods=["GET"]),
            Route("/api/envelope/{id}/send", self.send, methods=["POST"]),
            Route("/api/envelope/{id}/fields", self.patch_fields, methods=["PATCH"]),
            Route("/api/envelope/{id}/void", self.void, methods=["POST"]),
            Route("/api/envelope/{id}/remind", self.remind, methods=["POST"]),
            Route("/api/envelope/{id}/pdf", self.pdf, methods=["GET"]),
            Route("/storage/{name}", self.storage, methods=["GET"]),
        ]

    async def create(self, request: Request) -> Response:
        ctx = self._auth(request, scope="envelopes:write")
        limit = self.fake.max_document_bytes
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit * 4 // 3 + 65536:
            raise ApiError(413, "payload_too_large", f"The document exceeds {limit} bytes.")
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            fields, document, fp = await self._multipart(request)
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
        unknown = sorted(set(fields) - CREATE_KEYS)
        if unknown:
            raise bad_request(f"Unknown fields: {unknown}.")
        # Multipart carries parties and metadata as JSON strings; a JSON body carries values.
        decode = decode_json_field if namespace == "create:multipart" else as_is
        parties = parse_parties(decode(fields.get("parties"), "parties"))
        metadata = parse_metadata(decode(fields.get("metadata"), "metadata"))
        webhook_url = parse_url(fields.get("webhook_url"), "webhook_url")
        auto_send = parse_bool(fields.get("auto_send", False), "auto_send")
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
                data = decode_b64(fields["document"], limit)
            elif data is None:
                data = await self.fake.fetch_document(
                    parse_str(fields["document_url"], "document_url")
                )
            pdf = to_pdf(data, limit)
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
        limit = parse_limit(q.get("limit"), 20)

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
        version = parse_opt_int(body.get("fields_version"), "fields_version")
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
        version = parse_opt_int(body.get("fields_version"), "fields_version")
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
        latency = float(request.scope.pop(LATENCY_KEY, 0.0) or 0.0)
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
        return pdf_response(env.envelope_id, data)

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
        return pdf_response(envelope_id, data)
