"""What one logical call needs on the wire, apart from the request itself: :class:`Call`.

Built per call from the client's options and the call's own (``_resources._base``), handed to
:meth:`Transport.send <atlas_async._transport.Transport.send>`, and changed only by copying
(``with_``), as when a redirect is followed without credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._frozen import Frozen, init
from ._retry import DEFAULT_RETRY, RetryPolicy

if TYPE_CHECKING:
    from ._middleware import Middleware

__all__ = ["Call"]


class Call(Frozen):
    """Everything one logical call needs on the wire; built per call, never stored on a client.

    ``rewindable`` is False when the body is a stream that cannot be re-read (a non-seekable file
    object): such a request is sent exactly once, whatever the retry policy says.
    """

    __match_args__ = (
        "timeout",
        "retry",
        "account",
        "envelope_id",
        "operation",
        "rewindable",
        "stream",
        "bearer",
        "credentials",
        "middleware",
        "extra_headers",
        "extra_query",
        "post_key",
    )
    __slots__ = __match_args__

    timeout: float
    retry: RetryPolicy
    account: str | None
    envelope_id: str | None
    operation: str | None
    rewindable: bool
    stream: bool
    bearer: str | None  # a token used instead of the client's credentials (signer decline)
    credentials: bool  # False for a cross-host redirect target: send no secrets at all
    middleware: tuple[Middleware, ...]
    extra_headers: Mapping[str, str] | None
    extra_query: Mapping[str, Any] | None
    # atlas.call's Idempotency-Key for an operation whose method only the generated function
    # knows: sent when the request it builds is a POST that carries no key of its own.
    post_key: str | None

    def __init__(
        self,
        timeout: float,
        retry: RetryPolicy = DEFAULT_RETRY,
        account: str | None = None,
        envelope_id: str | None = None,
        operation: str | None = None,
        rewindable: bool = True,
        stream: bool = False,
        bearer: str | None = None,
        credentials: bool = True,
        middleware: tuple[Middleware, ...] = (),
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        post_key: str | None = None,
    ) -> None:
        init(
            self,
            timeout=timeout,
            retry=retry,
            account=account,
            envelope_id=envelope_id,
            operation=operation,
            rewindable=rewindable,
            stream=stream,
            bearer=bearer,
            credentials=credentials,
            middleware=middleware,
            extra_headers=extra_headers,
            extra_query=extra_query,
            post_key=post_key,
        )
