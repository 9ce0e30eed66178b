"""The bulk engine: bounded concurrency, outcomes as they complete, exactly once across re-runs.

Shape: one feeder task hands items, one at a time, to ``concurrency`` workers through an unbuffered
anyio stream, so an item is only taken when a worker is free; that makes "not attempted" exact when
the batch stops. Workers push outcomes into a small buffered stream that the caller iterates; when
the caller is slower than the workers, the workers wait (back-pressure, bounded memory).

Everything lives in one task group opened by :func:`send_many`'s context manager: leaving the
``async with`` (normally, by ``break``, by an exception, or by an outer cancellation) cancels the
group, so no task outlives the block and no request is left half-read on a pooled connection.
"""

from __future__ import annotations

import functools
import random
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from .._errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    FieldsPendingError,
    IdempotencyKeyInUseError,
    InsufficientCreditsError,
    InternalServerError,
    PermissionDeniedError,
    RateLimitError,
)
from .._responses import was_replayed
from ._gate import BackoffGate
from ._items import BulkItem, derive_key

if TYPE_CHECKING:
    from .._client import Atlas

__all__ = [
    "BulkOutcome",
    "BulkRun",
    "BulkSummary",
    "OutcomeStatus",
    "RetryPolicy",
    "create_key",
    "send_all",
    "send_key",
    "send_many",
]

T = TypeVar("T")

OutcomeStatus = Literal["sent", "already_sent", "failed", "not_attempted"]


def create_key(key: str) -> str:
    """The Idempotency-Key of an item's create request."""
    return f"bulk:{key}:create"


def send_key(key: str) -> str:
    """The Idempotency-Key of an item's send (or template send) request."""
    return f"bulk:{key}:send"


@dataclass(frozen=True)
class RetryPolicy:
    """How bulk retries one request. The client's own retries are switched off inside a batch so
    that every 429 reaches the shared gate.

    ``max_attempts`` bounds connection errors, timeouts, 5xx, 408 and 409 ``idempotency_key_in_use``
    per request (backoff ``base_delay * 2**n`` with jitter, capped at ``max_delay``). 429s close the
    gate for the whole batch instead and have their own budget, ``max_rate_limited``; the gate stays
    closed for ``Retry-After`` seconds (capped at ``max_retry_after``), or, without one, for a
    backoff that doubles with each consecutive 429.
    """

    max_attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_rate_limited: int = 30
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.max_rate_limited < 0:
            raise ValueError("max_attempts must be >= 1 and max_rate_limited >= 0")
        if self.base_delay < 0 or self.max_delay < 0 or self.max_retry_after < 0:
            raise ValueError("delays must be >= 0")

    def backoff(self, attempt: int) -> float:
        delay: float = min(self.base_delay * 2 ** min(attempt, 16), self.max_delay)
        return delay * (0.5 + random.random() / 2)


@dataclass(frozen=True)
class BulkOutcome:
    """What happened to one item. ``index`` is its position in the input."""

    index: int
    item: BulkItem
    status: OutcomeStatus
    key: str | None = None
    envelope_id: str | None = None
    #: The envelope's status as last seen (``pending`` after a send; anything for already_sent).
    envelope_status: str | None = None
    error: BaseException | None = None
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return self.status in ("sent", "already_sent")


@dataclass(frozen=True)
class BulkSummary:
    total: int
    sent: int
    already_sent: int
    failed: int
    not_attempted: int
    #: Envelopes this run dispatched: one credit each. A send the server answered as a replay
    #: of an earlier run's (``Idempotency-Replayed: true``) is ``already_sent`` and not counted,
    #: like an envelope the look-up found already sent.
    credits_spent: int
    elapsed: float
    #: Envelopes sent per second of wall time.
    rate: float
    #: 429s seen, each of which paused the whole batch.
    rate_limited: int
    #: Why the batch stopped early (``insufficient_credits``, ``authentication``,
    #: ``permission_denied``, ``stopped``), or None when every item was attempted.
    stopped_reason: str | None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class _Counts:
    sent: int = 0
    already_sent: int = 0
    failed: int = 0
    not_attempted: int = 0


