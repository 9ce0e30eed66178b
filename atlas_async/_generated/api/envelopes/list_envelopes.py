from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.envelope_list import EnvelopeList
from ...models.error_body import ErrorBody
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    status: str | Unset = UNSET,
    external_id: str | Unset = UNSET,
    atlas_account: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(atlas_account, Unset):
        headers["Atlas-Account"] = atlas_account

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["cursor"] = cursor

    params["status"] = status

    params["external_id"] = external_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/envelopes",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> EnvelopeList | ErrorBody | None:
    if response.status_code == 200:
        response_200 = EnvelopeList.from_dict(response.json())

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
) -> Response[EnvelopeList | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    status: str | Unset = UNSET,
    external_id: str | Unset = UNSET,
    atlas_account: str | Unset = UNSET,
) -> Response[EnvelopeList | ErrorBody]:
    """List envelopes, newest first

    Args:
        limit (int | Unset):
        cursor (str | Unset):
        status (str | Unset): Lifecycle state of an envelope. `pending` = sent, awaiting
            signatures; `signed` = every party signed. Clients must tolerate values not listed here.
        external_id (str | Unset):
        atlas_account (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EnvelopeList | ErrorBody]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        status=status,
        external_id=external_id,
        atlas_account=atlas_account,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    status: str | Unset = UNSET,
    external_id: str | Unset = UNSET,
    atlas_account: str | Unset = UNSET,
) -> EnvelopeList | ErrorBody | None:
    """List envelopes, newest first

    Args:
        limit (int | Unset):
        cursor (str | Unset):
        status (str | Unset): Lifecycle state of an envelope. `pending` = sent, awaiting
            signatures; `signed` = every party signed. Clients must tolerate values not listed here.
        external_id (str | Unset):
        atlas_account (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EnvelopeList | ErrorBody
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        status=status,
        external_id=external_id,
        atlas_account=atlas_account,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    status: str | Unset = UNSET,
    external_id: str | Unset = UNSET,
    atlas_account: str | Unset = UNSET,
) -> Response[EnvelopeList | ErrorBody]:
    """List envelopes, newest first

    Args:
        limit (int | Unset):
        cursor (str | Unset):
        status (str | Unset): Lifecycle state of an envelope. `pending` = sent, awaiting
            signatures; `signed` = every party signed. Clients must tolerate values not listed here.
        external_id (str | Unset):
        atlas_account (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EnvelopeList | ErrorBody]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        status=status,
        external_id=external_id,
        atlas_account=atlas_account,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    status: str | Unset = UNSET,
    external_id: str | Unset = UNSET,
    atlas_account: str | Unset = UNSET,
) -> EnvelopeList | ErrorBody | None:
    """List envelopes, newest first

    Args:
        limit (int | Unset):
        cursor (str | Unset):
        status (str | Unset): Lifecycle state of an envelope. `pending` = sent, awaiting
            signatures; `signed` = every party signed. Clients must tolerate values not listed here.
        external_id (str | Unset):
        atlas_account (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EnvelopeList | ErrorBody
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            status=status,
            external_id=external_id,
            atlas_account=atlas_account,
        )
    ).parsed
