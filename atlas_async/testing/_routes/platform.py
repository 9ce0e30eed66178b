"""The platform routes: a platform key manages its connected accounts."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .._apierror import ApiError, bad_request
from .base import Ctx, Handlers, by_method
from .values import parse_limit

__all__ = ["PlatformRoutes"]


class PlatformRoutes(Handlers):
    """``/api/platform/connected-accounts...``, platform keys only."""

    def routes(self) -> list[BaseRoute]:
        return [
            by_method(
                "/api/platform/connected-accounts", GET=self.account_list, POST=self.account_create
            ),
            Route("/api/platform/connected-accounts/{id}", self.account_patch, methods=["PATCH"]),
        ]

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
        limit = parse_limit(request.query_params.get("limit"), 20)

        async def op() -> tuple[int, Any]:
            with self.state.lock:
                chunk, cursor = self.state.list_connected_accounts(
                    ctx.caller, limit=limit, cursor=request.query_params.get("cursor")
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
