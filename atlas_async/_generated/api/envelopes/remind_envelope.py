from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.remind_response import RemindResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    *,
    atlas_account: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(atlas_account, Unset):
        headers["Atlas-Account"] = atlas_account

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/envelope/{id}/remind".format(
            id=quote(str(id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | RemindResponse | None:
    if response.status_code == 200:
        response_200 = RemindResponse.from_dict(response.json())

        return response_200

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
) -> Response[ErrorBody | RemindResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    atlas_account: str | Unset = UNSET,
) -> Response[ErrorBody | RemindResponse]:
    """Re-send the email to the signer whose turn it is

    Args:
        id (str):
        atlas_account (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | RemindResponse]
    """

    kwargs = _get_kwargs(
        id=id,
        atlas_account=atlas_account,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    atlas_account: str | Unset = UNSET,
) -> ErrorBody | RemindResponse | None:
    """Re-send the email to the signer whose turn it is

    Args:
        id (str):
        atlas_account (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | RemindResponse
    """

    return sync_detailed(
        id=id,
        client=client,
        atlas_account=atlas_account,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    atlas_account: str | Unset = UNSET,
) -> Response[ErrorBody | RemindResponse]:
    """Re-send the email to the signer whose turn it is

    Args:
        id (str):
        atlas_account (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | RemindResponse]
    """

    kwargs = _get_kwargs(
        id=id,
        atlas_account=atlas_account,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    atlas_account: str | Unset = UNSET,
) -> ErrorBody | RemindResponse | None:
    """Re-send the email to the signer whose turn it is

    Args:
        id (str):
        atlas_account (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | RemindResponse
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            atlas_account=atlas_account,
        )
    ).parsed
