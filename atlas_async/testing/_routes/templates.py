"""The template routes: upload, infer fields, list, read, send."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .._apierror import bad_request
from .._state import parse_fields, parse_parties
from .base import Handlers
from .values import (
    decode_json_field,
    parse_bool,
    parse_limit,
    parse_metadata,
    parse_url,
    to_pdf,
)

__all__ = ["TemplateRoutes"]


class TemplateRoutes(Handlers):
    """``/api/templates...``."""

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/api/templates", self.template_list, methods=["GET"]),
            Route("/api/templates/infer-fields", self.infer_fields, methods=["POST"]),
            Route("/api/templates/upload", self.template_upload, methods=["POST"]),
            Route("/api/templates/{id}", self.template_get, methods=["GET"]),
            Route("/api/templates/{id}/send", self.template_send, methods=["POST"]),
        ]

    async def template_send(self, request: Request) -> Response:
        ctx = self._auth(request, scope="templates:write")
        body = await self._body(request)
        parties = parse_parties(body.get("parties"))
        if not parties:
            raise bad_request("parties are required.", code="parties_required")
        prefill = body.get("prefill", {})
        if not isinstance(prefill, dict) or not all(isinstance(v, str) for v in prefill.values()):
            raise bad_request("prefill must be an object of strings.")
        metadata = parse_metadata(body.get("metadata"))
        webhook_url = parse_url(body.get("webhook_url"), "webhook_url")
        auto_send = parse_bool(body.get("auto_send", True), "auto_send")

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
        limit = parse_limit(request.query_params.get("limit"), 20)

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
        pdf = to_pdf(document, self.fake.max_document_bytes)

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
        tfields = parse_fields(decode_json_field(fields.get("fields"), "fields"))
        pdf = to_pdf(document, self.fake.max_document_bytes)

        async def op() -> tuple[int, Any]:
            with self.state.lock:
                tmpl = self.state.upload_template(ctx.org, name, pdf, tfields)
                return 201, {"template": self.state.template_json(tmpl)}

        fingerprint = self._fingerprint(request, fp)
        return await self._run(request, ctx, op, ("template_upload", fingerprint))
