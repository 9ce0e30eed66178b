from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.upload_template_multipart import UploadTemplateMultipart
from ...models.upload_template_response import UploadTemplateResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: UploadTemplateMultipart,
    idempotency_key: str | Unset = UNSET,
    atlas_account: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    if not isinstance(atlas_account, Unset):
        headers["Atlas-Account"] = atlas_account

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/templates/upload",
    }

    _kwargs["files"] = body.to_multipart()

    headers["Content-Type"] = "multipart/form-data; boundary=+++"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | UploadTemplateResponse | None:
    if response.status_code == 201:
        response_201 = UploadTemplateResponse.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorBody.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = ErrorBody.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = ErrorBody.from_dict(response.json())

        return response_413

    if response.status_code == 422:
        response_422 = ErrorBody.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ErrorBody.from_dict(response.json())

        return response_429

    if 500 <= response.status_code <= 599:
        response_5xx = ErrorBody.from_dict(response.json())

        return response_5xx

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorBody | UploadTemplateResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: UploadTemplateMultipart,
    idempotency_key: str | Unset = UNSET,
    atlas_account: str | Unset = UNSET,
) -> Response[ErrorBody | UploadTemplateResponse]:
    """Upload a document as a template

    Args:
        idempotency_key (str | Unset):
        atlas_account (str | Unset):
        body (UploadTemplateMultipart):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | UploadTemplateResponse]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
        atlas_account=atlas_account,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: UploadTemplateMultipart,
    idempotency_key: str | Unset = UNSET,
    atlas_account: str | Unset = UNSET,
) -> ErrorBody | UploadTemplateResponse | None:
    """Upload a document as a template

    Args:
        idempotency_key (str | Unset):
        atlas_account (str | Unset):
        body (UploadTemplateMultipart):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | UploadTemplateResponse
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
        atlas_account=atlas_account,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: UploadTemplateMultipart,
    idempotency_key: str | Unset = UNSET,
    atlas_account: str | Unset = UNSET,
) -> Response[ErrorBody | UploadTemplateResponse]:
    """Upload a document as a template

    Args:
        idempotency_key (str | Unset):
        atlas_account (str | Unset):
        body (UploadTemplateMultipart):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | UploadTemplateResponse]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
        atlas_account=atlas_account,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: UploadTemplateMultipart,
    idempotency_key: str | Unset = UNSET,
    atlas_account: str | Unset = UNSET,
) -> ErrorBody | UploadTemplateResponse | None:
    """Upload a document as a template

    Args:
        idempotency_key (str | Unset):
        atlas_account (str | Unset):
        body (UploadTemplateMultipart):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | UploadTemplateResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
            atlas_account=atlas_account,
        )
    ).parsed
