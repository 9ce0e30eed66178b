"""The single-request calls of ``atlas.envelopes``: one method, one HTTP request (plus retries).

The flows built on them live in ``_signing``; the PDF download in ``_pdf``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Unpack

from .._documents import DocumentSource, DocumentURL, prepare_document
from .._generated.api.envelopes import (
    create_envelope,
    decline_envelope,
    get_envelope,
    get_envelope_status,
    list_envelopes,
    remind_envelope,
    update_envelope_fields,
    void_envelope,
)
from .._generated.models import (
    CreateEnvelopeFromUrl,
    CreateEnvelopeMultipart,
    DeclineRequest,
    EnvelopeList,
    FieldsUpdate,
    VoidRequest,
)
from .._generated.types import UNSET, File
from .._log import logger as get_logger
from .._models import (
    CreateEnvelopeResponse,
    Envelope,
    EnvelopeProgress,
    EnvelopeSummary,
    FieldLike,
    FieldsResponse,
    PartyLike,
    RemindResponse,
    to_field_inputs,
    to_metadata,
    to_parties,
)
from .._pagination import AsyncPager
from ._base import Resource, check_limit, path_id
from ._keys import check_key, new_idempotency_key
from ._options import RequestOptions, request_options

__all__ = ["EnvelopeCalls", "required_version"]

logger = get_logger("atlas_async")


def _token_from_sign_url(sign_url: str) -> str:
    """The signer's token from a sign URL: ``t=`` (surface A), or ``token=`` (surface B)."""
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(sign_url).query)
    values = query.get("t") or query.get("token")
    if not values or not values[0]:
        # The /docs pages show sign URLs without a token: such a link cannot authenticate.
        raise ValueError("the sign URL carries no signer token (t=...): pass signer_token=")
    return values[0]


def _key_header(key: str | None) -> dict[str, str] | None:
    """An Idempotency-Key header for a POST whose generated function has no such parameter."""
    checked = check_key(key)
    return {"Idempotency-Key": checked} if checked is not None else None


def required_version(env: Envelope) -> int:
    """``env.fields_version`` from an envelope read with ``needs=("fields_version",)``."""
    version = env.fields_version
    if version is None:  # _read(..., "fields_version") raised already: never reached
        raise AssertionError("fields_version was checked by the read")
    return version


