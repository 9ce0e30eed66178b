from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.envelope import Envelope
from ...models.error_body import ErrorBody
from ...models.void_request import VoidRequest
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    *,
    body: VoidRequest | Unset = UNSET,
    atlas_account: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(atlas_account, Unset):
        headers["Atlas-Account"] = atlas_account

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/envelope/{id}/void".format(
            id=quote(str(id), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Envelope | ErrorBody | None:
    if response.status_code == 200:
        response_200 = Envelope.from_dict(response.json())

        return response_200

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
) -> Response[Envelope | ErrorBody]:
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
    body: VoidRequest | Unset = UNSET,
    atlas_account: str | Unset = UNSET,
) -> Response[Envelope | ErrorBody]:
    """Void an envelope

    Args:
        id (str):
        atlas_account (str | Unset):
        body (VoidRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Envelope | ErrorBody]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
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
    body: VoidRequest | Unset = UNSET,
    atlas_account: str | Unset = UNSET,
) -> Envelope | ErrorBody | None:
    """Void an envelope

    Args:
        id (str):
        atlas_account (str | Unset):
        body (VoidRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Envelope | ErrorBody
    """

    return sync_detailed(
        id=id,
        client=client,
        body=body,
        atlas_account=atlas_account,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    body: VoidRequest | Unset = UNSET,
    atlas_account: str | Unset = UNSET,
) -> Response[Envelope | ErrorBody]:
    """Void an envelope

    Args:
        id (str):
        atlas_account (str | Unset):
        body (VoidRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Envelope | ErrorBody]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        atlas_account=atlas_account,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    body: VoidRequest | Unset = UNSET,
    atlas_account: str | Unset = UNSET,
) -> Envelope | ErrorBody | None:
    """Void an envelope

    Args:
        id (str):
        atlas_account (str | Unset):
        body (VoidRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Envelope | ErrorBody
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
            atlas_account=atlas_account,
        )
    ).parsed
