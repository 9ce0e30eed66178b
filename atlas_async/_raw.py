"""Raw responses: the HTTP answer behind a call, beside the model it produced.

``raw = await atlas.with_raw_response(atlas.envelopes.get, envelope_id)`` runs the call as usual
and returns a :class:`RawResponse`: the status, headers, request id, replay flag and timing of
the answer the call ended on, and ``raw.parse()`` for the model. It is typed from the method it
wraps (``RawResponse[Envelope]`` here), and works with every method, flows included: for a call
that makes several requests (``send`` reads the envelope first), it describes the last one and
counts them all. The transport records each final answer while a raw call is in flight (a
context variable, so concurrent calls never see each other's).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, ParamSpec, TypeVar

from ._errors import redact_headers
from ._recording import RECORDER, Recorder

if TYPE_CHECKING:
    pass

__all__ = ["RawResponse", "with_raw_response"]

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class RawResponse(Generic[T]):
    """The HTTP answer a call ended on, and its result (``parse()``).

    ``headers`` are the answer's, with credential-bearing values redacted. ``elapsed`` is the
    whole call in seconds, retries and every request included; ``retries`` counts the retries of
    the last request, ``requests`` every request the call made.
    """

    status_code: int
    headers: Mapping[str, str]
    request_id: str | None
    replayed: bool
    elapsed: float
    retries: int
    requests: int
    http_version: str
    _result: T = field(repr=False)

    def parse(self) -> T:
        """What the call returned: the model (or bytes, a Path, a page...)."""
        return self._result


async def with_raw_response(
    fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
) -> RawResponse[T]:
    recorder = Recorder()
    token = RECORDER.set(recorder)
    started = time.monotonic()
    try:
        result = await fn(*args, **kwargs)
    finally:
        RECORDER.reset(token)
    elapsed = time.monotonic() - started
    response = recorder.last
    if response is None:
        raise TypeError(
            "with_raw_response() needs an SDK call that makes a request "
            "(atlas.envelopes.get, not a listing or a stream: await those first)"
        )
    return RawResponse(
        status_code=response.status_code,
        headers=redact_headers(response.headers),
        request_id=response.headers.get("x-request-id"),
        replayed=recorder.replayed,
        elapsed=elapsed,
        retries=recorder.retries,
        requests=recorder.requests,
        http_version=str(response.extensions.get("http_version", b"HTTP/1.1").decode()),
        _result=result,
    )
