"""What a signer does, with the token of their sign URL instead of an API key.

The sign page (HTML in a browser, JSON otherwise), signing, declining, and the review link.
"""

from __future__ import annotations

import html
import secrets
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from .._apierror import ApiError, bad_request
from .._state.views import party_json
from .base import Handlers, by_method, json_response

__all__ = ["SigningRoutes"]


class SigningRoutes(Handlers):
    """``/sign/{id}``, ``/review/{id}`` and the signer's ``/api/envelope/{id}/decline``."""

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/api/envelope/{id}/decline", self.decline, methods=["POST"]),
            by_method("/sign/{id}", GET=self.sign_page, POST=self.sign_submit),
            Route("/sign/{id}/decline", self.sign_decline, methods=["POST"]),
            Route("/review/{id}", self.review_page, methods=["GET"]),
        ]

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

    async def sign_page(self, request: Request) -> Response:
        token = request.query_params.get("t", "")
        with self.state.lock:
            env, party = self.state.party_for_token(request.path_params["id"], token)
            self.state.view(env, party)
            view = {
                "envelope_id": env.envelope_id,
                "status": env.status,
                "party": party_json(party),
                "your_turn": env.status == "pending" and party.status == "pending",
                "fields": [f for f in env.fields if f.get("party_order") == party.order],
            }
        if "text/html" in request.headers.get("accept", ""):
            return HTMLResponse(sign_html(view, str(request.url)))
        return json_response(view)

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
        return json_response({"envelope_id": env.envelope_id, "signed_by": party.email, **status})

    async def sign_decline(self, request: Request) -> Response:
        return await self._decline(request, request.query_params.get("t", ""))

    async def review_page(self, request: Request) -> Response:
        with self.state.lock:
            env = self.state.envelopes.get(request.path_params["id"])
            if env is None or not secrets.compare_digest(
                env.review_token, request.query_params.get("rt", "")
            ):
                raise ApiError(404, "not_found", "Envelope not found.")
            return json_response(self.state.envelope_json(env))


def sign_html(view: Mapping[str, Any], url: str) -> str:
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
