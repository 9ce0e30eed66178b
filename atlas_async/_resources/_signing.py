"""The signing flows of ``atlas.envelopes``: waiting for fields, sending through conflicts, waiting
for signatures, and the whole flow in one call.

These are the SDK's own logic on top of single requests: they poll, retry a send after a
``fields_pending`` or ``fields_version_conflict``, and listen to the waiter bus. Mixed into
:class:`~atlas_async._resources.envelopes.Envelopes`.
"""

from __future__ import annotations

import inspect
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Unpack

import anyio

from .._documents import DocumentSource
from .._errors import (
    FieldDetectionFailedError,
    FieldsPendingError,
    FieldsVersionConflictError,
    IdempotencyKeyReusedError,
    InvalidStateError,
    ManualPlacementRequiredError,
    WaitTimeoutError,
)
from .._generated.api.envelopes import send_envelope
from .._generated.models import SendEnvelopeRequest
from .._log import logger as get_logger
from .._models import (
    Envelope,
    EnvelopeProgress,
    EnvelopeStatus,
    FieldLike,
    FieldsStatus,
    Party,
    PartyLike,
    to_field_inputs,
    to_parties,
)
from .._polling import POLLS_PER_SECOND, PollIntervals, check_timeout, poll_until, safety_net
from ._base import path_id
from ._envelope_calls import EnvelopeCalls, required_version
from ._keys import check_key, new_idempotency_key, send_idempotency_key, versioned_key
from ._options import RequestOptions, RetryOptions, applying_to, capture, request_options
from ._until_signed import SigningStatus, deferral, read_news, terminal

__all__ = ["ConflictHook", "SigningFlows"]

logger = get_logger("atlas_async")

ConflictHook = Callable[[Envelope], bool | Awaitable[bool]]
"""``on_conflict(current) -> bool``: may the envelope go out with the fields it has *now*?"""

DEFAULT_FIELDS_TIMEOUT = 120.0
DEFAULT_SIGN_TIMEOUT = 3600.0
DEFAULT_CONFLICT_RETRIES = 3