class EnvelopeCalls(Resource):
    """Create, read, list, edit fields, void, decline, remind."""

    __slots__ = ()
    _name = "envelopes"

    @request_options
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
        **options: Unpack[RequestOptions],
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
            # None fields stay off the wire: the server's defaults stay the server's.
            body = CreateEnvelopeFromUrl(
                document_url=document.url,
                parties=party_list,
                metadata=meta,
                webhook_url=webhook_url,
                auto_send=auto_send,
            )
            return await self._invoke(
                create_envelope.asyncio_detailed,
                CreateEnvelopeResponse,
                self._call("create"),
                body=body,
                idempotency_key=key,
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
                    else None
                ),
                metadata=meta.to_json() if meta is not None else None,
                webhook_url=webhook_url,
                auto_send=None if auto_send is None else ("true" if auto_send else "false"),
            )
            created = await self._invoke(
                create_envelope.asyncio_detailed,
                CreateEnvelopeResponse,
                self._call("create", rewindable=prepared.rewindable),
                body=multipart,
                idempotency_key=key,
            )
        finally:
            prepared.close()
        logger.info("created envelope %s (%s)", created.envelope_id, prepared.kind)
        return created

    @request_options
    async def get(self, envelope_id: str, **options: Unpack[RequestOptions]) -> Envelope:
        """The full envelope: status, fields and fields_version, parties, metadata, timestamps.

        A field the answer did not carry is None (``envelope_id`` is always set: it is the one
        you asked for).
        """
        return await self._read(path_id(envelope_id, "envelope_id"))

    async def _read(self, eid: str, *needs: str) -> Envelope:
        """GET the envelope; ``needs`` are the fields the calling flow cannot do without (absent,
        they raise APIResponseValidationError naming them, with the raw body)."""
        return await self._invoke(
            get_envelope.asyncio_detailed,
            Envelope,
            self._call("get", envelope_id=eid),
            eid,
            needs=needs,
            known={"envelope_id": eid},
        )

    @request_options
    async def status(self, envelope_id: str, **options: Unpack[RequestOptions]) -> EnvelopeProgress:
        """The lightweight progress view: status, signed_count/total, who is due next."""
        eid = path_id(envelope_id, "envelope_id")
        return await self._invoke(
            get_envelope_status.asyncio_detailed,
            EnvelopeProgress,
            self._call("status", envelope_id=eid),
            eid,
        )

    def list(
        self,
        *,
        status: str | None = None,
        external_id: str | None = None,
        limit: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPager[EnvelopeSummary]:
        """Envelopes, newest first. ``await`` it for one page; ``async for`` it for every item."""
        check_limit(limit)
        return self._paginate(
            self._call_now("list", options),
            list_envelopes.asyncio_detailed,
            EnvelopeList,
            status=status,
            external_id=external_id,
            limit=limit,
        )

    @request_options
    async def update_fields(
        self,
        envelope_id: str,
        fields: Iterable[FieldLike],
        *,
        fields_version: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> FieldsResponse:
        """Replace the fields (PATCH). Reads the current fields_version when not given.

        A concurrent change raises FieldsVersionConflictError: re-read and decide, since these
        fields were placed against what you read.
        """
        eid = path_id(envelope_id, "envelope_id")
        items = to_field_inputs(fields)
        if fields_version is None:
            fields_version = required_version(await self._read(eid, "fields_version"))
        return await self._invoke(
            update_envelope_fields.asyncio_detailed,
            FieldsResponse,
            self._call("update_fields", envelope_id=eid),
            eid,
            body=FieldsUpdate(fields=items, fields_version=fields_version),
        )

    @request_options
    async def void(
        self,
        envelope_id: str,
        *,
        reason: str | None = None,
        idempotency_key: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Envelope:
        """Void a draft or pending envelope; a credit comes back if nobody had signed.

        With an ``idempotency_key`` the void is retried after a lost answer or a 5xx like a
        create (without one, a POST that may have done its work is never repeated).
        """
        eid = path_id(envelope_id, "envelope_id")
        return await self._invoke(
            void_envelope.asyncio_detailed,
            Envelope,
            self._call("void", envelope_id=eid, extra_headers=_key_header(idempotency_key)),
            eid,
            body=VoidRequest(reason=reason) if reason is not None else UNSET,
            known={"envelope_id": eid},
        )

    @request_options
    async def decline(
        self,
        envelope_id: str,
        *,
        reason: str,
        sign_url: str | None = None,
        signer_token: str | None = None,
        idempotency_key: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Envelope:
        """Decline as a signer: authenticated by the signer's token, not by your API key.

        Pass the party's ``sign_url`` (the token is its ``t=``) or the token itself. An
        ``idempotency_key`` makes the decline safe to retry, as for ``void``.
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
            self._call(
                "decline",
                envelope_id=eid,
                bearer=token,
                account=None,
                extra_headers=_key_header(idempotency_key),
            ),
            eid,
            body=DeclineRequest(reason=reason),
            authenticated=True,
            known={"envelope_id": eid},
        )

    @request_options
    async def remind(
        self,
        envelope_id: str,
        *,
        idempotency_key: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> RemindResponse:
        """Email the party whose turn it is again (once per signer per hour; else RateLimitError).

        An ``idempotency_key`` makes the reminder safe to retry, as for ``void``.
        """
        eid = path_id(envelope_id, "envelope_id")
        return await self._invoke(
            remind_envelope.asyncio_detailed,
            RemindResponse,
            self._call("remind", envelope_id=eid, extra_headers=_key_header(idempotency_key)),
            eid,
        )
