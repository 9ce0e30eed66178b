from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.o_auth_client_registration import OAuthClientRegistration
from ...models.o_auth_client_registration_request import OAuthClientRegistrationRequest
from ...models.o_auth_error import OAuthError
from ...types import Response


def _get_kwargs(
    *,
    body: OAuthClientRegistrationRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/oauth/register",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | OAuthClientRegistration | OAuthError | None:
    if response.status_code == 201:
        response_201 = OAuthClientRegistration.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = OAuthError.from_dict(response.json())

        return response_400

    if 500 <= response.status_code <= 599:
        response_5xx = ErrorBody.from_dict(response.json())

        return response_5xx

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorBody | OAuthClientRegistration | OAuthError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: OAuthClientRegistrationRequest,
) -> Response[ErrorBody | OAuthClientRegistration | OAuthError]:
    """RFC 7591 dynamic client registration

    Args:
        body (OAuthClientRegistrationRequest): RFC 7591 dynamic client registration (public
            clients: `token_endpoint_auth_method` is `none`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | OAuthClientRegistration | OAuthError]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: OAuthClientRegistrationRequest,
) -> ErrorBody | OAuthClientRegistration | OAuthError | None:
    """RFC 7591 dynamic client registration

    Args:
        body (OAuthClientRegistrationRequest): RFC 7591 dynamic client registration (public
            clients: `token_endpoint_auth_method` is `none`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | OAuthClientRegistration | OAuthError
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: OAuthClientRegistrationRequest,
) -> Response[ErrorBody | OAuthClientRegistration | OAuthError]:
    """RFC 7591 dynamic client registration

    Args:
        body (OAuthClientRegistrationRequest): RFC 7591 dynamic client registration (public
            clients: `token_endpoint_auth_method` is `none`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | OAuthClientRegistration | OAuthError]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: OAuthClientRegistrationRequest,
) -> ErrorBody | OAuthClientRegistration | OAuthError | None:
    """RFC 7591 dynamic client registration

    Args:
        body (OAuthClientRegistrationRequest): RFC 7591 dynamic client registration (public
            clients: `token_endpoint_auth_method` is `none`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | OAuthClientRegistration | OAuthError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
