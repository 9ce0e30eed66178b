"""Route verified events to async handlers, exactly once per ``event_id``, and wake waiters.

Semantics ("Delivery semantics" in docs/webhooks.md explains them to users):

- Verify, then parse, then de-duplicate: nothing runs for a body whose signature fails.
- Every handler registered for the event runs, concurrently; one raising does not stop the others.
- The event is marked processed only when *all* of them succeeded. Otherwise the claim is released
  and the receiver answers 5xx, so Atlas redelivers it and every handler runs again: handlers must
  be idempotent (Atlas's own guidance), and in exchange no event is ever lost.
- Given an Atlas client, every first-seen event that concerns an envelope wakes
  ``wait_until_signed`` through ``await client.notify_envelope(envelope_id, status)`` (the
  client's waiter bus), after the handlers ran (so their side effects are visible to the woken
  code) and whatever they did. A bus that fails to carry the news is logged, not raised: the
  waiters fall back to polling, and the delivery's outcome stays what the handlers made it.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, Protocol, TypeAlias, TypeVar, overload, runtime_checkable

import anyio

from .._log import logger as get_logger
from ._events import (
    ContractExtractedEvent,
    EnvelopeEvent,
    EnvelopeSignedEvent,
    WebhookEvent,
    parse_event,
)
from ._http import WebhookResponse, respond
from ._signature import Secrets, normalize_secrets
from ._store import EventStore, InMemoryEventStore

__all__ = [
    "DispatchResult",
    "EnvelopeNotifier",
    "Handler",
    "HandlerFailure",
    "WebhookDispatcher",
]

logger = get_logger("atlas_async.webhooks")

E = TypeVar("E", bound=WebhookEvent)
#: An async callable taking the event; its return value is ignored.
Handler: TypeAlias = Callable[[E], Awaitable[object]]
Outcome: TypeAlias = Literal["processed", "duplicate", "in_progress", "failed"]

WILDCARD = "*"


@runtime_checkable
class EnvelopeNotifier(Protocol):
    """What the dispatcher needs of ``client``: ``atlas_async.Atlas.notify_envelope``."""

    async def notify_envelope(self, envelope_id: str, status: str | None = None) -> None: ...


@dataclass(frozen=True)
class HandlerFailure:
    """One handler that raised: its qualified name and the exception."""

    handler: str
    error: Exception


@dataclass(frozen=True)
class DispatchResult:
    """What happened to one delivery.

    ``outcome`` is ``"processed"`` (every handler succeeded), ``"duplicate"`` (already processed:
    nothing ran), ``"in_progress"`` (the same event is being processed by another delivery right
    now: nothing ran) or ``"failed"`` (at least one handler raised; see ``failures``).
    """

    event: WebhookEvent
    outcome: Outcome
    failures: tuple[HandlerFailure, ...] = ()

    @property
    def ok(self) -> bool:
        """True when Atlas may consider the delivery done (processed or duplicate)."""
        return self.outcome in ("processed", "duplicate")

    @property
    def http_status(self) -> int:
        """The status to answer Atlas with: 200 when ok, else a code that makes it retry.

        ``in_progress`` is 409 (try again later, the first delivery may still fail); ``failed``
        is 500.
        """
        if self.ok:
            return 200
        return 409 if self.outcome == "in_progress" else 500


def _name(handler: Callable[..., object]) -> str:
    return getattr(handler, "__qualname__", None) or repr(handler)


def _is_async_callable(handler: object) -> bool:
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
        getattr(handler, "__call__", None)  # noqa: B004 - an object whose __call__ is async
    )


def _implied_status(event: WebhookEvent) -> str | None:
    if isinstance(event, EnvelopeEvent):
        return event.implied_status
    if isinstance(event, ContractExtractedEvent):
        # Atlas extracts contracts only once they are signed.
        return EnvelopeSignedEvent.implied_status
    status = event.data.get("status")
    return status if isinstance(status, str) else None


class WebhookDispatcher:
    """Verify Atlas webhooks and run your async handlers on them, once per event.

    ::

        webhooks = WebhookDispatcher(secret=os.environ["ATLAS_API_KEY"], client=atlas)

        @webhooks.on(EnvelopeSignedEvent)
        async def archive(event: EnvelopeSignedEvent) -> None: ...

        # in any framework's route; the glue in .fastapi / .aiohttp / .asgi does exactly this
        answer = await webhooks.respond(raw_body, request.headers.get("X-Atlas-Signature"))
        return Response(answer.body, status_code=answer.status_code, headers=answer.headers)

    ``secret`` is the API key that created the envelopes (or several, while rotating).
    ``client`` is an ``atlas_async.Atlas`` (any object with an async ``notify_envelope``) whose
    ``wait_until_signed`` calls should wake on these events. ``store`` holds the de-duplication
    state (default: :class:`InMemoryEventStore`, this process only).
    """

    def __init__(
        self,
        secret: Secrets,
        *,
        client: EnvelopeNotifier | None = None,
        store: EventStore | None = None,
    ) -> None:
        self._secrets = normalize_secrets(secret)
        self._client: EnvelopeNotifier | None = None
        self.client = client
        self.store: EventStore = store if store is not None else InMemoryEventStore()
        self._routes: list[tuple[str | type[WebhookEvent], Handler[WebhookEvent]]] = []

    def __repr__(self) -> str:
        # Never the secrets.
        return f"<WebhookDispatcher handlers={len(self._routes)} store={type(self.store).__name__}>"

    @property
    def client(self) -> EnvelopeNotifier | None:
        """The ``Atlas`` client whose waiters these events wake (settable, e.g. in a lifespan)."""
        return self._client

    @client.setter
    def client(self, client: EnvelopeNotifier | None) -> None:
        if client is not None and not isinstance(client, EnvelopeNotifier):
            raise TypeError(
                "client must be an atlas_async.Atlas (an object with an async notify_envelope), "
                f"not {type(client).__name__}"
            )
        self._client = client

    # Registration -----------------------------------------------------------------------------

    @overload
    def on(self, event_type: type[E]) -> Callable[[Handler[E]], Handler[E]]: ...
    @overload
    def on(self, event_type: type[E], handler: Handler[E]) -> Handler[E]: ...
    @overload
    def on(self, event_type: str) -> Callable[[Handler[WebhookEvent]], Handler[WebhookEvent]]: ...
    @overload
    def on(self, event_type: str, handler: Handler[WebhookEvent]) -> Handler[WebhookEvent]: ...

    def on(self, event_type: str | type[WebhookEvent], handler: Handler[E] | None = None) -> object:
        """Register an async handler, as a decorator or directly.

        ``event_type`` is an event class (``EnvelopeSignedEvent``; a base class such as
        ``EnvelopeEvent`` matches all its subclasses, ``UnknownEvent`` every type this SDK does
        not know yet) or a ``type`` string (``"envelope.signed"``, also one Atlas adds later), or
        ``"*"`` for every event.
        """
        if isinstance(event_type, str):
            if not event_type:
                raise ValueError("event_type must be a non-empty string, an event class, or '*'")
        elif not (isinstance(event_type, type) and issubclass(event_type, WebhookEvent)):
            raise TypeError(f"event_type must be a str or a WebhookEvent class, not {event_type!r}")

        def register(fn: Handler[E]) -> Handler[E]:
            if not _is_async_callable(fn):
                raise TypeError(f"webhook handler {_name(fn)} must be async (async def)")
            self._routes.append((event_type, fn))  # type: ignore[arg-type]
            return fn

        return register if handler is None else register(handler)

    def on_any(self, handler: Handler[WebhookEvent]) -> Handler[WebhookEvent]:
        """Register a handler for every event (the same as ``on("*")``); usable as a decorator."""
        return self.on(WILDCARD, handler)

    def handlers_for(self, event: WebhookEvent) -> list[Handler[WebhookEvent]]:
        """The handlers ``event`` would run, in registration order, each once."""
        chosen: list[Handler[WebhookEvent]] = []
        for key, fn in self._routes:
            hit = key in (WILDCARD, event.type) if isinstance(key, str) else isinstance(event, key)
            if hit and fn not in chosen:
                chosen.append(fn)
        return chosen

    # Delivery -----------------------------------------------------------------------------------

    async def handle(self, payload: bytes, signature_header: str | bytes | None) -> DispatchResult:
        """Verify and parse one raw delivery, then :meth:`dispatch` it.

        Raises :class:`~atlas_async.WebhookSignatureError` or
        :class:`~atlas_async.WebhookPayloadError` before anything runs or is recorded.
        """
        event = parse_event(payload, signature_header, self._secrets)
        return await self.dispatch(event)

    async def respond(
        self, payload: bytes, signature_header: str | bytes | None
    ) -> WebhookResponse:
        """:meth:`handle`, turned into the HTTP answer Atlas should get (never raises for bad input).

        The framework glue is built on this; use it to receive webhooks in any other framework:
        pass the raw body and the header, send back ``status_code``, ``body`` and ``headers``.
        """
        return await respond(self, payload, signature_header)

    async def dispatch(self, event: WebhookEvent) -> DispatchResult:
        """Run the handlers for an event that was already verified (see :meth:`handle`)."""
        claim = await self.store.claim(event.event_id)
        if claim == "processed":
            logger.debug("webhook %s (%s) is a duplicate; skipped", event.event_id, event.type)
            return DispatchResult(event, "duplicate")
        if claim == "in_progress":
            logger.info("webhook %s (%s) is already being processed", event.event_id, event.type)
            return DispatchResult(event, "in_progress")

        done = False
        try:
            failures = await self._run_handlers(event)
            if not failures:
                await self.store.mark_processed(event.event_id)
                done = True
        finally:
            if not done:
                # Shielded: even when cancelled, the claim must go, or Atlas's redelivery would be
                # answered "in progress" for as long as this process lives.
                with anyio.CancelScope(shield=True):
                    await self.store.release(event.event_id)
        await self._wake(event)
        if failures:
            return DispatchResult(event, "failed", tuple(failures))
        return DispatchResult(event, "processed")

    async def _run_handlers(self, event: WebhookEvent) -> list[HandlerFailure]:
        failures: list[HandlerFailure] = []

        async def run(fn: Handler[WebhookEvent]) -> None:
            try:
                await fn(event)
            except Exception as exc:  # one handler's failure must not cancel the others
                logger.error(
                    "webhook handler %s failed on %s (%s, envelope %s); the event will be retried",
                    _name(fn),
                    event.event_id,
                    event.type,
                    event.envelope_id,
                    exc_info=exc,
                )
                failures.append(HandlerFailure(_name(fn), exc))

        async with anyio.create_task_group() as tg:
            for fn in self.handlers_for(event):
                tg.start_soon(run, fn)
        return failures

    async def _wake(self, event: WebhookEvent) -> None:
        if self._client is None or event.envelope_id is None:
            return
        try:
            await self._client.notify_envelope(event.envelope_id, _implied_status(event))
        except Exception:
            logger.warning(
                "webhook %s: the waiter bus failed; waiters on %s will see it at their next poll",
                event.event_id,
                event.envelope_id,
                exc_info=True,
            )
            return
        logger.debug("webhook %s: notified waiters on %s", event.event_id, event.envelope_id)
