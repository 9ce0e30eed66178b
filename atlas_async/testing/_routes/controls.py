"""The emulator's controls, for a person or a script driving an emulator on a port.

Not part of the Atlas API: they live under ``/_emulator/``, are not in ``openapi.json``, and a fault
injected for every route leaves them alone. They authenticate as the API does (``Authorization:
Bearer <key>``; ``Atlas-Account`` with a platform key) and act on the caller's org:

- ``GET /_emulator/envelopes/{id}``: each party with its sign URL, and who is due;
- ``POST /_emulator/envelopes/{id}/sign`` ``{"all": false}``: sign as the party whose turn it is
  (every party left with ``"all": true``);
- ``POST /_emulator/envelopes/{id}/decline`` ``{"reason": "..."}``: decline as that party;
- ``GET /_emulator/credits``; ``POST /_emulator/credits`` ``{"add": N}``: top up;
- ``POST /_emulator/detection`` ``{"outcome": "failed", "count": 1, "delay": 0}``: how field
  detection of new envelopes ends (emulator-wide, like ``fake.set_detection``).

Errors have the API's shape: 401 for a wrong key, 404 for another org's or an unknown envelope,
409 ``nobody_due`` when nobody can sign or decline, 400 for a malformed body.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .._apierror import ApiError, bad_request
from .._edge import CONTROL_PREFIX
from .._state import Envelope, Party
from .._state.detection import DETECTION_OUTCOMES
from .._state.views import party_json
from .base import Handlers, by_method, json_response

__all__ = ["ControlRoutes"]


class ControlRoutes(Handlers):
    """``/_emulator/...``: sign, decline, top up, steer detection, as a test would in process."""

    def routes(self) -> list[BaseRoute]:
        p = CONTROL_PREFIX
        return [
            by_method(f"{p}credits", GET=self.credits, POST=self.add_credits),
            Route(f"{p}envelopes/{{id}}", self.envelope, methods=["GET"]),
            Route(f"{p}envelopes/{{id}}/sign", self.sign, methods=["POST"]),
            Route(f"{p}envelopes/{{id}}/decline", self.decline, methods=["POST"]),
            Route(f"{p}detection", self.detection, methods=["POST"]),
        ]

    async def _control_body(self, request: Request, allowed: set[str]) -> dict[str, Any]:
        body = await self._body(request)
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise bad_request(f"Unknown properties: {unknown}; expected {sorted(allowed)}.")
        return body

    async def envelope(self, request: Request) -> Response:
        ctx = self._auth(request)
        with self.state.lock:
            env = self._envelope(ctx, request)
            current = env.current_party() if env.status == "pending" else None
            return json_response(
                {
                    "envelope_id": env.envelope_id,
                    "status": env.status,
                    "fields_status": env.fields_status,
                    "next_signer": current.email if current else None,
                    "parties": [
                        {**party_json(p), "sign_url": self.state.sign_url(env, p)}
                        for p in env.parties
                    ],
                }
            )

    async def sign(self, request: Request) -> Response:
        ctx = self._auth(request)
        every = (await self._control_body(request, {"all"})).get("all", False)
        if not isinstance(every, bool):
            raise bad_request("all must be a boolean.")
        signed: list[str] = []
        with self.state.lock:
            env = self._envelope(ctx, request)
            party: Party | None = _due(env)
            while party is not None:  # one more party signed per turn: bounded by the parties
                self.state.sign(env.envelope_id, party=party)
                signed.append(party.email)
                party = env.current_party() if every and env.status == "pending" else None
            return json_response(
                {"envelope_id": env.envelope_id, "status": env.status, "signed": signed}
            )

    async def decline(self, request: Request) -> Response:
        ctx = self._auth(request)
        reason = (await self._control_body(request, {"reason"})).get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise bad_request("reason (a non-empty string) is required.")
        with self.state.lock:
            env = self._envelope(ctx, request)
            party = _due(env)
            self.state.decline(env.envelope_id, party, reason)
            return json_response(
                {"envelope_id": env.envelope_id, "status": env.status, "declined_by": party.email}
            )

    async def credits(self, request: Request) -> Response:
        ctx = self._auth(request)
        with self.state.lock:
            return json_response({"credits": self.state.credits(ctx.org)})

    async def add_credits(self, request: Request) -> Response:
        ctx = self._auth(request)
        amount = (await self._control_body(request, {"add"})).get("add")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
            raise bad_request("add must be a positive integer.", code="invalid_amount")
        with self.state.lock:
            return json_response({"credits": self.state.add_credits(ctx.org, amount)})

    async def detection(self, request: Request) -> Response:
        self._auth(request)
        body = await self._control_body(request, {"outcome", "count", "delay"})
        outcome, count, delay = body.get("outcome"), body.get("count"), body.get("delay")
        if outcome not in DETECTION_OUTCOMES:
            raise bad_request(f"outcome must be one of {list(DETECTION_OUTCOMES)}.")
        if count is not None and (
            isinstance(count, bool) or not isinstance(count, int) or count < 1
        ):
            raise bad_request("count must be a positive integer.")
        if delay is not None and (
            isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0
        ):
            raise bad_request("delay must be a number of seconds >= 0.")
        with self.state.lock:
            self.state.set_detection(outcome=outcome, delay=delay, count=count)
        return json_response({"outcome": outcome, "count": count, "delay": delay})


def _due(env: Envelope) -> Party:
    """The party whose turn it is; 409 ``nobody_due`` when nobody can act on the envelope."""
    party = env.current_party() if env.status == "pending" else None
    if party is not None:
        return party
    hint = " (send it first)" if env.status == "draft" else ""
    raise ApiError(409, "nobody_due", f"Nobody is due to sign: the envelope is {env.status}{hint}.")
