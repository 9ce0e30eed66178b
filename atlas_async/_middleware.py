"""Per-attempt middleware: code that runs around every HTTP attempt, inside the retry loop.

A middleware is an async callable ``(attempt, call_next) -> AttemptResponse``. It may look at or
change the request's headers, wait before calling ``call_next`` (a shared rate gate does), time the
attempt, or record what came back (tracing does). It runs once per attempt, retries included, and
sees every answer, 4xx and 5xx too: the SDK raises its typed errors for the caller after the
chain. A lost connection has no answer, so ``call_next`` raises ``APIConnectionError`` (or
``APITimeoutError``) instead. A middleware returns what ``call_next`` returned, or raises.

``Authorization`` is added after the chain, so a middleware never sees a credential.

.. code-block:: python

    async def timing(attempt: Attempt, call_next: CallNext) -> AttemptResponse:
        response = await call_next(attempt)
        print(attempt.method, attempt.path, response.status_code, f"{response.elapsed:.3f}s")
        return response

    atlas = Atlas(middleware=[timing])
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from contextlib import AbstractContextManager, ExitStack, nullcontext
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, cast

if TYPE_CHECKING:
    from ._http import Request, Response

__all__ = [
    "Attempt",
    "AttemptResponse",
    "CallNext",
    "CallScope",
    "Middleware",
    "Operation",
    "chain",
    "check_middleware",
    "operation_scope",
]


class Attempt:
    """One HTTP attempt of an SDK call, as middleware sees it.

    ``number`` counts from 0 (the first attempt). ``operation`` names the SDK call
    (``"envelopes.get"``), when it is one. ``deadline`` is when the call's retry budget ends, on
    the ``anyio.current_time()`` clock: a middleware that waits (a rate gate) should not wait past
    it. ``state`` is a dict shared by every attempt of one call, for middleware bookkeeping.
    """

    __slots__ = (
        "_request",
        "account",
        "deadline",
        "envelope_id",
        "max_retries",
        "number",
        "operation",
        "state",
    )

    def __init__(
        self,
        request: Request,
        *,
        number: int,
        max_retries: int,
        operation: str | None,
        envelope_id: str | None,
        account: str | None,
        deadline: float | None,
        state: dict[str, Any],
    ) -> None:
        self._request = request
        self.number = number
        self.max_retries = max_retries
        self.operation = operation
        self.envelope_id = envelope_id
        self.account = account
        self.deadline = deadline
        self.state = state

    @property
    def method(self) -> str:
        return self._request.method

    @property
    def url(self) -> str:
        """The full URL (the SDK's own requests carry no credential in their URLs)."""
        return str(self._request.url)

    @property
    def path(self) -> str:
        return self._request.url.path

    @property
    def host(self) -> str:
        return self._request.url.host

    @property
    def headers(self) -> MutableMapping[str, str]:
        """The request's headers, changeable (e.g. to add ``traceparent``)."""
        return self._request.headers

    @property
    def content(self) -> bytes | None:
        """The request body when it is held in memory (a JSON body); None for a streamed
        upload, which is read from its file as it is sent."""
        from ._http import body_bytes

        return body_bytes(self._request)

    @property
    def idempotency_key(self) -> str | None:
        key: str | None = self._request.headers.get("idempotency-key")
        return key

    def __repr__(self) -> str:
        return f"<Attempt {self.number} {self.method} {self.path}>"


class AttemptResponse:
    """The answer to one attempt: status, headers, timing. The body is not exposed: the SDK
    parses it after the chain."""

    __slots__ = ("_response", "elapsed")

    def __init__(self, response: Response, elapsed: float) -> None:
        self._response = response
        #: Seconds from sending the request to having the answer (its body too, unless streamed).
        self.elapsed = elapsed

    @property
    def status_code(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def request_id(self) -> str | None:
        request_id: str | None = self._response.headers.get("x-request-id")
        return request_id

    @property
    def replayed(self) -> bool:
        """Whether the server answered from its idempotency store (``Idempotency-Replayed``)."""
        value: str = self._response.headers.get("idempotency-replayed", "")
        return value.lower() == "true"

    @property
    def http_version(self) -> str:
        return str(self._response.extensions.get("http_version", b"HTTP/1.1").decode())

    def __repr__(self) -> str:
        return f"<AttemptResponse {self.status_code}>"


CallNext: TypeAlias = Callable[[Attempt], Awaitable[AttemptResponse]]
"""Runs the rest of the chain and, at its end, the HTTP attempt itself."""

Middleware: TypeAlias = Callable[[Attempt, CallNext], Awaitable[AttemptResponse]]
"""``async (attempt, call_next) -> AttemptResponse``: see the module documentation."""


def check_middleware(middleware: Sequence[Middleware] | None) -> tuple[Middleware, ...]:
    """A validated, immutable copy of a middleware list."""
    if middleware is None:
        return ()
    if isinstance(middleware, str | bytes) or not isinstance(middleware, Sequence):
        raise TypeError("middleware must be a list of async callables")
    for entry in middleware:
        if not callable(entry):
            raise TypeError(f"middleware {entry!r} is not callable")
    return tuple(middleware)


def chain(middleware: Sequence[Middleware], innermost: CallNext) -> CallNext:
    """``innermost`` wrapped by ``middleware``, the first of the list outermost."""
    call = innermost
    for entry in reversed(middleware):
        call = _link(entry, call)
    return call


def _link(entry: Middleware, call_next: CallNext) -> CallNext:
    async def run(attempt: Attempt) -> AttemptResponse:
        return await entry(attempt, call_next)

    return run


# Around a whole SDK call -------------------------------------------------------------------------
# Middleware runs per attempt. A middleware that also wants one scope around every attempt of an
# SDK call (a tracing span that parents the attempts) defines ``scope_call``: the seam that runs
# SDK calls opens it around the call, and the attempts run inside it (same task, same context).


class Operation:
    """One SDK call, as a call scope sees it: its name, the envelope and account it names, and,
    once it answered, the request id and replay flag of the final answer and what was parsed
    from it (``result``: a model, or None)."""

    __slots__ = ("account", "envelope_id", "name", "replayed", "request_id", "result")

    def __init__(self, name: str | None, envelope_id: str | None, account: str | None) -> None:
        self.name = name
        self.envelope_id = envelope_id
        self.account = account
        self.request_id: str | None = None
        self.replayed = False
        self.result: object = None

    def answered(self, response: Response, *, replayed: bool, result: object = None) -> None:
        """Record the final answer (called by the seam before the scope closes)."""
        self.request_id = response.headers.get("x-request-id")
        self.replayed = replayed
        self.result = result

    def __repr__(self) -> str:
        return f"<Operation {self.name}>"


class CallScope(Protocol):
    """A middleware that opens a scope around each SDK call (tracing's call span)."""

    def scope_call(self, operation: Operation) -> AbstractContextManager[object]: ...


_NO_SCOPE: AbstractContextManager[None] = nullcontext()


def operation_scope(
    middleware: tuple[Middleware, ...],
    name: str | None,
    envelope_id: str | None,
    account: str | None,
) -> AbstractContextManager[Operation | None]:
    """The scopes the ``middleware`` list provides around one SDK call, entered in list order;
    the context value is the :class:`Operation` to report the answer to, or None when no entry
    provides a scope (the common case, which costs one check per entry)."""
    if not middleware:
        return _NO_SCOPE
    # hasattr, not isinstance against the Protocol: this runs on every call, and is ~30x cheaper.
    scopes = [cast(CallScope, entry) for entry in middleware if hasattr(entry, "scope_call")]
    if not scopes:
        return _NO_SCOPE
    return _Scopes(scopes, Operation(name, envelope_id, account))


class _Scopes:
    __slots__ = ("_operation", "_scopes", "_stack")

    def __init__(self, scopes: list[CallScope], operation: Operation) -> None:
        self._scopes = scopes
        self._operation = operation
        self._stack: AbstractContextManager[object] = ExitStack()

    def __enter__(self) -> Operation:
        if len(self._scopes) == 1:  # the usual case, without an ExitStack's bookkeeping
            self._stack = self._scopes[0].scope_call(self._operation)
            self._stack.__enter__()
            return self._operation
        with ExitStack() as stack:
            for scope in self._scopes:
                stack.enter_context(scope.scope_call(self._operation))
            self._stack = stack.pop_all()
        return self._operation

    def __exit__(self, *exc_info: Any) -> bool | None:
        return self._stack.__exit__(*exc_info)
