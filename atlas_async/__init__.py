"""atlas-async: the asyncio SDK for the Atlas e-signature API.

Public names are loaded lazily (PEP 562) so that ``import atlas_async`` stays cheap: the HTTP stack,
the generated models and the optional extras are imported only when first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
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
