"""atlas-async: the asyncio SDK for the Atlas e-signature API.

Public names are loaded lazily (PEP 562) so that ``import atlas_async`` stays cheap: the HTTP stack,
the generated models and the optional extras are imported only when first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    # `X as X` marks an explicit re-export, so `from atlas_async import Atlas` passes
    # mypy --strict in users' code (mypy cannot read the computed __all__ below).
    from ._auth import TokenProvider as TokenProvider
    from ._client import Atlas as Atlas
    from ._config import MissingAPIKeyError as MissingAPIKeyError
    from ._documents import DocumentURL as DocumentURL
    from ._errors import APIConnectionError as APIConnectionError
    from ._errors import APIResponseValidationError as APIResponseValidationError
    from ._errors import APIStatusError as APIStatusError
    from ._errors import APITimeoutError as APITimeoutError
    from ._errors import AtlasError as AtlasError
    from ._errors import AuthenticationError as AuthenticationError
    from ._errors import BadRequestError as BadRequestError
    from ._errors import ConflictError as ConflictError
    from ._errors import EnvelopeDeclinedError as EnvelopeDeclinedError
    from ._errors import EnvelopeVoidedError as EnvelopeVoidedError
    from ._errors import FieldDetectionFailedError as FieldDetectionFailedError
    from ._errors import FieldsPendingError as FieldsPendingError
    from ._errors import FieldsVersionConflictError as FieldsVersionConflictError
    from ._errors import IdempotencyKeyInUseError as IdempotencyKeyInUseError
    from ._errors import IdempotencyKeyReusedError as IdempotencyKeyReusedError
    from ._errors import InsufficientCreditsError as InsufficientCreditsError
    from ._errors import InternalServerError as InternalServerError
    from ._errors import InvalidDocumentError as InvalidDocumentError
    from ._errors import InvalidStateError as InvalidStateError
    from ._errors import ManualPlacementRequiredError as ManualPlacementRequiredError
    from ._errors import NotFoundError as NotFoundError
    from ._errors import PermissionDeniedError as PermissionDeniedError
    from ._errors import RateLimitError as RateLimitError
    from ._errors import RedirectError as RedirectError
    from ._errors import ResponseTooLargeError as ResponseTooLargeError
    from ._errors import UnprocessableEntityError as UnprocessableEntityError
    from ._errors import WaitTimeoutError as WaitTimeoutError
    from ._errors import WebhookPayloadError as WebhookPayloadError
    from ._errors import WebhookSignatureError as WebhookSignatureError
    from ._http import AsyncHTTPClient as AsyncHTTPClient
    from ._http import AsyncHTTPTransport as AsyncHTTPTransport
    from ._middleware import Attempt as Attempt
    from ._middleware import AttemptResponse as AttemptResponse
    from ._middleware import CallNext as CallNext
    from ._middleware import Middleware as Middleware
    from ._models import ConnectedAccount as ConnectedAccount
    from ._models import ConnectedAccountCreateResponse as ConnectedAccountCreateResponse
    from ._models import ConnectedAccountStatus as ConnectedAccountStatus
    from ._models import CreateEnvelopeResponse as CreateEnvelopeResponse
    from ._models import DetectedParty as DetectedParty
    from ._models import Envelope as Envelope
    from ._models import EnvelopeParty as EnvelopeParty
    from ._models import EnvelopeProgress as EnvelopeProgress
    from ._models import EnvelopeStatus as EnvelopeStatus
    from ._models import EnvelopeSummary as EnvelopeSummary
    from ._models import Field as Field
    from ._models import FieldInput as FieldInput
    from ._models import FieldsResponse as FieldsResponse
    from ._models import FieldsStatus as FieldsStatus
    from ._models import FieldType as FieldType
    from ._models import InferredField as InferredField
    from ._models import Metadata as Metadata
    from ._models import Party as Party
    from ._models import PartyStatus as PartyStatus
    from ._models import RemindResponse as RemindResponse
    from ._models import Template as Template
    from ._models import TemplateSendResponse as TemplateSendResponse
    from ._pagination import AsyncPager as AsyncPager
    from ._pagination import Page as Page
    from ._ratelimit import LocalRateGate as LocalRateGate
    from ._ratelimit import RateGate as RateGate
    from ._raw import RawResponse as RawResponse
    from ._resources._options import RequestOptions as RequestOptions
    from ._resources._options import RetryOptions as RetryOptions
    from ._resources.envelopes import SignedPDFStream as SignedPDFStream
    from ._resources.envelopes import SigningStatus as SigningStatus
    from ._resources.envelopes import WaitManyResult as WaitManyResult
    from ._responses import get_request_id as get_request_id
    from ._responses import was_replayed as was_replayed
    from ._retry import RetryPolicy as RetryPolicy
    from ._waiters import LocalWaiterBus as LocalWaiterBus
    from ._waiters import Notice as Notice
    from ._waiters import Subscription as Subscription
    from ._waiters import WaiterBus as WaiterBus
    from .oauth import InvalidGrantError as InvalidGrantError
    from .oauth import OAuthError as OAuthError

# name -> module that defines it. One table, so a missing name fails loudly at import of that name.
_LAZY: dict[str, str] = {
    **{
        name: "._errors"
        for name in (
            "APIConnectionError",
            "APIResponseValidationError",
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
            "RedirectError",
            "ResponseTooLargeError",
            "UnprocessableEntityError",
            "WaitTimeoutError",
            "WebhookPayloadError",
            "WebhookSignatureError",
        )
    },
    # The client. Importing Atlas loads the HTTP library; the models load the generated layer.
    "Atlas": "._client",
    "AsyncHTTPClient": "._http",
    "AsyncHTTPTransport": "._http",
    "TokenProvider": "._auth",
    "MissingAPIKeyError": "._config",
    "DocumentURL": "._documents",
    "AsyncPager": "._pagination",
    "Page": "._pagination",
    "SignedPDFStream": "._resources.envelopes",
    "SigningStatus": "._resources.envelopes",
    "WaitManyResult": "._resources.envelopes",
    "get_request_id": "._responses",
    "was_replayed": "._responses",
    # The seams: retries, per-attempt middleware, the 429 gate, the waiter bus.
    "RetryPolicy": "._retry",
    "RawResponse": "._raw",
    "RequestOptions": "._resources._options",
    "RetryOptions": "._resources._options",
    "Attempt": "._middleware",
    "AttemptResponse": "._middleware",
    "CallNext": "._middleware",
    "Middleware": "._middleware",
    "LocalRateGate": "._ratelimit",
    "RateGate": "._ratelimit",
    "LocalWaiterBus": "._waiters",
    "Notice": "._waiters",
    "Subscription": "._waiters",
    "WaiterBus": "._waiters",
    # OAuth: the error family, so one `except OAuthError` works from the top package.
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
