"""The bridge between the generated endpoint functions and the transport.

A generated ``asyncio_detailed(..., client=...)`` builds its request description and hands it to
``client.get_async_httpx_client().request(**kwargs)``. :class:`GeneratedSeam` is that "httpx
client": it routes the request through :meth:`Transport.send`, so every generated call gets the
same credentials, retries, middleware and typed errors, and the generated code never sees an error
status (its ``HTTPStatus(520)`` crash and its habit of returning error bodies stay out of the way).

One seam per client, built once: the per-call settings travel in a context variable set around
the generated call, so nothing per-request is ever stored on a shared object (the generated
``with_headers`` would mutate the live client).
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from .. import _http
from .._body import DocumentBody
from .._call import Call
from .._errors import APIResponseValidationError
from .._middleware import operation_scope
from .._responses import attach_response_info
from .._transport import Transport, replayed

if TYPE_CHECKING:
    from .._generated.client import AuthenticatedClient, Client

__all__ = [
    "GeneratedSeam",
    "Invocation",
    "ParserFailed",
    "invalid_response",
    "parse_as",
    "unparsable",
]

T = TypeVar("T")

# Bodies kept on a validation error: enough to recover an id, bounded for memory and logs.
_KEPT_BODY = 64 * 1024


class Invocation:
    """One generated call in flight: its settings, and the answer once it came."""

    __slots__ = ("call", "response")

    def __init__(self, call: Call) -> None:
        self.call = call
        self.response: _http.Response | None = None


class ParserFailed:
    """What ``invoke`` returns as ``parsed`` when the generated parser raised on a 2xx body."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


_CURRENT: contextvars.ContextVar[Invocation] = contextvars.ContextVar("atlas_async_invocation")


class GeneratedSeam:
    """What the generated endpoint functions see as their HTTP client (one per ``Atlas``)."""

    __slots__ = ("_clients", "_transport")

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._clients: tuple[Client, AuthenticatedClient] | None = None

    async def request(self, *, method: str, url: str, **kwargs: Any) -> _http.Response:
        invocation = _CURRENT.get()
        request = self._transport.build(invocation.call, method, url, **kwargs)
        try:
            response = await self._transport.send(request, invocation.call)
        finally:
            if isinstance(request.stream, DocumentBody):
                await request.stream.aclose()
        invocation.response = response
        return response

    def client(self, authenticated: bool) -> Any:
        """The generated client (or AuthenticatedClient) whose HTTP client is this seam.

        The AuthenticatedClient's own token is never used (the transport sends credentials),
        so it is left empty.
        """
        if self._clients is None:
            from .._generated.client import AuthenticatedClient, Client

            plain = Client(base_url=self._transport.base_url)
            plain.set_async_httpx_client(cast(_http.Client, self))
            auth = AuthenticatedClient(base_url=self._transport.base_url, token="")
            auth.set_async_httpx_client(cast(_http.Client, self))
            self._clients = (plain, auth)
        return self._clients[1] if authenticated else self._clients[0]

    async def invoke(
        self,
        endpoint: Callable[..., Awaitable[Any]],
        call: Call,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        authenticated: bool = False,
    ) -> tuple[Any, _http.Response]:
        """:meth:`_run` inside the scopes middleware may open around a whole SDK call (tracing's
        call span, see ``_middleware.operation_scope``); without any, it is just :meth:`_run`."""
        if not call.middleware:
            return await self._run(endpoint, call, args, kwargs, authenticated)
        scope = operation_scope(call.middleware, call.operation, call.envelope_id, call.account)
        with scope as operation:
            parsed, response = await self._run(endpoint, call, args, kwargs, authenticated)
            if operation is not None:
                operation.answered(response, replayed=replayed(response), result=parsed)
        return parsed, response

    async def _run(
        self,
        endpoint: Callable[..., Awaitable[Any]],
        call: Call,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        authenticated: bool,
    ) -> tuple[Any, _http.Response]:
        """Run a generated ``asyncio_detailed`` through the transport: (parsed, raw response).

        ``parsed`` is what the generated parser made of the 2xx body, None when it made
        nothing (a 2xx the contract did not document for this operation, say 200 for 201), or a
        :class:`ParserFailed` when it choked on the body (``parse_as`` then decides).
        """
        invocation = Invocation(call)
        token = _CURRENT.set(invocation)
        try:
            result = await endpoint(*args, client=self.client(authenticated), **kwargs)
            parsed = result.parsed
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            if invocation.response is None:
                raise  # raised before any request: bad arguments, the caller's to fix
            # The generated parser choked on a 2xx body (or on a 2xx status it does not know,
            # HTTPStatus(299)): parse_as decides whether the body is usable, and says why not.
            parsed = ParserFailed(exc)
        finally:
            _CURRENT.reset(token)
        response, invocation.response = invocation.response, None
        # (Cleared: a context copied while the call ran, by a timer the event loop keeps until
        # it is due, would otherwise keep the answer and its request alive for that long.)
        assert response is not None, "the generated function returned without a request"
        return parsed, response


def parse_as(
    expected: type[T],
    parsed: Any,
    response: _http.Response,
    *,
    needs: tuple[str, ...] = (),
    known: Mapping[str, str] | None = None,
) -> T:
    """``parsed`` when it is an ``expected``; else ``expected`` parsed from the body ourselves.

    Any 2xx whose body parses is success (a 200 where the contract says 201, or the reverse);
    one that does not raises APIResponseValidationError with the status, the request id, the
    field at fault and the raw body. ``known`` fills fields the request already fixed (the id in
    the path) when the answer lacks them; ``needs`` names optional fields this call cannot do
    without (``fields_version`` before a send): absent, they raise the same error.
    """
    if isinstance(parsed, expected):
        result = parsed
    else:
        try:
            data = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            raise invalid_response(response, "<body>", "the response body is not JSON") from None
        if not isinstance(data, dict):
            raise invalid_response(response, "<body>", "the response body is not a JSON object")
        for name, value in (known or {}).items():
            if data.get(name) is None:
                data[name] = value
        try:
            result = cast(Any, expected).from_dict(data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise unparsable(response, exc) from exc
    for name in needs:
        if cast(Any, result)[name] is None:
            raise invalid_response(
                response, name, f"the response lacks {name!r}, which this call needs"
            )
    attach_response_info(result, response.headers.get("x-request-id"), replayed=replayed(response))
    return result


def unparsable(response: _http.Response, exc: Exception) -> APIResponseValidationError:
    """The error for a 2xx body a generated parser refused: it names the field when the parser
    said which (its ``ParseError``, from this package or from any generated one)."""
    path = getattr(exc, "path", None)
    if not isinstance(exc, ValueError) or not isinstance(path, str):
        return invalid_response(
            response, "<body>", f"the response does not match the contract ({type(exc).__name__})"
        )
    field = path or "<body>"
    if getattr(exc, "missing", False):
        return invalid_response(response, field, f"the response lacks {field!r}")
    problem = getattr(exc, "problem", "invalid")
    return invalid_response(response, field, f"the response has an invalid {field!r}: {problem}")


def invalid_response(
    response: _http.Response, field: str, message: str
) -> APIResponseValidationError:
    """A 2xx the SDK cannot use: the status, the request id, the field and the raw body."""
    return APIResponseValidationError(
        message,
        status_code=response.status_code,
        field=field,
        request_id=response.headers.get("x-request-id"),
        headers=response.headers,
        body=response.content[:_KEPT_BODY].decode("utf-8", "replace"),
    )