_STOPPING_ERRORS: tuple[tuple[type[APIStatusError], str], ...] = (
    (InsufficientCreditsError, "insufficient_credits"),
    (AuthenticationError, "authentication"),
    (PermissionDeniedError, "permission_denied"),
)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, APIConnectionError | InternalServerError | IdempotencyKeyInUseError):
        return True
    if isinstance(exc, FieldsPendingError):  # the client's own wait gave up: try again later
        return True
    return isinstance(exc, APIStatusError) and exc.status_code == 408


@dataclass
class BulkRun:
    """A running batch: iterate it for outcomes, read :attr:`summary` at any time."""

    _client: Atlas
    _items: Iterable[BulkItem] | AsyncIterable[BulkItem]
    concurrency: int
    retry: RetryPolicy
    lookup_existing: bool
    skip_keys: frozenset[str]
    #: Number of items when the input has a length (for progress and ETA), else None.
    total: int | None = None
    _counts: _Counts = field(default_factory=_Counts)
    _stopped_reason: str | None = None
    _started: float = 0.0
    _finished: float | None = None
    _seen_keys: set[str] = field(default_factory=set)
    _gate: BackoffGate = field(init=False)
    _out_send: MemoryObjectSendStream[BulkOutcome] = field(init=False)
    _out_recv: MemoryObjectReceiveStream[BulkOutcome] = field(init=False)

    def __post_init__(self) -> None:
        self._gate = BackoffGate(
            base_delay=self.retry.base_delay,
            max_delay=self.retry.max_delay,
            max_retry_after=self.retry.max_retry_after,
        )
        self._out_send, self._out_recv = anyio.create_memory_object_stream[BulkOutcome](
            max(1, self.concurrency)
        )

    # -- public -------------------------------------------------------------------------------

    def stop(self, reason: str = "stopped") -> None:
        """Start no new item; items in flight finish; the rest are reported ``not_attempted``."""
        if self._stopped_reason is None:
            self._stopped_reason = reason

    @property
    def stopped_reason(self) -> str | None:
        return self._stopped_reason

    @property
    def summary(self) -> BulkSummary:
        """Counts so far; final once iteration has ended."""
        c = self._counts
        end = self._finished if self._finished is not None else anyio.current_time()
        elapsed = max(end - self._started, 0.0)
        done = c.sent + c.already_sent + c.failed + c.not_attempted
        return BulkSummary(
            total=max(self.total or 0, done),
            sent=c.sent,
            already_sent=c.already_sent,
            failed=c.failed,
            not_attempted=c.not_attempted,
            credits_spent=c.sent,
            elapsed=elapsed,
            rate=c.sent / elapsed if elapsed > 0 else 0.0,
            rate_limited=self._gate.pauses,
            stopped_reason=self._stopped_reason,
        )

    def __aiter__(self) -> MemoryObjectReceiveStream[BulkOutcome]:
        # The stream itself, not an async generator: nothing to finalise if the caller breaks.
        return self._out_recv

    # -- engine -------------------------------------------------------------------------------

    async def _drive(self) -> None:
        self._started = anyio.current_time()
        # One receive stream shared by every worker (no clones): closing it here, whatever
        # happened, is what guarantees no stream is left open after a cancellation.
        item_send, item_recv = anyio.create_memory_object_stream[tuple[int, BulkItem]](0)
        try:
            async with anyio.create_task_group() as tg:
                for _ in range(self.concurrency):
                    tg.start_soon(self._worker, item_recv)
                try:
                    await self._feed(item_send)
                finally:
                    item_send.close()  # workers drain what they hold, then see the end
        finally:
            item_send.close()
            item_recv.close()
            self._out_send.close()  # the caller's iteration ends
            self._finished = anyio.current_time()

    def _close(self) -> None:
        self._out_send.close()
        self._out_recv.close()

    async def _feed(self, item_send: MemoryObjectSendStream[tuple[int, BulkItem]]) -> None:
        index = 0
        if isinstance(self._items, AsyncIterable):
            async for item in self._items:
                await self._offer(item_send, index, item)
                index += 1
        else:
            for item in self._items:
                await self._offer(item_send, index, item)
                index += 1

    async def _offer(
        self, item_send: MemoryObjectSendStream[tuple[int, BulkItem]], index: int, item: BulkItem
    ) -> None:
        if self._stopped_reason is not None:
            await self._emit(BulkOutcome(index, item, "not_attempted"))
        else:
            await item_send.send((index, item))

    async def _worker(self, item_recv: MemoryObjectReceiveStream[tuple[int, BulkItem]]) -> None:
        async for index, item in item_recv:
            if self._stopped_reason is not None:
                await self._emit(BulkOutcome(index, item, "not_attempted"))
            else:
                await self._emit(await self._process(index, item))

    async def _emit(self, outcome: BulkOutcome) -> None:
        setattr(self._counts, outcome.status, getattr(self._counts, outcome.status) + 1)
        await self._out_send.send(outcome)

    async def _process(self, index: int, item: BulkItem) -> BulkOutcome:
        attempts = [0]  # every request of this item, retries included (shared with _call)
        replay = False
        key: str | None = None
        envelope_id: str | None = None
        try:
            key = await derive_key(item)
            if key in self._seen_keys:
                raise ValueError(f"duplicate bulk key {key!r} in this batch: item skipped")
            self._seen_keys.add(key)
            if key in self.skip_keys:
                return BulkOutcome(index, item, "already_sent", key=key)
            if self.lookup_existing:
                found, _ = await self._call(
                    attempts, functools.partial(_find_existing, self._client, key)
                )
                if found is not None:
                    envelope_id, status = found
                    if status != "draft":
                        return BulkOutcome(
                            index,
                            item,
                            "already_sent",
                            key=key,
                            envelope_id=envelope_id,
                            envelope_status=status,
                            attempts=attempts[0],
                        )
            if item.template_id is not None:
                envelope_id, sent_status, replay = await self._send_template(item, key, attempts)
            else:
                envelope_id, sent_status, replay = await self._send_document(
                    item, key, envelope_id, attempts
                )
        except Exception as exc:
            for error_type, reason in _STOPPING_ERRORS:
                if isinstance(exc, error_type):
                    self.stop(reason)
            return BulkOutcome(
                index,
                item,
                "failed",
                key=key,
                envelope_id=envelope_id,
                error=exc,
                attempts=attempts[0],
            )
        return BulkOutcome(
            index,
            item,
            # A replayed send is an earlier run's dispatch: nothing went out, nothing was spent.
            "already_sent" if replay else "sent",
            key=key,
            envelope_id=envelope_id,
            envelope_status=sent_status,
            attempts=attempts[0],
        )

    async def _send_template(
        self, item: BulkItem, key: str, attempts: list[int]
    ) -> tuple[str, str | None, bool]:
        template_id = item.template_id or ""
        sent, uncertain = await self._call(
            attempts,
            lambda: self._client.templates.send(
                template_id,
                parties=list(item.parties),
                prefill=dict(item.prefill) or None,
                metadata={**item.metadata, "external_id": key},
                webhook_url=item.webhook_url,
                idempotency_key=send_key(key),
            ),
        )
        return str(sent.envelope_id), _text(sent.status), _replay(sent, uncertain)

    async def _send_document(
        self, item: BulkItem, key: str, draft_id: str | None, attempts: list[int]
    ) -> tuple[str, str | None, bool]:
        if draft_id is None:  # no draft from an earlier run: create one
            draft, _ = await self._call(
                attempts,
                lambda: self._client.envelopes.create(
                    item.document,
                    parties=list(item.parties),
                    metadata={**item.metadata, "external_id": key},
                    webhook_url=item.webhook_url,
                    idempotency_key=create_key(key),
                ),
            )
            draft_id = str(draft.envelope_id)
        eid = draft_id
        sent, uncertain = await self._call(
            attempts, lambda: self._client.envelopes.send(eid, idempotency_key=send_key(key))
        )
        return eid, _text(sent.status), _replay(sent, uncertain)

    async def _call(self, attempts: list[int], fn: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """``fn()`` with the batch's retries; also whether an attempt may have done the work
        before the one that answered (a connection lost, a 5xx, a 408: see ``_replay``)."""
        failures = 0
        limited = 0
        uncertain = False
        while True:
            await self._gate.wait()
            attempts[0] += 1
            try:
                result = await fn()
            except RateLimitError as exc:
                limited += 1
                if limited > self.retry.max_rate_limited:
                    raise
                self._gate.close_for(exc.retry_after)
                continue
            except Exception as exc:
                failures += 1
                if not _retryable(exc) or failures >= self.retry.max_attempts:
                    raise
                uncertain = uncertain or _may_have_committed(exc)
                await anyio.sleep(self.retry.backoff(failures - 1))
                continue
            self._gate.opened()
            return result, uncertain


def _may_have_committed(exc: BaseException) -> bool:
    """Could the failed attempt have reached the server and done the work anyway?"""
    if isinstance(exc, APIConnectionError | InternalServerError):
        return True
    return isinstance(exc, APIStatusError) and exc.status_code == 408


def _replay(sent: object, uncertain: bool) -> bool:
    """Was this send an earlier run's, replayed (``Idempotency-Replayed: true``)?

    Only when no attempt of this run may have done it: after a lost answer, the replay that
    answers the retry is most likely this run's own dispatch, and it is counted as sent (the
    rare opposite, an earlier run's send plus a connection lost this run before reaching the
    server, is then counted as sent too: the count errs towards spent, never towards free).
    """
    return was_replayed(sent) and not uncertain


async def _find_existing(client: Atlas, key: str) -> tuple[str, str] | None:
    """The envelope an earlier run made for ``key``: a dispatched one first, else a draft."""
    draft: tuple[str, str] | None = None
    async for summary in client.envelopes.list(external_id=key):
        status = str(summary.status)
        found = (str(summary.envelope_id), status)
        if status != "draft":
            return found
        draft = draft or found
    return draft


def _no_client_retries(atlas: Atlas) -> Atlas:
    # Every 429 must reach the shared gate, and every retry must reuse the bulk key: the engine
    # retries, the client does not (a copy: the caller's client keeps its own settings).
    return atlas.with_options(max_retries=0)


@asynccontextmanager
async def send_many(
    atlas: Atlas,
    items: Iterable[BulkItem] | AsyncIterable[BulkItem],
    *,
    concurrency: int = 8,
    retry: RetryPolicy | None = None,
    lookup_existing: bool = True,
    skip_keys: Iterable[str] = (),
) -> AsyncIterator[BulkRun]:
    """Send many envelopes; iterate the yielded :class:`BulkRun` for outcomes as they complete.

    ``atlas`` is an ``Atlas`` (or an ``atlas.for_account(...)`` copy). ``lookup_existing`` asks
    the server, before creating, whether an earlier run already made this item's envelope
    (``list(external_id=key)``): one GET per item that keeps re-runs exact beyond the server's 24 h
    idempotency window. ``skip_keys`` are keys the caller already knows went out (from a results
    file, say): they are reported ``already_sent`` without a request.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be >= 1")
    total: int | None = None
    if not isinstance(items, AsyncIterable):
        try:
            total = len(items)  # type: ignore[arg-type]
        except TypeError:
            total = None
    run = BulkRun(
        _client=_no_client_retries(atlas),
        _items=items,
        concurrency=concurrency,
        retry=retry or RetryPolicy(),
        lookup_existing=lookup_existing,
        skip_keys=frozenset(skip_keys),
        total=total,
    )
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(run._drive)
            try:
                yield run
            finally:
                # The caller left the block: whatever is still running belongs to nobody now.
                tg.cancel_scope.cancel()
    finally:
        run._close()


async def send_all(
    atlas: Atlas,
    items: Iterable[BulkItem] | AsyncIterable[BulkItem],
    *,
    concurrency: int = 8,
    retry: RetryPolicy | None = None,
    lookup_existing: bool = True,
    skip_keys: Iterable[str] = (),
    on_outcome: Callable[[BulkOutcome], Awaitable[None] | None] | None = None,
) -> BulkSummary:
    """Run a whole batch and return its summary; ``on_outcome`` sees each outcome as it lands."""
    async with send_many(
        atlas,
        items,
        concurrency=concurrency,
        retry=retry,
        lookup_existing=lookup_existing,
        skip_keys=skip_keys,
    ) as run:
        async for outcome in run:
            if on_outcome is not None:
                result = on_outcome(outcome)
                if result is not None:
                    await result
    return run.summary
