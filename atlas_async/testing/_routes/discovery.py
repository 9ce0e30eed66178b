"""What an agent or a code generator discovers: the OpenAPI document, llms.txt, MCP."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from .._mcp import handle_rpc
from .base import Handlers, json_response
from .values import to_pdf

__all__ = ["DiscoveryRoutes"]


class DiscoveryRoutes(Handlers):
    """``/openapi.json``, ``/llms.txt``, ``/.well-known/mcp`` and the MCP endpoint."""

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/openapi.json", self.openapi, methods=["GET"]),
            Route("/llms.txt", self.llms_txt, methods=["GET"]),
            Route("/.well-known/mcp", self.mcp_manifest, methods=["GET"]),
            Route("/api/mcp", self.mcp, methods=["POST"]),
        ]

    async def openapi(self, request: Request) -> Response:
        return Response(self.fake.openapi_document(), media_type="application/json")

    async def mcp_manifest(self, request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return json_response(
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
            return json_response(
                {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "Parse error"}}
            )
        limit = self.fake.max_document_bytes

        def convert(data: bytes) -> bytes:
            return to_pdf(data, limit)

        batch = message if isinstance(message, list) else [message]
        answers = [
            a
            for m in batch
            if (a := handle_rpc(self.state, ctx.org, ctx.key, m, convert, ctx.scopes)) is not None
        ]
        if not answers:
            return Response(status_code=202)
        return json_response(answers if isinstance(message, list) else answers[0])

    async def llms_txt(self, request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return PlainTextResponse(
            "# Atlas (emulator)\n\n> E-signature API: PDF or DOCX in, review link out, signed PDF "
            f"back.\n\n- [OpenAPI]({base}/openapi.json)\n- [MCP]({base}/.well-known/mcp)\n"
        )
