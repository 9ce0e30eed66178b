"""Contains all the data models used in inputs/outputs.

Each model's module is imported on first use (PEP 562): a call needs a few of the sixty, and
importing them all made the client's first call about 30 ms slower and 0.7 MB larger."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .authorize_code_challenge_method import AuthorizeCodeChallengeMethod
    from .authorize_response_type import AuthorizeResponseType
    from .connected_account import ConnectedAccount
    from .connected_account_create import ConnectedAccountCreate
    from .connected_account_create_response import ConnectedAccountCreateResponse
    from .connected_account_list import ConnectedAccountList
    from .connected_account_update import ConnectedAccountUpdate
    from .contract_extract import ContractExtract
    from .contract_extract_extract import ContractExtractExtract
    from .contract_extracted_event import ContractExtractedEvent
    from .create_envelope_from_document import CreateEnvelopeFromDocument
    from .create_envelope_from_url import CreateEnvelopeFromUrl
    from .create_envelope_multipart import CreateEnvelopeMultipart
    from .create_envelope_response import CreateEnvelopeResponse
    from .decline_request import DeclineRequest
    from .detected_party import DetectedParty
    from .envelope import Envelope
    from .envelope_created_event import EnvelopeCreatedEvent
    from .envelope_declined_event import EnvelopeDeclinedEvent
    from .envelope_list import EnvelopeList
    from .envelope_party import EnvelopeParty
    from .envelope_progress import EnvelopeProgress
    from .envelope_sent_event import EnvelopeSentEvent
    from .envelope_signed_event import EnvelopeSignedEvent
    from .envelope_summary import EnvelopeSummary
    from .envelope_viewed_event import EnvelopeViewedEvent
    from .envelope_voided_event import EnvelopeVoidedEvent
    from .error import Error
    from .error_body import ErrorBody
    from .field import Field
    from .field_input import FieldInput
    from .fields_response import FieldsResponse
    from .fields_update import FieldsUpdate
    from .infer_fields_multipart import InferFieldsMultipart
    from .infer_fields_response import InferFieldsResponse
    from .inferred_field import InferredField
    from .mcp_manifest import McpManifest
    from .metadata import Metadata
    from .o_auth_client_registration import OAuthClientRegistration
    from .o_auth_client_registration_request import OAuthClientRegistrationRequest
    from .o_auth_error import OAuthError
    from .o_auth_revoke_request import OAuthRevokeRequest
    from .o_auth_server_metadata import OAuthServerMetadata
    from .o_auth_token_request import OAuthTokenRequest
    from .o_auth_token_response import OAuthTokenResponse
    from .open_api_document import OpenAPIDocument
    from .party import Party
    from .remind_response import RemindResponse
    from .send_envelope_request import SendEnvelopeRequest
    from .template import Template
    from .template_list import TemplateList
    from .template_send_request import TemplateSendRequest
    from .template_send_request_prefill import TemplateSendRequestPrefill
    from .template_send_response import TemplateSendResponse
    from .upload_template_multipart import UploadTemplateMultipart
    from .upload_template_response import UploadTemplateResponse
    from .void_request import VoidRequest

# Each model's name, and the module that defines it.
_MODULES = {
    "AuthorizeCodeChallengeMethod": ".authorize_code_challenge_method",
    "AuthorizeResponseType": ".authorize_response_type",
    "ConnectedAccount": ".connected_account",
    "ConnectedAccountCreate": ".connected_account_create",
    "ConnectedAccountCreateResponse": ".connected_account_create_response",
    "ConnectedAccountList": ".connected_account_list",
    "ConnectedAccountUpdate": ".connected_account_update",
    "ContractExtract": ".contract_extract",
    "ContractExtractExtract": ".contract_extract_extract",
    "ContractExtractedEvent": ".contract_extracted_event",
    "CreateEnvelopeFromDocument": ".create_envelope_from_document",
    "CreateEnvelopeFromUrl": ".create_envelope_from_url",
    "CreateEnvelopeMultipart": ".create_envelope_multipart",
    "CreateEnvelopeResponse": ".create_envelope_response",
    "DeclineRequest": ".decline_request",
    "DetectedParty": ".detected_party",
    "Envelope": ".envelope",
    "EnvelopeCreatedEvent": ".envelope_created_event",
    "EnvelopeDeclinedEvent": ".envelope_declined_event",
    "EnvelopeList": ".envelope_list",
    "EnvelopeParty": ".envelope_party",
    "EnvelopeProgress": ".envelope_progress",
    "EnvelopeSentEvent": ".envelope_sent_event",
    "EnvelopeSignedEvent": ".envelope_signed_event",
    "EnvelopeSummary": ".envelope_summary",
    "EnvelopeViewedEvent": ".envelope_viewed_event",
    "EnvelopeVoidedEvent": ".envelope_voided_event",
    "Error": ".error",
    "ErrorBody": ".error_body",
    "Field": ".field",
    "FieldInput": ".field_input",
    "FieldsResponse": ".fields_response",
    "FieldsUpdate": ".fields_update",
    "InferFieldsMultipart": ".infer_fields_multipart",
    "InferFieldsResponse": ".infer_fields_response",
    "InferredField": ".inferred_field",
    "McpManifest": ".mcp_manifest",
    "Metadata": ".metadata",
    "OAuthClientRegistration": ".o_auth_client_registration",
    "OAuthClientRegistrationRequest": ".o_auth_client_registration_request",
    "OAuthError": ".o_auth_error",
    "OAuthRevokeRequest": ".o_auth_revoke_request",
    "OAuthServerMetadata": ".o_auth_server_metadata",
    "OAuthTokenRequest": ".o_auth_token_request",
    "OAuthTokenResponse": ".o_auth_token_response",
    "OpenAPIDocument": ".open_api_document",
    "Party": ".party",
    "RemindResponse": ".remind_response",
    "SendEnvelopeRequest": ".send_envelope_request",
    "Template": ".template",
    "TemplateList": ".template_list",
    "TemplateSendRequest": ".template_send_request",
    "TemplateSendRequestPrefill": ".template_send_request_prefill",
    "TemplateSendResponse": ".template_send_response",
    "UploadTemplateMultipart": ".upload_template_multipart",
    "UploadTemplateResponse": ".upload_template_response",
    "VoidRequest": ".void_request",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # (found directly from now on)
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULES})


__all__ = (
    "AuthorizeCodeChallengeMethod",
    "AuthorizeResponseType",
    "ConnectedAccount",
    "ConnectedAccountCreate",
    "ConnectedAccountCreateResponse",
    "ConnectedAccountList",
    "ConnectedAccountUpdate",
    "ContractExtract",
    "ContractExtractedEvent",
    "ContractExtractExtract",
    "CreateEnvelopeFromDocument",
    "CreateEnvelopeFromUrl",
    "CreateEnvelopeMultipart",
    "CreateEnvelopeResponse",
    "DeclineRequest",
    "DetectedParty",
    "Envelope",
    "EnvelopeCreatedEvent",
    "EnvelopeDeclinedEvent",
    "EnvelopeList",
    "EnvelopeParty",
    "EnvelopeProgress",
    "EnvelopeSentEvent",
    "EnvelopeSignedEvent",
    "EnvelopeSummary",
    "EnvelopeViewedEvent",
    "EnvelopeVoidedEvent",
    "Error",
    "ErrorBody",
    "Field",
    "FieldInput",
    "FieldsResponse",
    "FieldsUpdate",
    "InferFieldsMultipart",
    "InferFieldsResponse",
    "InferredField",
    "McpManifest",
    "Metadata",
    "OAuthClientRegistration",
    "OAuthClientRegistrationRequest",
    "OAuthError",
    "OAuthRevokeRequest",
    "OAuthServerMetadata",
    "OAuthTokenRequest",
    "OAuthTokenResponse",
    "OpenAPIDocument",
    "Party",
    "RemindResponse",
    "SendEnvelopeRequest",
    "Template",
    "TemplateList",
    "TemplateSendRequest",
    "TemplateSendRequestPrefill",
    "TemplateSendResponse",
    "UploadTemplateMultipart",
    "UploadTemplateResponse",
    "VoidRequest",
)
