"""``atlas.platform.connected_accounts``: tenants of a platform (multi-tenant SaaS) key."""

from __future__ import annotations

from .._generated.api.platform import (
    create_connected_account,
    list_connected_accounts,
    update_connected_account,
)
from .._generated.models import ConnectedAccountCreate, ConnectedAccountList, ConnectedAccountUpdate
from .._generated.types import UNSET
from .._models import ConnectedAccount, ConnectedAccountCreateResponse, ConnectedAccountStatus
from .._pagination import AsyncPager, Page
from .._responses import get_request_id
from ._base import Resource, check_key, check_limit, new_idempotency_key, path_id

__all__ = ["ConnectedAccounts", "Platform"]


class ConnectedAccounts(Resource):
    __slots__ = ()

    async def create(
        self,
        external_id: str,
        *,
        name: str,
        billing_mode: str | None = None,
        initial_credits: int | None = None,
        idempotency_key: str | None = None,
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
            billing_mode=billing_mode if billing_mode is not None else UNSET,
            initial_credits=initial_credits if initial_credits is not None else UNSET,
        )
        return await self._invoke(
            create_connected_account.asyncio_detailed,
            ConnectedAccountCreateResponse,
            body=body,
            idempotency_key=check_key(idempotency_key) or new_idempotency_key(),
            call=self._call(account=None),
        )

    def list(self, *, limit: int | None = None) -> AsyncPager[ConnectedAccount]:
        """Connected accounts: ``await`` for the first page, ``async for`` for every account."""
        check_limit(limit)

        async def fetch(cursor: str | None) -> Page[ConnectedAccount]:
            result = await self._invoke(
                list_connected_accounts.asyncio_detailed,
                ConnectedAccountList,
                limit=limit if limit is not None else UNSET,
                cursor=cursor if cursor is not None else UNSET,
                call=self._call(account=None),
            )
            return Page(list(result.items), result.next_cursor, get_request_id(result))

        return AsyncPager(fetch)

    async def suspend(self, account_id: str) -> ConnectedAccount:
        """Suspend: sends answer 403 for this account; drafts still work."""
        return await self._set_status(account_id, ConnectedAccountStatus.SUSPENDED)

    async def activate(self, account_id: str) -> ConnectedAccount:
        """Lift a suspension: sends work again."""
        return await self._set_status(account_id, ConnectedAccountStatus.ACTIVE)

    async def _set_status(self, account_id: object, status: str) -> ConnectedAccount:
        aid = path_id(account_id, "account_id")
        return await self._invoke(
            update_connected_account.asyncio_detailed,
            ConnectedAccount,
            aid,
            body=ConnectedAccountUpdate(status=status),
            call=self._call(account=None),
        )


class Platform(Resource):
    """Platform-key operations."""

    __slots__ = ()

    @property
    def connected_accounts(self) -> ConnectedAccounts:
        return ConnectedAccounts(self._client)
