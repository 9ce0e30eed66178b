"""``atlas.templates``: reusable documents with fixed roles and fields."""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Mapping
from typing import Any, Unpack

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
from .._generated.types import File
from .._models import (
    InferFieldsResponse,
    InferredField,
    PartyLike,
    Template,
    TemplateSendResponse,
    to_metadata,
    to_parties,
)
from .._pagination import AsyncPager
from .._responses import attach_response_info, get_request_id, was_replayed
from ._base import Resource, check_limit, path_id
from ._keys import check_key, new_idempotency_key
from ._options import RequestOptions, request_options

__all__ = ["Templates"]

_FIELD_KEYS = ("type", "page", "x_pct", "y_pct", "w_pct", "h_pct")


class Templates(Resource):
    """Templates: reusable documents with fixed roles and fields."""

    __slots__ = ()
    _name = "templates"

    @request_options
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
        **options: Unpack[RequestOptions],
    ) -> TemplateSendResponse:
        """Create an envelope from a template and (by default, server-side) dispatch it.

        Parties' roles must match the template's roles. One Idempotency-Key covers every retry.
        """
        tid = path_id(template_id, "template_id")
        party_list = to_parties(parties, required=True) or []
        # None fields stay off the wire: the server's defaults (auto_send) stay the server's.
        body = TemplateSendRequest(
            parties=party_list,
            prefill=(
                TemplateSendRequestPrefill.from_dict({str(k): v for k, v in prefill.items()})
                if prefill is not None
                else None
            ),
            auto_send=auto_send,
            webhook_url=webhook_url,
            metadata=to_metadata(metadata),
        )
        return await self._invoke(
            send_template.asyncio_detailed,
            TemplateSendResponse,
            self._call("send"),
            tid,
            body=body,
            idempotency_key=check_key(idempotency_key) or new_idempotency_key(),
        )

    @request_options
    async def get(self, template_id: str, **options: Unpack[RequestOptions]) -> Template:
        """One template: its roles, prefill keys and fields."""
        tid = path_id(template_id, "template_id")
        return await self._invoke(
            get_template.asyncio_detailed,
            Template,
            self._call("get"),
            tid,
            known={"template_id": tid},
        )

    def list(
        self, *, limit: int | None = None, **options: Unpack[RequestOptions]
    ) -> AsyncPager[Template]:
        """Templates: ``await`` for the first page, ``async for`` for every template."""
        check_limit(limit)
        return self._paginate(
            self._call_now("list", options),
            list_templates.asyncio_detailed,
            TemplateList,
            limit=limit,
        )

    @request_options
    async def infer_fields(
        self,
        document: DocumentSource,
        *,
        filename: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> builtins.list[InferredField]:
        """Propose fields for a document (with a confidence each) before uploading a template."""
        if isinstance(document, DocumentURL):
            raise TypeError("infer_fields needs the document itself, not a DocumentURL")
        prepared = await prepare_document(document, filename=filename)
        try:
            result = await self._invoke(
                infer_template_fields.asyncio_detailed,
                InferFieldsResponse,
                self._call("infer_fields", rewindable=prepared.rewindable),
                body=InferFieldsMultipart(
                    file=File(prepared.payload, prepared.filename, prepared.mime_type)
                ),
            )
        finally:
            prepared.close()
        return list(result.fields)

    @request_options
    async def upload(
        self,
        name: str,
        document: DocumentSource,
        *,
        fields: Iterable[InferredField | Mapping[str, Any]],
        filename: str | None = None,
        idempotency_key: str | None = None,
        **options: Unpack[RequestOptions],
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
                self._call("upload", rewindable=prepared.rewindable),
                body=UploadTemplateMultipart(
                    name=name,
                    file=File(prepared.payload, prepared.filename, prepared.mime_type),
                    fields=json.dumps(field_dicts),
                ),
                idempotency_key=key,
            )
        finally:
            prepared.close()
        # The template is what the caller gets: it answers get_request_id / was_replayed too.
        attach_response_info(result.template, get_request_id(result), replayed=was_replayed(result))
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
