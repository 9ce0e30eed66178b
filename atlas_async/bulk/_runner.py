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

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from .._errors import (
    APIStatusError,
    AuthenticationError,
    InsufficientCreditsError,
    PermissionDeniedError,
)
from .._middleware import Attempt, AttemptResponse, CallNext
from .._ratelimit import LocalRateGate, RateGate
from .._responses import was_replayed
from .._retry import RetryPolicy
from ._items import BulkItem, derive_key

if TYPE_CHECKING:
    from .._client import Atlas

__all__ = [
    "BULK_RETRY",
    "BulkOutcome",
    "BulkRun",
    "BulkSummary",
    "BulkTally",
    "OutcomeStatus",
    "create_key",
    "lookup_wanted",
    "send_all",
    "send_key",
    "send_many",
]

OutcomeStatus = Literal["sent", "already_sent", "failed", "not_attempted"]


def create_key(key: str) -> str:
    """The Idempotency-Key of an item's create request."""
    return f"bulk:{key}:create"


def send_key(key: str) -> str:
    """The Idempotency-Key of an item's send (or template send) request."""
    return f"bulk:{key}:send"


#: The retry policy of a batch, unless ``retry=`` says otherwise: more patient than a single call
#: (8 retries, backoff up to 30 s), within a budget of 5 minutes per request, so a broken or hostile
#: server can stall an item for minutes, never for the half hour 30 consecutive 60 s pauses
#: would take. 429s pause the whole batch through its rate gate.
BULK_RETRY = RetryPolicy(max_retries=8, initial_delay=0.5, max_delay=30.0, budget=300.0)


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
class BulkTally:
    """The outcome counts of one batch, and its :class:`BulkSummary`: one definition for a batch
    run in this process and one run through workers (``atlas_async.contrib.taskiq``)."""

    sent: int = 0
    already_sent: int = 0
    failed: int = 0
    not_attempted: int = 0

    def add(self, outcome: BulkOutcome) -> None:
        setattr(self, outcome.status, getattr(self, outcome.status) + 1)

    def summary(
        self,
        *,
        total: int | None,
        started: float,
        finished: float | None,
        rate_limited: int,
        stopped_reason: str | None,
    ) -> BulkSummary:
        """The summary so far (``finished`` None: the clock is still running)."""
        end = finished if finished is not None else anyio.current_time()
        elapsed = max(end - started, 0.0)
        done = self.sent + self.already_sent + self.failed + self.not_attempted
        return BulkSummary(
            total=max(total or 0, done),
            sent=self.sent,
            already_sent=self.already_sent,
            failed=self.failed,
            not_attempted=self.not_attempted,
            credits_spent=self.sent,
            elapsed=elapsed,
            rate=self.sent / elapsed if elapsed > 0 else 0.0,
            rate_limited=rate_limited,
            stopped_reason=stopped_reason,
        )


_STOPPING_ERRORS: tuple[tuple[type[APIStatusError], str], ...] = (
    (InsufficientCreditsError, "insufficient_credits"),
    (AuthenticationError, "authentication"),
    (PermissionDeniedError, "permission_denied"),
)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@dataclass
class BulkRun:
    """A running batch: iterate it for outcomes, read :attr:`summary` at any time."""

    _client: Atlas
    _items: Iterable[BulkItem] | AsyncIterable[BulkItem]
    concurrency: int
    gate: RateGate
    lookup_existing: bool
    skip_keys: frozenset[str]
    #: Number of items when the input has a length (for progress and ETA), else None.
    total: int | None = None
    _counts: BulkTally = field(default_factory=BulkTally)
    _stopped_reason: str | None = None
    _started: float = 0.0
    _finished: float | None = None
    _seen_keys: set[str] = field(default_factory=set)
    _out_send: MemoryObjectSendStream[BulkOutcome] = field(init=False)
    _out_recv: MemoryObjectReceiveStream[BulkOutcome] = field(init=False)

    def __post_init__(self) -> None:
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
        return self._counts.summary(
            total=self.total,
            started=self._started,
            finished=self._finished,
            rate_limited=self.gate.pauses,
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
        self._counts.add(outcome)
        await self._out_send.send(outcome)

    async def _process(self, index: int, item: BulkItem) -> BulkOutcome:
        # A copy of the batch's client per item, whose middleware counts this item's attempts
        # (retries included); copies share the pool and cost one small object.
        counter = _AttemptCounter()
        client = self._client.with_options(middleware=[*self._client.middleware, counter])
        key: str | None = None
        envelope_id: str | None = None
        replay = False
        try:
            key = await derive_key(item)
            if key in self._seen_keys:
                raise ValueError(f"duplicate bulk key {key!r} in this batch: item skipped")
            self._seen_keys.add(key)
            if key in self.skip_keys:
                return BulkOutcome(index, item, "already_sent", key=key)
            if self.lookup_existing:
                found = await _find_existing(client, key)
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
                            attempts=counter.attempts,
                        )
            if item.template_id is not None:
                envelope_id, sent_status, replay = await _send_template(client, item, key)
            else:
                envelope_id, sent_status, replay = await _send_document(
                    client, item, key, envelope_id
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
                attempts=counter.attempts,
            )
        return BulkOutcome(
            index,
            item,
            # A replayed send is an earlier run's dispatch: nothing went out, nothing was spent.
            "already_sent" if replay else "sent",
            key=key,
            envelope_id=envelope_id,
            envelope_status=sent_status,
            attempts=counter.attempts,
        )


