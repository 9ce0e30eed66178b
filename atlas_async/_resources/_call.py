"""``atlas.call``: any generated operation through the SDK's own transport.

An operation the contract gains is usable the day ``make generate`` adds it, before anyone
writes a resource method for it: ``await atlas.call(archive_envelope, envelope_id, body=...)``
runs the generated ``asyncio_detailed`` through the same seam as every hand-written call, so it
gets the client's credentials, account scoping, timeouts, retries, middleware and typed errors.
A POST carries an Idempotency-Key fixed once for the call (yours, or a new one), so its retries
are replays, never second operations.
"""

from __future__ import annotations

import inspect
import sys
from types import ModuleType
from typing import Any, TypeVar

from .._responses import attach_response_info
from .._transport import replayed
from ._base import Resource, path_id
from ._keys import check_key, new_idempotency_key
from ._seam import ParserFailed, parse_as, unparsable

__all__ = ["Operations", "endpoint_module"]

T = TypeVar("T")


def endpoint_module(endpoint: object) -> ModuleType:
    """The generated endpoint module ``endpoint`` is, or one of whose functions it is."""
    module = endpoint if isinstance(endpoint, ModuleType) else None
    if module is None and callable(endpoint):
        module = sys.modules.get(getattr(endpoint, "__module__", "") or "")
    # Only the generated modules' public functions are relied on (a regeneration may rename
    # a private helper such as _get_kwargs).
    if module is None or not all(
        callable(getattr(module, name, None)) for name in ("asyncio_detailed", "sync_detailed")
    ):
        raise TypeError(
            "atlas.call() takes a generated endpoint module (or one of its functions), e.g. "
            f"atlas_async._generated.api.envelopes.get_envelope; got {endpoint!r}"
        )
    return module


class Operations(Resource):
    """What ``Atlas.call`` runs on: the client's settings, the seam, the response checks."""

    __slots__ = ()
    _name = "call"

    async def run(
        self,
        endpoint: object,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        cast_to: type[T] | None,
        idempotency_key: str | None,
    ) -> Any:
        module = endpoint_module(endpoint)
        detailed = module.asyncio_detailed
        # Positional arguments are the path's parameters: each must stay one path segment.
        args = tuple(path_id(a, "path parameter") if isinstance(a, str) else a for a in args)
        name = module.__name__.rpartition(".")[2]
        key = check_key(idempotency_key)
        extra: dict[str, str] | None = None
        post_key: str | None = None
        if key is None:
            # Only the request the generated function builds says its method: the transport
            # adds this key if it is a POST (fixed for the call, so retries are replays).
            post_key = new_idempotency_key()
        elif "idempotency_key" in inspect.signature(detailed).parameters:
            kwargs = {**kwargs, "idempotency_key": key}
        else:
            extra = {"Idempotency-Key": key}
        call = self._call(name, extra_headers=extra, post_key=post_key)
        parsed, response = await self._client._shared.seam.invoke(detailed, call, args, kwargs)
        if cast_to is not None:
            return parse_as(cast_to, parsed, response)
        if isinstance(parsed, ParserFailed):
            raise unparsable(response, parsed.error) from parsed.error
        if parsed is None:
            # A 2xx the contract gives no model for (or documents under another code): the JSON.
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                return response.text
        attach_response_info(
            parsed, response.headers.get("x-request-id"), replayed=replayed(response)
        )
        return parsed
