"""``atlas.envelopes``: the signing flow, from a document to a signed PDF."""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import logging
import os
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload
from urllib.parse import parse_qs, urlsplit

import anyio
import anyio.to_thread

from .._documents import DocumentSource, DocumentURL, prepare_document
from .._errors import (
    EnvelopeDeclinedError,
    EnvelopeVoidedError,
    FieldDetectionFailedError,
    FieldsPendingError,
    FieldsVersionConflictError,
    IdempotencyKeyReusedError,
    InvalidStateError,
    ManualPlacementRequiredError,
    WaitTimeoutError,
)
from .._generated.api.envelopes import (
    create_envelope,
    decline_envelope,
    download_signed_pdf,
    get_envelope,
    get_envelope_status,
    list_envelopes,
    remind_envelope,
    send_envelope,
    update_envelope_fields,
    void_envelope,
)
from .._generated.models import (
    CreateEnvelopeFromUrl,
    CreateEnvelopeMultipart,
    DeclineRequest,
    EnvelopeList,
    FieldsUpdate,
    SendEnvelopeRequest,
    VoidRequest,
)
from .._generated.types import UNSET, File, Unset
from .._models import (
    CreateEnvelopeResponse,
    Envelope,
    EnvelopeProgress,
    EnvelopeStatus,
    EnvelopeSummary,
    FieldLike,
    FieldsResponse,
    FieldsStatus,
    Party,
    PartyLike,
    RemindResponse,
    to_field_inputs,
    to_metadata,
    to_parties,
)
from .._pagination import AsyncPager, Page
from .._polling import Backoff, check_timeout, poll_until
from .._transport import map_transport_errors
from ._base import Resource, check_key, check_limit, new_idempotency_key, path_id

if TYPE_CHECKING:
    from .._transport import Call
    from .._waiters import Subscription

__all__ = ["ConflictHook", "Envelopes", "SignedPDFStream", "SigningStatus"]

logger = logging.getLogger("atlas_async")

ConflictHook = Callable[[Envelope], bool | Awaitable[bool]]
"""``on_conflict(current) -> bool``: may the envelope go out with the fields it has *now*?"""

DEFAULT_FIELDS_TIMEOUT = 120.0
DEFAULT_SIGN_TIMEOUT = 3600.0
DEFAULT_CONFLICT_RETRIES = 3


@dataclass(frozen=True, slots=True)
class SigningStatus:
    """What ``wait_until_signed`` returns: the envelope reached ``signed``.

    ``source`` is ``"poll"`` when the ``/status`` endpoint said so, ``"webhook"`` when a verified
    webhook did (then no further request was made, and the counts are unknown).
    """

    envelope_id: str
    status: str
    signed_count: int | None
    total: int | None
    source: Literal["poll", "webhook"]


