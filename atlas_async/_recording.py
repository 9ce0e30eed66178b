"""What the transport tells a raw-response call in flight: each final answer, as it comes.

Kept apart from :mod:`._raw` (the public ``RawResponse``) so the transport, which records on
every request, does not import the dataclass machinery of the rarely used public side. A context
variable: concurrent calls never see each other's answers.
"""

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._http import Response

__all__ = ["RECORDER", "Recorder", "record"]


class Recorder:
    """The answers of one raw call: the last one, and how many requests and retries it took."""

    __slots__ = ("last", "replayed", "requests", "retries")

    def __init__(self) -> None:
        self.last: Response | None = None
        self.retries = 0
        self.requests = 0
        self.replayed = False


RECORDER: contextvars.ContextVar[Recorder | None] = contextvars.ContextVar(
    "atlas_async_raw", default=None
)


def record(response: Response, *, retries: int, replayed: bool) -> None:
    """Called by the transport for each final answer (cheap when no raw call is in flight)."""
    recorder = RECORDER.get()
    if recorder is not None:
        recorder.last = response
        recorder.retries = retries
        recorder.requests += 1
        recorder.replayed = replayed
