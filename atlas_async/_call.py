"""What one logical call needs on the wire, apart from the request itself: :class:`Call`.

Built per call from the client's options and the call's own (``_resources._base``), handed to
:meth:`Transport.send <atlas_async._transport.Transport.send>`, and changed only by copying
(``with_``), as when a redirect is followed without credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from ._retry import DEFAULT_RETRY, RetryPolicy

if TYPE_CHECKING:
    from ._middleware import Middleware

__all__ = ["Call"]

_FIELDS = (
    "account",
    "bearer",
    "credentials",
    "envelope_id",
    "extra_headers",
    "extra_query",
    "middleware",
    "operation",
    "post_key",
    "retry",
    "rewindable",
    "stream",
    "timeout",
)


class Call:
    """Everything one logical call needs on the wire; built per call, never stored on a client.

    ``rewindable`` is False when the body is a stream that cannot be re-read (a non-seekable file
    object): such a request is sent exactly once, whatever the retry policy says.

    Immutable for the type checker (every field is ``Final``); changed only by copying,
    with :meth:`with_`. Not frozen at run time like the public values (``_frozen``): one is
    built per call, and plain assignments build it in a third of the time.
    """

    __slots__ = _FIELDS

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
        self.timeout: Final = timeout
        self.retry: Final = retry
        self.account: Final = account
        self.envelope_id: Final = envelope_id
        self.operation: Final = operation
        self.rewindable: Final = rewindable
        self.stream: Final = stream
        # A token used instead of the client's credentials (a signer's decline).
        self.bearer: Final = bearer
        # False for a cross-host redirect target: send no secrets at all.
        self.credentials: Final = credentials
        self.middleware: Final = middleware
        self.extra_headers: Final = extra_headers
        self.extra_query: Final = extra_query
        # atlas.call's Idempotency-Key for an operation whose method only the generated
        # function knows: sent when the request it builds is a POST that carries no key of its
        # own.
        self.post_key: Final = post_key

    def with_(self, **changes: Any) -> Call:
        """A copy with some fields changed."""
        return Call(**({name: getattr(self, name) for name in _FIELDS} | changes))

    def __repr__(self) -> str:
        return f"<Call {self.operation or 'request'} timeout={self.timeout:g}>"