class _AttemptCounter:
    """Middleware counting the HTTP attempts of one item."""

    __slots__ = ("attempts",)

    def __init__(self) -> None:
        self.attempts = 0

    async def __call__(self, attempt: Attempt, call_next: CallNext) -> AttemptResponse:
        self.attempts += 1
        return await call_next(attempt)


async def _send_template(client: Atlas, item: BulkItem, key: str) -> tuple[str, str | None, bool]:
    sent = await client.templates.send(
        item.template_id or "",
        parties=list(item.parties),
        prefill=dict(item.prefill) or None,
        metadata={**item.metadata, "external_id": key},
        webhook_url=item.webhook_url,
        idempotency_key=send_key(key),
    )
    # The transport reports a replay only when no attempt of this call may have done the work
    # (after a lost answer, the replay that answers the retry is most likely this run's own
    # dispatch, and it counts as sent: the count errs towards spent, never towards free).
    return str(sent.envelope_id), _text(sent.status), was_replayed(sent)


async def _send_document(
    client: Atlas, item: BulkItem, key: str, draft_id: str | None
) -> tuple[str, str | None, bool]:
    if draft_id is None:  # no draft from an earlier run: create one
        draft = await client.envelopes.create(
            item.document,
            parties=list(item.parties),
            metadata={**item.metadata, "external_id": key},
            webhook_url=item.webhook_url,
            idempotency_key=create_key(key),
        )
        draft_id = str(draft.envelope_id)
    sent = await client.envelopes.send(draft_id, idempotency_key=send_key(key))
    return draft_id, _text(sent.status), was_replayed(sent)


def lookup_wanted(lookup_existing: bool | None, skip_keys: Iterable[str]) -> bool:
    """Whether a batch looks its items up before creating them: as asked, else (``None``) only
    when it resumes an earlier run (``skip_keys`` from that run's results are given).

    The look-up exists for one case: an item an earlier run created or sent more than 24 h ago,
    when the server has forgotten its idempotency keys. A first run pays one GET per item for
    nothing; a re-run of a batch that left no results behind must say ``True`` itself.
    """
    if lookup_existing is not None:
        return bool(lookup_existing)
    return any(True for _ in skip_keys)


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


@asynccontextmanager
async def send_many(
    atlas: Atlas,
    items: Iterable[BulkItem] | AsyncIterable[BulkItem],
    *,
    concurrency: int = 8,
    retry: RetryPolicy | None = None,
    rate_gate: RateGate | None = None,
    lookup_existing: bool | None = None,
    skip_keys: Iterable[str] = (),
) -> AsyncIterator[BulkRun]:
    """Send many envelopes; iterate the yielded :class:`BulkRun` for outcomes as they complete.

    ``atlas`` is an ``Atlas`` (or an ``atlas.for_account(...)`` copy). ``skip_keys`` are keys the
    caller already knows went out (from a results file, say): they are reported ``already_sent``
    without a request. ``lookup_existing=True`` asks the server, before creating, whether an
    earlier run already made an item's envelope (``list(external_id=key)``): one GET per item that
    keeps a re-run exact beyond the server's 24 h idempotency window. The default (``None``) does
    so only when resuming, that is when ``skip_keys`` is not empty: a first run has nothing to
    find, and a re-run within 24 h is exact through its idempotency keys alone (see
    :func:`lookup_wanted`).

    ``retry`` is the policy of every request of the batch (default :data:`BULK_RETRY`).
    ``rate_gate`` is the 429 gate every request passes (default: a new in-process
    :class:`~atlas_async.LocalRateGate` for this batch); pass a shared one to pace several
    batches, or several processes, together.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be >= 1")
    total: int | None = None
    if not isinstance(items, AsyncIterable):
        try:
            total = len(items)  # type: ignore[arg-type]
        except TypeError:
            total = None
    skip = frozenset(skip_keys)
    policy = retry if retry is not None else BULK_RETRY
    gate = rate_gate if rate_gate is not None else LocalRateGate(policy)
    run = BulkRun(
        # The gate goes first: every attempt, retries included, waits at it.
        _client=atlas.with_options(retry=policy, middleware=[gate, *atlas.middleware]),
        _items=items,
        concurrency=concurrency,
        gate=gate,
        lookup_existing=lookup_wanted(lookup_existing, skip),
        skip_keys=skip,
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
    rate_gate: RateGate | None = None,
    lookup_existing: bool | None = None,
    skip_keys: Iterable[str] = (),
    on_outcome: Callable[[BulkOutcome], Awaitable[None] | None] | None = None,
) -> BulkSummary:
    """Run a whole batch and return its summary; ``on_outcome`` sees each outcome as it lands."""
    async with send_many(
        atlas,
        items,
        concurrency=concurrency,
        retry=retry,
        rate_gate=rate_gate,
        lookup_existing=lookup_existing,
        skip_keys=skip_keys,
    ) as run:
        async for outcome in run:
            if on_outcome is not None:
                result = on_outcome(outcome)
                if result is not None:
                    await result
    return run.summary