class SigningFlows(EnvelopeCalls):
    """The flows of ``atlas.envelopes``, on top of its single-request calls."""

    __slots__ = ()

    @request_options
    async def wait_for_fields(
        self,
        envelope_id: str,
        *,
        timeout: float | None = DEFAULT_FIELDS_TIMEOUT,  # noqa: ASYNC109 - overall deadline
        fields: Iterable[FieldLike] | None = None,
        **options: Unpack[RetryOptions],
    ) -> Envelope:
        """Poll until field detection settles; return the envelope.

        ``failed`` raises FieldDetectionFailedError (with the server's detection error).
        ``recovered_empty`` (no fields found) is returned as is so you can place fields, unless
        ``fields=`` is given: then those are applied and the updated envelope is returned. They
        are applied only to a draft that still has no fields: on a re-run (the envelope already
        sent, or its fields already placed by the first run) the envelope is returned as it is.
        """
        eid = path_id(envelope_id, "envelope_id")
        fallback = to_field_inputs(fields) if fields is not None else None
        env = await poll_until(
            # Detection state and status are what this wait decides on: an answer without them
            # raises APIResponseValidationError naming the field, rather than guessing.
            lambda: self._read(eid, "status", "fields_status"),
            lambda e: e.fields_status != FieldsStatus.PENDING,
            timeout=timeout,
            what=f"field detection on envelope {eid}",
        )
        if env.fields_status == FieldsStatus.FAILED:
            detail = env.metadata.detection_error if env.metadata is not None else None
            raise FieldDetectionFailedError(eid, detail if isinstance(detail, str) else None)
        if (
            env.fields_status == FieldsStatus.RECOVERED_EMPTY
            and fallback
            and env.status == EnvelopeStatus.DRAFT
            and not env.fields
        ):
            await self.update_fields(eid, fallback, fields_version=env.fields_version)
            env = await self._read(eid, "status", "fields_status")
        return env

    @request_options
    async def send(
        self,
        envelope_id: str,
        *,
        parties: Iterable[PartyLike] | None = None,
        fields_version: int | None = None,
        on_conflict: ConflictHook | None = None,
        max_conflict_retries: int = DEFAULT_CONFLICT_RETRIES,
        fields_timeout: float | None = DEFAULT_FIELDS_TIMEOUT,
        idempotency_key: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Envelope:
        """Dispatch the envelope to its first signer (one credit).

        * reads fields_version when not given, so the send is pinned to the fields you saw;
        * 409 ``fields_pending``: waits for detection (``fields_timeout``), then retries;
        * 409 ``fields_version_conflict``: re-reads the envelope, asks ``on_conflict(current)``
          whether it may go out with the new fields (no hook: yes), and retries, at most
          ``max_conflict_retries`` times; a veto re-raises the conflict;
        * the Idempotency-Key is derived from envelope id + fields_version (+ body digest), so
          re-running a send that already went out replays it instead of spending again. A key
          you pass is used as is for the first attempt and suffixed ``-v<version>`` after a
          conflict (a different version is a different request).
        * a re-run that finds the envelope no longer a draft (409 ``invalid_state``) returns the
          earlier send when the server proves it was this call's: the send is repeated once
          under the key this call would have used for the envelope's current fields_version,
          and only a replay of it is accepted (``was_replayed`` is then True). An envelope
          sent by anyone else (another key, another tool) still raises InvalidStateError.
        * 402 raises InsufficientCreditsError and is never retried.
        """
        eid = path_id(envelope_id, "envelope_id")
        party_list = to_parties(parties, required=False)
        caller_key = check_key(idempotency_key)
        if max_conflict_retries < 0:
            raise ValueError("max_conflict_retries must be >= 0")
        if fields_version is None:
            env = await self._read(eid, "fields_version")
            if env.fields_status == FieldsStatus.PENDING:
                env = await self._settled(eid, fields_timeout)
            fields_version = required_version(env)
        conflicts = 0
        pending_waits = 0
        first = True
        while True:
            body = SendEnvelopeRequest(fields_version=fields_version, parties=party_list)
            if caller_key is not None:
                key = caller_key if first else versioned_key(caller_key, fields_version)
            else:
                key = send_idempotency_key(eid, fields_version, body.to_dict())
            try:
                return await self._post_send(eid, body, key)
            except InvalidStateError:
                earlier = await self._earlier_send(eid, party_list, caller_key, key)
                if earlier is None:
                    raise
                return earlier
            except FieldsPendingError:
                pending_waits += 1
                if pending_waits > max_conflict_retries + 1:
                    raise
                logger.info("envelope %s: fields pending; waiting", eid)
                env = await self._settled(eid, fields_timeout)
                fields_version = required_version(env)
            except FieldsVersionConflictError as conflict:
                conflicts += 1
                if conflicts > max_conflict_retries:
                    raise
                current = await self._read(eid, "fields_version")
                logger.info(
                    "envelope %s: fields changed (v%s -> v%s) before send",
                    eid,
                    fields_version,
                    current.fields_version,
                )
                if on_conflict is not None:
                    verdict = on_conflict(current)
                    if inspect.isawaitable(verdict):
                        verdict = await verdict
                    if not verdict:
                        raise conflict
                fields_version = required_version(current)
            first = False

    async def _post_send(self, eid: str, body: SendEnvelopeRequest, key: str) -> Envelope:
        return await self._invoke(
            send_envelope.asyncio_detailed,
            Envelope,
            self._call("send", envelope_id=eid),
            eid,
            body=body,
            idempotency_key=key,
            known={"envelope_id": eid},
        )

    async def _earlier_send(
        self,
        eid: str,
        party_list: list[Party] | None,
        caller_key: str | None,
        tried_key: str,
    ) -> Envelope | None:
        """The send an earlier run of this same call made, if the server proves it; else None.

        The envelope is no longer a draft. If an earlier run sent it after a conflict, it did so
        under this call's key for the fields_version the envelope has now (fields cannot change
        after a send): repeating that exact request is answered from the idempotency store. A
        send by anyone else is not stored under that key, so it fails again (invalid_state, or
        422 when the key carried another body) and the caller sees the original error: nothing
        here can claim a dispatch that was not this call's.
        """
        current = await self._read(eid, "status", "fields_version")
        if current.status == EnvelopeStatus.DRAFT:
            return None
        version = required_version(current)
        body = SendEnvelopeRequest(fields_version=version, parties=party_list)
        if caller_key is not None:
            key = versioned_key(caller_key, version)
        else:
            key = send_idempotency_key(eid, version, body.to_dict())
        if key == tried_key:
            return None
        try:
            env = await self._post_send(eid, body, key)
        except (InvalidStateError, IdempotencyKeyReusedError):
            return None
        logger.info("envelope %s: already sent by an earlier run of this send", eid)
        return env

    async def _settled(self, eid: str, deadline: float | None) -> Envelope:
        """Wait for detection; the envelope returned carries the fields_version to send with."""
        env = await self.wait_for_fields(eid, timeout=deadline)
        if env.fields_status == FieldsStatus.RECOVERED_EMPTY and not env.fields:
            raise ManualPlacementRequiredError(eid)
        if env.fields_version is None:
            env = await self._read(eid, "fields_version")
        return env

    async def wait_until_signed(
        self,
        envelope_id: str,
        *,
        timeout: float | None = DEFAULT_SIGN_TIMEOUT,  # noqa: ASYNC109 - overall deadline
        poll_interval: float = 2.0,
        max_poll_interval: float = 30.0,
        **options: Unpack[RetryOptions],
    ) -> SigningStatus:
        """Wait until every party signed. Declined / voided raise; the deadline raises
        WaitTimeoutError (its ``last`` is the last progress seen).

        Polls the lightweight ``/status`` with backoff and jitter, and wakes early when a
        verified webhook for this envelope arrives (``atlas_async.webhooks`` notifies the
        client); a webhook reporting a terminal state ends the wait with no further request.
        While webhooks reach this process (any in the last ``10 * poll_interval`` seconds), the
        poll is only a safety net and comes that much less often (``10 * poll_interval``, at
        most ``max_poll_interval``, but never more often than the wait's share of the budget
        below, even past ``max_poll_interval``), a poll already scheduled included. A poll never
        comes sooner than the last one took to answer, and all the client's waits together poll
        about 50 times a second at most. They take turns to poll (half the client's connections
        at most, so its other calls keep their way): a wait queued for its turn holds no
        request, and news that came meanwhile decides when the turn comes.
        """
        eid = path_id(envelope_id, "envelope_id")
        limit = check_timeout(timeout)
        # The per-call options, checked now and applied to each poll (its only requests), not
        # by @request_options: its frame would be one more coroutine for a parked wait to hold.
        applied = capture(options)
        del options
        longest = max(poll_interval, max_poll_interval)
        intervals = PollIntervals(poll_interval, longest)
        quiet = min(10 * poll_interval, longest)
        last: EnvelopeProgress | None = None
        shared = self._client._shared
        async with shared.bus.subscribe(eid) as sub:
            # The deadline bounds each poll and each sleep rather than the whole wait from one
            # scope around it: a parked wait then holds one cancel scope (its sleep's), not two,
            # which is about 1.3 KB less for each of ten thousand waits.
            deadline = anyio.current_time() + limit
            polls = shared.polls
            answered: float | None = None  # when the last poll was answered
            # When the next poll is due (None: now), and whether the schedule brought it (then
            # webhooks may put it off) or news did. The sleep is this loop's, not a coroutine's
            # of its own: one frame less for each of ten thousand parked waits.
            due: float | None = None
            scheduled = False
            if polls.waiting or shared.transport.admission.waiting:
                # Polls (or requests) already queue: thousands of waits started together
                # would all poll at once. Spread their first polls over the waits' share of
                # the poll budget, as their later polls are (between one interval and
                # max_poll_interval); a webhook still ends the wait at once.
                spread = max(poll_interval, min(sub.waits / POLLS_PER_SECOND, longest))
                due = anyio.current_time() + random.uniform(0, spread)
            while True:
                if due is not None:
                    # Asleep until the poll is due (or the deadline), listening to webhooks.
                    remaining = min(due, deadline) - anyio.current_time()
                    notice = None
                    if remaining > 0:
                        await sub.listen(remaining)
                        notice = sub.take()
                    if notice is not None:
                        news = read_news(eid, notice)
                        if isinstance(news, SigningStatus):
                            return news
                        if news is None:  # a status that is not final: nothing new, sleep on
                            logger.debug("envelope %s: webhook says %s", eid, notice.status)
                            continue
                        scheduled = False  # news only the server can describe: poll now
                    else:
                        # Due. While webhooks flow, a poll scheduled before they did goes on
                        # to the safety net's interval from the last answer.
                        put_off = deferral(sub, quiet, answered, deadline)
                        if put_off:
                            due = anyio.current_time() + put_off
                            continue
                        scheduled = answered is not None
                    due = None
                if anyio.current_time() >= deadline:
                    break
                if answered is not None:
                    logger.debug(
                        "envelope %s: poll due %.3f s after the last answer",
                        eid,
                        anyio.current_time() - answered,
                    )
                asked = anyio.current_time()
                progress: EnvelopeProgress | None = None
                with anyio.CancelScope(deadline=deadline):
                    # The client's polls take turns (half its connections at most). A wait
                    # queues for its turn with no request built, and news that came while it
                    # queued decides again: its webhook ends it with no request, and webhooks
                    # that began to flow put a scheduled poll off to the safety net.
                    release = await polls.enter()
                    try:
                        news = read_news(eid, sub.take())
                        if isinstance(news, SigningStatus):
                            return news
                        if scheduled and news is None:
                            put_off = deferral(sub, quiet, answered, deadline)
                            if put_off:
                                due = anyio.current_time() + put_off
                        if due is None:
                            progress = await applying_to(applied, self.status(eid))
                    finally:
                        release()
                        # (Not kept in this frame while the wait parks: 200 bytes a wait.)
                        del release
                if due is not None:  # put off: asleep again, and then due as scheduled
                    continue
                if progress is None:  # the deadline came while the poll was in flight
                    break
                last = progress
                done = terminal(eid, progress.status, "poll", progress)
                if done is not None:
                    return done
                # A poll that took long waited behind thousands of others (or on a slow
                # server): polling again sooner than answers come back only lengthens the
                # queue, so the next poll waits at least as long as this one took.
                answered = anyio.current_time()
                took = answered - asked
                # All the client's waits together poll about POLLS_PER_SECOND times a
                # second at most: 10,000 of them every 2 s would be 5,000 requests a second.
                share = sub.waits / POLLS_PER_SECOND
                # (Polling alone, max_poll_interval is the longest a wait goes without asking.)
                interval = max(intervals.next(), min(max(took, share), longest))
                if sub.webhooks_flowing(quiet):
                    # Webhooks reach this process: the poll is only the safety net for a
                    # lost one (see safety_net).
                    interval = max(interval, safety_net(quiet, sub.waits))
                logger.debug("envelope %s: %s; next poll in %.3f s", eid, progress.status, interval)
                due = answered + interval
        seen = ""
        if last is not None and last.signed_count is not None and last.total is not None:
            seen = f" ({last.signed_count}/{last.total} signed)"
        raise WaitTimeoutError(f"envelope {eid} was not signed within {limit:g} s{seen}", last=last)

    @request_options
    async def create_and_send(
        self,
        document: DocumentSource,
        *,
        parties: Iterable[PartyLike],
        metadata: Mapping[str, Any] | None = None,
        webhook_url: str | None = None,
        fields: Iterable[FieldLike] | None = None,
        on_conflict: ConflictHook | None = None,
        wait_signed: bool = False,
        fields_timeout: float | None = DEFAULT_FIELDS_TIMEOUT,
        sign_timeout: float | None = DEFAULT_SIGN_TIMEOUT,
        filename: str | None = None,
        idempotency_key: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Envelope:
        """Create, wait for fields, send (and with ``wait_signed=True`` wait for signatures).

        Idempotent end to end with an ``idempotency_key``: a re-run with the same key replays the
        create (same envelope), finds it already sent or replays the send (same deterministic
        key), so nothing is created or spent twice. ``fields=`` is the fallback placement when
        detection finds nothing (placed once: a re-run finds them placed, or the envelope sent,
        and returns it); without it that case raises ManualPlacementRequiredError and leaves the
        draft for you to place fields on.
        """
        party_list = to_parties(parties, required=True)
        fallback = list(fields) if fields is not None else None
        key = check_key(idempotency_key) or new_idempotency_key()
        started = time.monotonic()
        created = await self.create(
            document,
            parties=party_list,
            metadata=metadata,
            webhook_url=webhook_url,
            filename=filename,
            idempotency_key=key,
        )
        eid = str(created.envelope_id)
        env = await self.wait_for_fields(eid, timeout=fields_timeout, fields=fallback)
        if env.fields_status == FieldsStatus.RECOVERED_EMPTY and not env.fields:
            raise ManualPlacementRequiredError(eid)
        if env.status == EnvelopeStatus.DRAFT:
            env = await self.send(
                eid,
                fields_version=env.fields_version,
                on_conflict=on_conflict,
                fields_timeout=fields_timeout,
            )
        else:
            logger.info("envelope %s already %s; not sending again", eid, env.status)
        logger.info("envelope %s sent in %.2f s", eid, time.monotonic() - started)
        if wait_signed:
            await self.wait_until_signed(eid, timeout=sign_timeout)
            env = await self._read(eid)
        return env
