"""``atlas.templates``: reusable documents with fixed roles and fields."""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Mapping
from typing import Any

from .._documents import DocumentSource, DocumentURL, prepare_document
from .._generated.api.templates import (
    get_template,
    infer_template_fields,
    list_templates,
    send_template,
    upload_template,
)
from .._generated.models import (
    InferFieldsMultipart,
    TemplateList,
    TemplateSendRequest,
    TemplateSendRequestPrefill,
    UploadTemplateMultipart,
    UploadTemplateResponse,
)
from .._generated.types import UNSET, File
from .._models import (
    InferFieldsResponse,
    InferredField,
    PartyLike,
    Template,
    TemplateSendResponse,
    to_metadata,
    to_parties,
)
from .._pagination import AsyncPager, Page
from .._responses import get_request_id
from ._base import Resource, check_key, check_limit, new_idempotency_key, path_id

__all__ = ["Templates"]

_FIELD_KEYS = ("type", "page", "x_pct", "y_pct", "w_pct", "h_pct")


class Templates(Resource):
    __slots__ = ()

    async def send(
        self,
        template_id: str,
        *,
        parties: Iterable[PartyLike],
        prefill: Mapping[str, str] | None = None,
        auto_send: bool | None = None,
        webhook_url: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> TemplateSendResponse:
        """Create an envelope from a template and (by default, server-side) dispatch it.

        Parties' roles must match the template's roles. One Idempotency-Key covers every retry.
        """
        tid = path_id(template_id, "template_id")
        party_list = to_parties(parties, required=True) or []
        body = TemplateSendRequest(
            parties=party_list,
            prefill=(
                TemplateSendRequestPrefill.from_dict({str(k): v for k, v in prefill.items()})
                if prefill is not None
                else UNSET
            ),
            # Only what the caller chose goes on the wire (the model's spec default is True).
            auto_send=auto_send if auto_send is not None else UNSET,
            webhook_url=webhook_url if webhook_url is not None else UNSET,
            metadata=to_metadata(metadata),
        )
        return await self._invoke(
            send_template.asyncio_detailed,
            TemplateSendResponse,
            tid,
            body=body,
            idempotency_key=check_key(idempotency_key) or new_idempotency_key(),
            atlas_account=self._account,
        )

    async def get(self, template_id: str) -> Template:
        """One template: its roles, prefill keys and fields."""
        tid = path_id(template_id, "template_id")
        return await self._invoke(
            get_template.asyncio_detailed, Template, tid, atlas_account=self._account
        )

    def list(self, *, limit: int | None = None) -> AsyncPager[Template]:
        """Templates: ``await`` for the first page, ``async for`` for every template."""
        check_limit(limit)

        async def fetch(cursor: str | None) -> Page[Template]:
            result = await self._invoke(
                list_templates.asyncio_detailed,
                TemplateList,
                limit=limit if limit is not None else UNSET,
                cursor=cursor if cursor is not None else UNSET,
                atlas_account=self._account,
            )
            return Page(list(result.items), result.next_cursor, get_request_id(result))

        return AsyncPager(fetch)

    async def infer_fields(
        self, document: DocumentSource, *, filename: str | None = None
    ) -> builtins.list[InferredField]:
        """Propose fields for a document (with a confidence each) before uploading a template."""
        if isinstance(document, DocumentURL):
            raise TypeError("infer_fields needs the document itself, not a DocumentURL")
        prepared = await prepare_document(document, filename=filename)
        try:
            result = await self._invoke(
                infer_template_fields.asyncio_detailed,
                InferFieldsResponse,
                body=InferFieldsMultipart(
                    file=File(prepared.payload, prepared.filename, prepared.mime_type)
                ),
                atlas_account=self._account,
                call=self._call(rewindable=prepared.rewindable),
            )
        finally:
            prepared.close()
        return list(result.fields)

    async def upload(
        self,
        name: str,
        document: DocumentSource,
        *,
        fields: Iterable[InferredField | Mapping[str, Any]],
        filename: str | None = None,
        idempotency_key: str | None = None,
    ) -> Template:
        """Create a template from a document and its fields (InferredField or dicts).

        Carries an Idempotency-Key (yours, or one made for this call and reused by its retries),
        so a lost answer never leaves a second copy of the template.
        """
        if not isinstance(name, str) or not name.strip():
            raise ValueError("a template needs a name")
        key = check_key(idempotency_key) or new_idempotency_key()
        if isinstance(document, DocumentURL):
            raise TypeError("upload needs the document itself, not a DocumentURL")
        field_dicts = [_field_dict(f, i) for i, f in enumerate(fields, start=1)]
        prepared = await prepare_document(document, filename=filename)
        try:
            result = await self._invoke(
                upload_template.asyncio_detailed,
                UploadTemplateResponse,
                body=UploadTemplateMultipart(
                    name=name,
                    file=File(prepared.payload, prepared.filename, prepared.mime_type),
                    fields=json.dumps(field_dicts),
                ),
                idempotency_key=key,
                atlas_account=self._account,
                call=self._call(rewindable=prepared.rewindable),
            )
        finally:
            prepared.close()
        return result.template


def _field_dict(value: InferredField | Mapping[str, Any], position: int) -> dict[str, Any]:
    data = value.to_dict() if isinstance(value, InferredField) else dict(value)
    data.pop("confidence", None)
    if "type_" in data and "type" not in data:
        data["type"] = data.pop("type_")
    missing = [k for k in _FIELD_KEYS if k not in data]
    if missing:
        raise ValueError(f"field #{position}: missing {missing}")
    return data
