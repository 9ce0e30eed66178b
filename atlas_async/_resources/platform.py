"""``atlas.platform.connected_accounts``: tenants of a platform (multi-tenant SaaS) key."""

from __future__ import annotations

from typing import Unpack

from .._generated.api.platform import (
    create_connected_account,
    list_connected_accounts,
    update_connected_account,
)
from .._generated.models import ConnectedAccountCreate, ConnectedAccountList, ConnectedAccountUpdate
from .._models import ConnectedAccount, ConnectedAccountCreateResponse, ConnectedAccountStatus
from .._pagination import AsyncPager
from ._base import Resource, check_limit, path_id
from ._keys import check_key, new_idempotency_key
from ._options import RequestOptions, request_options

__all__ = ["ConnectedAccounts", "Platform"]


class ConnectedAccounts(Resource):
    """Connected accounts (tenants). Platform-key calls: never scoped to an account themselves."""

    __slots__ = ()
    _name = "platform.connected_accounts"

    @request_options
    async def create(
        self,
        external_id: str,
        *,
        name: str,
        billing_mode: str | None = None,
        initial_credits: int | None = None,
        idempotency_key: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> ConnectedAccountCreateResponse:
        """Create (or find: idempotent on ``external_id``) a connected account.

        Scope later calls to it with ``atlas.for_account(f"ext_{external_id}")``.
        """
        if not isinstance(external_id, str) or not external_id.strip():
            raise ValueError("external_id must be a non-empty string")
        if not isinstance(name, str) or not name.strip():
            raise ValueError("name must be a non-empty string")
        if initial_credits is not None and (
            isinstance(initial_credits, bool) or initial_credits < 0
        ):
            raise ValueError("initial_credits must be an int >= 0")
        body = ConnectedAccountCreate(
            external_id=external_id,
            name=name,
            billing_mode=billing_mode,
            initial_credits=initial_credits,
        )
        return await self._invoke(
            create_connected_account.asyncio_detailed,
            ConnectedAccountCreateResponse,
            self._call("create", account=None),
            body=body,
            idempotency_key=check_key(idempotency_key) or new_idempotency_key(),
        )

    def list(
        self, *, limit: int | None = None, **options: Unpack[RequestOptions]
    ) -> AsyncPager[ConnectedAccount]:
        """Connected accounts: ``await`` for the first page, ``async for`` for every account."""
        check_limit(limit)
        return self._paginate(
            self._call_now("list", options, account=None),
            list_connected_accounts.asyncio_detailed,
            ConnectedAccountList,
            limit=limit,
        )

    @request_options
    async def suspend(self, account_id: str, **options: Unpack[RequestOptions]) -> ConnectedAccount:
        """Suspend: sends answer 403 for this account; drafts still work."""
        return await self._set_status("suspend", account_id, ConnectedAccountStatus.SUSPENDED)

    @request_options
    async def activate(
        self, account_id: str, **options: Unpack[RequestOptions]
    ) -> ConnectedAccount:
        """Lift a suspension: sends work again."""
        return await self._set_status("activate", account_id, ConnectedAccountStatus.ACTIVE)

    async def _set_status(self, operation: str, account_id: str, status: str) -> ConnectedAccount:
        aid = path_id(account_id, "account_id")
        return await self._invoke(
            update_connected_account.asyncio_detailed,
            ConnectedAccount,
            self._call(operation, account=None),
            aid,
            body=ConnectedAccountUpdate(status=status),
            known={"connected_org_id": aid},
        )


class Platform(Resource):
    """Platform-key operations."""

    __slots__ = ()

    @property
    def connected_accounts(self) -> ConnectedAccounts:
        return ConnectedAccounts(self._client)
