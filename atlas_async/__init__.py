"""atlas-async: the asyncio SDK for the Atlas e-signature API.

Public names are loaded lazily (PEP 562) so that ``import atlas_async`` stays cheap: the HTTP stack,
the generated models and the optional extras are imported only when first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._auth import TokenProvider
    from ._client import Atlas
    from ._config import MissingAPIKeyError
    from ._documents import DocumentURL
    from ._errors import (
        APIConnectionError,
        APIStatusError,
        APITimeoutError,
        AtlasError,
        AuthenticationError,
        BadRequestError,
        ConflictError,
        EnvelopeDeclinedError,
        EnvelopeVoidedError,
        FieldDetectionFailedError,
        FieldsPendingError,
        FieldsVersionConflictError,
        IdempotencyKeyInUseError,
        IdempotencyKeyReusedError,
        InsufficientCreditsError,
        InternalServerError,
        InvalidDocumentError,
        InvalidStateError,
        ManualPlacementRequiredError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        UnprocessableEntityError,
        WaitTimeoutError,
        WebhookPayloadError,
        WebhookSignatureError,
    )
    from ._models import (
        ConnectedAccount,
        ConnectedAccountCreateResponse,
        ConnectedAccountStatus,
        CreateEnvelopeResponse,
        DetectedParty,
        Envelope,
        EnvelopeParty,
        EnvelopeProgress,
        EnvelopeStatus,
        EnvelopeSummary,
        Field,
        FieldInput,
        FieldsResponse,
        FieldsStatus,
        FieldType,
        InferredField,
        Metadata,
        Party,
        PartyStatus,
        RemindResponse,
        Template,
        TemplateSendResponse,
    )
    from ._pagination import AsyncPager, Page
    from ._resources.envelopes import SignedPDFStream, SigningStatus
    from ._responses import get_request_id
    from .oauth._errors import InvalidGrantError, OAuthError

# name -> module that defines it. One table, so a missing name fails loudly at import of that name.
_LAZY: dict[str, str] = {
    **{
        name: "._errors"
        for name in (
            "APIConnectionError",
            "APIStatusError",
            "APITimeoutError",
            "AtlasError",
            "AuthenticationError",
            "BadRequestError",
            "ConflictError",
            "EnvelopeDeclinedError",
            "EnvelopeVoidedError",
            "FieldDetectionFailedError",
            "FieldsPendingError",
            "FieldsVersionConflictError",
            "IdempotencyKeyInUseError",
            "IdempotencyKeyReusedError",
            "InsufficientCreditsError",
            "InternalServerError",
            "InvalidDocumentError",
            "InvalidStateError",
            "ManualPlacementRequiredError",
            "NotFoundError",
            "PermissionDeniedError",
            "RateLimitError",
            "UnprocessableEntityError",
            "WaitTimeoutError",
            "WebhookPayloadError",
            "WebhookSignatureError",
        )
    },
    # The client (issue 4). Importing any of these loads httpx and the generated models.
    "Atlas": "._client",
    "TokenProvider": "._auth",
    "MissingAPIKeyError": "._config",
    "DocumentURL": "._documents",
    "AsyncPager": "._pagination",
    "Page": "._pagination",
    "SignedPDFStream": "._resources.envelopes",
    "SigningStatus": "._resources.envelopes",
    "get_request_id": "._responses",
    # OAuth (issue 6): the error family, so one `except OAuthError` works from the top package.
    "OAuthError": ".oauth._errors",
    "InvalidGrantError": ".oauth._errors",
    **{
        name: "._models"
        for name in (
            "ConnectedAccount",
            "ConnectedAccountCreateResponse",
            "ConnectedAccountStatus",
            "CreateEnvelopeResponse",
            "DetectedParty",
            "Envelope",
            "EnvelopeParty",
            "EnvelopeProgress",
            "EnvelopeStatus",
            "EnvelopeSummary",
            "Field",
            "FieldInput",
            "FieldType",
            "FieldsResponse",
            "FieldsStatus",
            "InferredField",
            "Metadata",
            "Party",
            "PartyStatus",
            "RemindResponse",
            "Template",
            "TemplateSendResponse",
        )
    },
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'atlas_async' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # cache: later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