def _canonical(body: Mapping[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)


def send_idempotency_key(envelope_id: str, fields_version: int, body: Mapping[str, Any]) -> str:
    """The deterministic key of one send: a re-run of the same send replays, never re-spends.

    Derived from the envelope id and fields_version (what must be deduplicated), plus a digest of
    the body, so a send with different parties is a different request rather than a 422.
    """
    digest = hashlib.sha256(_canonical(body).encode()).hexdigest()[:16]
    return f"atlas-send-{envelope_id}-v{fields_version}-{digest}"


def _versioned_key(key: str, fields_version: int) -> str:
    """The caller's key for a later fields_version, kept within the contract's 255 characters."""
    suffix = f"-v{fields_version}"
    if len(key) + len(suffix) <= 255:
        return key + suffix
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"{key[: 255 - len(suffix) - 17]}-{digest}{suffix}"


def _token_from_sign_url(sign_url: str) -> str:
    """The signer's token (``t``) from a sign URL."""
    values = parse_qs(urlsplit(sign_url).query).get("t")
    if not values or not values[0]:
        raise ValueError("the sign URL carries no signer token (t=...)")
    return values[0]


class _Body(Protocol):
    """What the stream reads from: a streamed HTTP response (kept private, httpx is)."""

    def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class SignedPDFStream:
    """The signed PDF as an async iterator of byte chunks.

    Use ``async with atlas.envelopes.stream_signed_pdf(id) as pdf: async for chunk in pdf: ...``
    (the response is closed on exit), or iterate it directly (closed when exhausted). A
    connection lost mid-download raises APIConnectionError (APITimeoutError for a read timeout).
    Get one from :meth:`Envelopes.stream_signed_pdf`; it is not built directly.
    """

    __slots__ = ("_body", "_chunk_size", "_chunks", "_done", "_opener", "_path")

    _opener: Callable[[], Awaitable[_Body]]
    _chunk_size: int
    _path: str
    _body: _Body | None
    _chunks: AsyncIterator[bytes] | None
    _done: bool

    def __init__(self) -> None:
        raise TypeError(
            "SignedPDFStream is not built directly: use atlas.envelopes.stream_signed_pdf(id)"
        )

    @classmethod
    def _create(
        cls, opener: Callable[[], Awaitable[_Body]], chunk_size: int, path: str
    ) -> SignedPDFStream:
        self = cls.__new__(cls)
        self._opener = opener
        self._chunk_size = chunk_size
        self._path = path  # for the error message of a failed read
        self._body = None
        self._chunks = None
        self._done = False
        return self

    async def _open(self) -> AsyncIterator[bytes]:
        if self._chunks is None:
            self._body = await self._opener()
            self._chunks = self._body.aiter_bytes(self._chunk_size)
        return self._chunks

    async def aclose(self) -> None:
        self._done = True
        if self._body is not None:
            await self._body.aclose()

    async def __aenter__(self) -> SignedPDFStream:
        await self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __aiter__(self) -> SignedPDFStream:
        return self

    async def __anext__(self) -> bytes:
        if self._done:
            raise StopAsyncIteration
        chunks = await self._open()
        try:
            # The chunks arrive after the transport returned: map a reset or a read timeout
            # here, with the transport's own mapping, so no httpx error reaches the caller.
            with map_transport_errors("GET", self._path):
                return await chunks.__anext__()
        except StopAsyncIteration:
            await self.aclose()
            raise
        except BaseException:
            await self.aclose()
            raise


class Envelopes(Resource):
    """Envelopes: create, detect fields, send, wait, download."""

    __slots__ = ()

    # Create ---------------------------------------------------------------------------------------

    async def create(
        self,
        document: DocumentSource,
        *,
        parties: Iterable[PartyLike] | None = None,
        metadata: Mapping[str, Any] | None = None,
        webhook_url: str | None = None,
        auto_send: bool | None = None,
        filename: str | None = None,
        idempotency_key: str | None = None,
        template_id: str | None = None,
    ) -> CreateEnvelopeResponse:
        """Create a draft envelope from a path, bytes, a binary file object or a DocumentURL.

        The document is checked by its bytes first (PDF or DOCX, else InvalidDocumentError and
        nothing is sent) and streamed, not read whole. Field detection then runs on the server:
        follow with :meth:`wait_for_fields`. One Idempotency-Key covers every retry of this call.
        """
        if template_id is not None:
            raise ValueError(
                "template_id is not accepted on create (Atlas answers 400): "
                "use atlas.templates.send(template_id, ...)"
            )
        party_list = to_parties(parties, required=False)
        meta = to_metadata(metadata)
        key = check_key(idempotency_key) or new_idempotency_key()
        if isinstance(document, DocumentURL):
            body = CreateEnvelopeFromUrl(
                document_url=document.url,
                parties=party_list if party_list is not None else UNSET,
                metadata=meta,
                webhook_url=webhook_url if webhook_url is not None else UNSET,
                # Send only what the caller chose: the generated model would send its spec default.
                auto_send=auto_send if auto_send is not None else UNSET,
            )
            return await self._invoke(
                create_envelope.asyncio_detailed,
                CreateEnvelopeResponse,
                body=body,
                idempotency_key=key,
                atlas_account=self._account,
            )
        prepared = await prepare_document(document, filename=filename)
        try:
            multipart = CreateEnvelopeMultipart(
                file=File(
                    payload=prepared.payload,
                    file_name=prepared.filename,
                    mime_type=prepared.mime_type,
                ),
                parties=(
                    json.dumps([p.to_dict() for p in party_list])
                    if party_list is not None
                    else UNSET
                ),
                metadata=json.dumps(meta.to_dict()) if not isinstance(meta, Unset) else UNSET,
                webhook_url=webhook_url if webhook_url is not None else UNSET,
                auto_send=("true" if auto_send else "false") if auto_send is not None else UNSET,
            )
            created = await self._invoke(
                create_envelope.asyncio_detailed,
                CreateEnvelopeResponse,
                body=multipart,
                idempotency_key=key,
                atlas_account=self._account,
                call=self._call(rewindable=prepared.rewindable),
            )
        finally:
            prepared.close()
        logger.info("atlas_async: created envelope %s (%s)", created.envelope_id, prepared.kind)
        return created

    # Read -----------------------------------------------------------------------------------------

    async def get(self, envelope_id: object) -> Envelope:
        """The full envelope: status, fields and fields_version, parties, metadata, timestamps."""
        eid = path_id(envelope_id, "envelope_id")
        return await self._invoke(
            get_envelope.asyncio_detailed,
            Envelope,
            eid,
            atlas_account=self._account,
            call=self._call(envelope_id=eid),
        )

    async def status(self, envelope_id: object) -> EnvelopeProgress:
        """The lightweight progress view: status, signed_count/total, who is due next."""
        eid = path_id(envelope_id, "envelope_id")
        return await self._invoke(
            get_envelope_status.asyncio_detailed,
            EnvelopeProgress,
            eid,
            atlas_account=self._account,
            call=self._call(envelope_id=eid),
        )

    def list(
        self,
        *,
        status: str | None = None,
        external_id: str | None = None,
        limit: int | None = None,
    ) -> AsyncPager[EnvelopeSummary]:
        """Envelopes, newest first. ``await`` it for one page; ``async for`` it for every item."""
        check_limit(limit)

        async def fetch(cursor: str | None) -> Page[EnvelopeSummary]:
            result = await self._invoke(
                list_envelopes.asyncio_detailed,
                EnvelopeList,
                # UNSET leaves a parameter off the wire: the server's defaults stay the server's.
                limit=limit if limit is not None else UNSET,
                cursor=cursor if cursor is not None else UNSET,
                status=status if status is not None else UNSET,
                external_id=external_id if external_id is not None else UNSET,
                atlas_account=self._account,
            )
            return _page(result.items, result.next_cursor, result)

        return AsyncPager(fetch)

    # Fields ---------------------------------------------------------------------------------------

    async def wait_for_fields(
        self,
        envelope_id: object,
        *,
        timeout: float | None = DEFAULT_FIELDS_TIMEOUT,  # noqa: ASYNC109 - overall deadline
        fields: Iterable[FieldLike] | None = None,
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
            lambda: self.get(eid),
            lambda e: e.fields_status != FieldsStatus.PENDING,
            timeout=timeout,
            what=f"field detection on envelope {eid}",
        )
        if env.fields_status == FieldsStatus.FAILED:
            detail = env.metadata.detection_error
            raise FieldDetectionFailedError(eid, detail if isinstance(detail, str) else None)
        if (
            env.fields_status == FieldsStatus.RECOVERED_EMPTY
            and fallback
            and env.status == EnvelopeStatus.DRAFT
            and not env.fields
        ):
            await self.update_fields(eid, fallback, fields_version=env.fields_version)
            env = await self.get(eid)
        return env

    async def update_fields(
        self,
        envelope_id: object,
        fields: Iterable[FieldLike],
        *,
        fields_version: int | None = None,
    ) -> FieldsResponse:
        """Replace the fields (PATCH). Reads the current fields_version when not given.

        A concurrent change raises FieldsVersionConflictError: re-read and decide, since these
        fields were placed against what you read.
        """
        eid = path_id(envelope_id, "envelope_id")
        items = to_field_inputs(fields)
        if fields_version is None:
            fields_version = (await self.get(eid)).fields_version
        return await self._invoke(
            update_envelope_fields.asyncio_detailed,
            FieldsResponse,
            eid,
            body=FieldsUpdate(fields=items, fields_version=fields_version),
            atlas_account=self._account,
            call=self._call(envelope_id=eid),
        )

    # Send -----------------------------------------------------------------------------------------

    async def send(
        self,
        envelope_id: object,
        *,
        parties: Iterable[PartyLike] | None = None,
        fields_version: int | None = None,
        on_conflict: ConflictHook | None = None,
        max_conflict_retries: int = DEFAULT_CONFLICT_RETRIES,
        fields_timeout: float | None = DEFAULT_FIELDS_TIMEOUT,
        idempotency_key: str | None = None,
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
            env = await self.get(eid)
            if env.fields_status == FieldsStatus.PENDING:
                env = await self._settled(eid, fields_timeout)
            fields_version = env.fields_version
        conflicts = 0
        pending_waits = 0
        first = True
        while True:
            body = SendEnvelopeRequest(
                fields_version=fields_version,
                parties=party_list if party_list is not None else UNSET,
            )
            if caller_key is not None:
                key = caller_key if first else _versioned_key(caller_key, fields_version)
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
                logger.info("atlas_async: envelope %s: fields pending; waiting", eid)
                env = await self._settled(eid, fields_timeout)
                fields_version = env.fields_version
            except FieldsVersionConflictError as conflict:
                conflicts += 1
                if conflicts > max_conflict_retries:
                    raise
                current = await self.get(eid)
                logger.info(
                    "atlas_async: envelope %s: fields changed (v%s -> v%s) before send",
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
                fields_version = current.fields_version
            first = False

    async def _post_send(self, eid: str, body: SendEnvelopeRequest, key: str) -> Envelope:
        return await self._invoke(
            send_envelope.asyncio_detailed,
            Envelope,
            eid,
            body=body,
            idempotency_key=key,
            atlas_account=self._account,
            call=self._call(envelope_id=eid),
        )

    async def _earlier_send(
        self,
        eid: str,
        party_list: Sequence[Party] | None,
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
        current = await self.get(eid)
        if current.status == EnvelopeStatus.DRAFT:
            return None
        body = SendEnvelopeRequest(
            fields_version=current.fields_version,
            parties=[*party_list] if party_list is not None else UNSET,
        )
        if caller_key is not None:
            key = _versioned_key(caller_key, current.fields_version)
        else:
            key = send_idempotency_key(eid, current.fields_version, body.to_dict())
        if key == tried_key:
            return None
        try:
            env = await self._post_send(eid, body, key)
        except (InvalidStateError, IdempotencyKeyReusedError):
            return None
        logger.info("atlas_async: envelope %s: already sent by an earlier run of this send", eid)
        return env

    async def _settled(self, eid: str, deadline: float | None) -> Envelope:
        env = await self.wait_for_fields(eid, timeout=deadline)
        if env.fields_status == FieldsStatus.RECOVERED_EMPTY and not env.fields:
            raise ManualPlacementRequiredError(eid)
        return env

    # Waiting for signatures --------------------------------------------------------------------------

    async def wait_until_signed(
        self,
        envelope_id: object,
        *,
        timeout: float | None = DEFAULT_SIGN_TIMEOUT,  # noqa: ASYNC109 - overall deadline
        poll_interval: float = 2.0,
        max_poll_interval: float = 30.0,
    ) -> SigningStatus:
        """Wait until every party signed. Declined / voided raise; the deadline raises
        WaitTimeoutError (its ``last`` is the last progress seen).

        Polls the lightweight ``/status`` with backoff and jitter, and wakes early when a
        verified webhook for this envelope arrives (``atlas_async.webhooks`` notifies the
        client); a webhook reporting a terminal state ends the wait with no further request.
        """
        eid = path_id(envelope_id, "envelope_id")
        limit = check_timeout(timeout)
        backoff = Backoff(poll_interval, max(poll_interval, max_poll_interval))
        last: EnvelopeProgress | None = None
        with self._client._waiters.subscribe(eid) as sub, anyio.move_on_after(limit):
            while True:
                progress = await self.status(eid)
                last = progress
                outcome = _terminal(eid, progress.status, "poll", progress)
                if outcome is not None:
                    return outcome
                outcome = await _until_next_poll(eid, sub, backoff.next())
                if outcome is not None:
                    return outcome
        raise WaitTimeoutError(
            f"envelope {eid} was not signed within {limit:g} s"
            + (f" ({last.signed_count}/{last.total} signed)" if last is not None else ""),
            last=last,
        )

    # The whole flow -----------------------------------------------------------------------------

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
            logger.info("atlas_async: envelope %s already %s; not sending again", eid, env.status)
        logger.info("atlas_async: envelope %s sent in %.2f s", eid, time.monotonic() - started)
        if wait_signed:
            await self.wait_until_signed(eid, timeout=sign_timeout)
            env = await self.get(eid)
        return env

    # Lifecycle actions -----------------------------------------------------------------------------

    async def void(self, envelope_id: object, *, reason: str | None = None) -> Envelope:
        """Void a draft or pending envelope; a credit comes back if nobody had signed."""
        eid = path_id(envelope_id, "envelope_id")
        return await self._invoke(
            void_envelope.asyncio_detailed,
            Envelope,
            eid,
            body=VoidRequest(reason=reason) if reason is not None else UNSET,
            atlas_account=self._account,
            call=self._call(envelope_id=eid),
        )

    async def decline(
        self,
        envelope_id: object,
        *,
        reason: str,
        sign_url: str | None = None,
        signer_token: str | None = None,
    ) -> Envelope:
        """Decline as a signer: authenticated by the signer's token, not by your API key.

        Pass the party's ``sign_url`` (the token is its ``t=``) or the token itself.
        """
        eid = path_id(envelope_id, "envelope_id")
        if (sign_url is None) == (signer_token is None):
            raise ValueError("pass exactly one of sign_url= or signer_token=")
        token = signer_token if signer_token is not None else _token_from_sign_url(sign_url or "")
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError("a decline needs a reason")
        return await self._invoke(
            decline_envelope.asyncio_detailed,
            Envelope,
            eid,
            body=DeclineRequest(reason=reason),
            authenticated=True,
            call=self._call(envelope_id=eid, bearer=token, account=None),
        )

    async def remind(self, envelope_id: object) -> RemindResponse:
        """Email the party whose turn it is again (once per signer per hour; else RateLimitError)."""
        eid = path_id(envelope_id, "envelope_id")
        return await self._invoke(
            remind_envelope.asyncio_detailed,
            RemindResponse,
            eid,
            atlas_account=self._account,
            call=self._call(envelope_id=eid),
        )

    # Signed PDF ---------------------------------------------------------------------------------

    def stream_signed_pdf(
        self, envelope_id: object, *, chunk_size: int = 64 * 1024
    ) -> SignedPDFStream:
        """The signed PDF in chunks, without holding it in memory (see SignedPDFStream).

        A 302 to a storage URL on another host is followed without the API key.
        """
        eid = path_id(envelope_id, "envelope_id")
        call = self._call(envelope_id=eid)

        async def opener() -> _Body:
            return await self._open_pdf(eid, call)

        return SignedPDFStream._create(opener, chunk_size, f"/api/envelope/{eid}/pdf")

    async def _open_pdf(self, eid: str, call: Call) -> _Body:
        # Built from the generated request description (path, headers), but sent as a stream:
        # the generated function would read the whole PDF into memory before returning.
        kwargs = download_signed_pdf._get_kwargs(eid, atlas_account=self._account)
        transport = self._client._transport
        request = transport.build(
            call, kwargs["method"], kwargs["url"], headers=kwargs.get("headers")
        )
        return await transport.send_following_redirects(request, call)

    @overload
    async def download_signed_pdf(self, envelope_id: object) -> bytes: ...

    @overload
    async def download_signed_pdf(
        self, envelope_id: object, path: str | os.PathLike[str]
    ) -> Path: ...

    async def download_signed_pdf(
        self, envelope_id: object, path: str | os.PathLike[str] | None = None
    ) -> bytes | Path:
        """The signed PDF: as bytes, or streamed to ``path`` and its Path.

        The file appears whole or not at all: it is written to a unique temporary file in the
        same directory (owner-only permissions, as ``tempfile`` creates it) and renamed over
        ``path`` when complete; an error or a cancellation removes the temporary file.
        """
        if path is None:
            chunks = []
            async with self.stream_signed_pdf(envelope_id) as stream:
                async for chunk in stream:
                    chunks.append(chunk)
            return b"".join(chunks)
        target = Path(os.fspath(path))
        async with self.stream_signed_pdf(envelope_id) as stream:
            # A temporary file of its own, beside the target (same file system, so the final
            # rename is atomic): two downloads to one path never write into each other's file.
            fd, name = await anyio.to_thread.run_sync(
                functools.partial(
                    tempfile.mkstemp,
                    dir=target.parent,
                    prefix=f".{target.name}.",
                    suffix=".partial",
                )
            )
            partial = anyio.Path(name)
            try:
                async with anyio.wrap_file(os.fdopen(fd, "wb")) as out:
                    async for chunk in stream:
                        await out.write(chunk)
                await partial.replace(target)
            except BaseException:
                with anyio.CancelScope(shield=True):
                    await partial.unlink(missing_ok=True)
                raise
        return target


# What a webhook may report while we wait: news we can act on without asking the server.
_NOT_YET = frozenset({EnvelopeStatus.DRAFT, EnvelopeStatus.PENDING})


async def _until_next_poll(eid: str, sub: Subscription, interval: float) -> SigningStatus | None:
    """Sleep until the next ``/status`` poll is due, listening to webhooks meanwhile.

    A terminal status (signed, declined, voided) ends the wait here, with no request. A
    non-terminal one (``pending`` from envelope.sent / envelope.viewed) tells us nothing the
    last poll did not, so the sleep goes on to its original end rather than spending a request.
    A notification without a status, or with one this SDK does not know, ends the sleep early:
    something happened that only the server can describe, so the caller polls now.
    """
    deadline = anyio.current_time() + interval
    while True:
        remaining = deadline - anyio.current_time()
        if remaining <= 0 or not await sub.wait(remaining):
            return None
        # Consume what woke us, so an older status is never read as the next notification's.
        status, sub.last_status = sub.last_status, None
        if not status:
            return None
        outcome = _terminal(eid, status, "webhook", None)
        if outcome is not None:
            return outcome
        if status not in _NOT_YET:
            return None
        logger.debug("atlas_async: envelope %s: webhook says %s; still waiting", eid, status)


def _terminal(
    eid: str,
    status: str,
    source: Literal["poll", "webhook"],
    progress: EnvelopeProgress | None,
) -> SigningStatus | None:
    if status == EnvelopeStatus.SIGNED:
        return SigningStatus(
            envelope_id=eid,
            status=status,
            signed_count=progress.signed_count if progress is not None else None,
            total=progress.total if progress is not None else None,
            source=source,
        )
    if status == EnvelopeStatus.DECLINED:
        raise EnvelopeDeclinedError(eid)
    if status == EnvelopeStatus.VOIDED:
        raise EnvelopeVoidedError(eid)
    return None


def _page(items: list[Any], next_cursor: str | None, source: object) -> Page[Any]:
    from .._responses import get_request_id

    return Page(list(items), next_cursor, get_request_id(source))
