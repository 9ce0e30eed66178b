"""The bottom layer of the state: orgs and their keys, credits and billing, connected accounts.

It also holds what every layer above shares: the clock and the lock.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Mapping
from typing import Any

from .._apierror import ApiError, bad_request, not_found
from .._clock import Clock
from .pagination import paginate
from .records import BILLING_MODES, OrgRecord
from .views import connected_account_json

__all__ = ["OrgLayer"]


def _key(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


class OrgLayer:
    """Orgs, keys and credits. Callers hold :attr:`lock` around every call."""

    def __init__(self, clock: Clock, *, initial_credits: int = 5) -> None:
        self.clock = clock
        self.initial_credits = initial_credits
        # The HTTP layer may run in a uvicorn thread while a test signs in process.
        self.lock = threading.RLock()
        self.orgs: dict[str, OrgRecord] = {}
        self.keys: dict[str, tuple[str, str]] = {}  # key -> (org_id, "live"|"test"|"platform")

    def create_org(
        self,
        *,
        credits: int | None = None,
        platform: bool = False,
        name: str = "Acme",
        parent: OrgRecord | None = None,
        external_id: str | None = None,
        billing_mode: str = "platform_pays",
    ) -> OrgRecord:
        org = OrgRecord(
            org_id=str(uuid.uuid4()),
            name=name,
            credits=self.initial_credits if credits is None else credits,
            api_key=_key("atlas_live_"),
            test_key=_key("test_"),
            platform_key=_key("atlas_platform_") if platform else None,
            parent_id=parent.org_id if parent else None,
            external_id=external_id,
            billing_mode=billing_mode,
            created_at=self.clock(),
        )
        self.orgs[org.org_id] = org
        self.keys[org.api_key] = (org.org_id, "live")
        self.keys[org.test_key] = (org.org_id, "test")
        if org.platform_key:
            self.keys[org.platform_key] = (org.org_id, "platform")
        return org

    def authenticate(self, key: str) -> tuple[OrgRecord, str] | None:
        """The org and key kind (``live``, ``test``, ``platform``) of an API key, or ``None``."""
        found = self.keys.get(key)
        if found is None:
            return None
        return self.orgs[found[0]], found[1]

    def resolve_account(self, caller: OrgRecord, kind: str, header: str | None) -> OrgRecord:
        """Apply ``Atlas-Account``: 403 for a non-platform key, 404 for an unknown account."""
        if header is None:
            return caller
        if kind != "platform":
            raise ApiError(
                403, "platform_key_required", "Atlas-Account may only be sent with a platform key."
            )
        for org in self.orgs.values():
            if org.parent_id != caller.org_id:
                continue
            if header.startswith("ext_") and org.external_id == header[4:]:
                return org
            if org.org_id == header:
                return org
        raise not_found("Connected account")

    # ---- credits

    def billing_pool(self, org: OrgRecord) -> OrgRecord:
        """Who pays for ``org``'s sends: its platform (``platform_pays``), or the org itself."""
        if org.parent_id is not None and org.billing_mode == "platform_pays":
            return self.orgs[org.parent_id]
        return org

    def credits(self, org: OrgRecord) -> int:
        return self.billing_pool(org).credits

    def add_credits(self, org: OrgRecord, amount: int) -> int:
        """Top up the pool ``org`` spends from; the credits it can spend now."""
        pool = self.billing_pool(org)
        pool.credits += amount
        return pool.credits

    def _check_can_dispatch(self, org: OrgRecord) -> None:
        if org.status == "suspended":
            raise ApiError(403, "account_suspended", "This account is suspended and cannot send.")
        if self.billing_pool(org).credits <= 0:
            raise ApiError(402, "insufficient_credits", "No credits left: top up to send.")

    # ---- connected accounts

    def create_connected_account(
        self, platform: OrgRecord, body: Mapping[str, Any]
    ) -> tuple[OrgRecord, bool]:
        external_id = body.get("external_id")
        name = body.get("name")
        if not isinstance(external_id, str) or not external_id:
            raise bad_request("external_id must be a non-empty string.")
        if not isinstance(name, str) or not name:
            raise bad_request("name must be a non-empty string.")
        billing_mode = body.get("billing_mode", "platform_pays")
        if billing_mode not in BILLING_MODES:
            raise bad_request("billing_mode must be platform_pays or child_pays.")
        initial = body.get("initial_credits")
        if "initial_credits" in body and (
            isinstance(initial, bool) or not isinstance(initial, int) or initial < 0
        ):
            raise bad_request("initial_credits must be a non-negative integer.")
        for org in self.orgs.values():
            if org.parent_id == platform.org_id and org.external_id == external_id:
                return org, False
        if initial is None:
            initial = self.initial_credits if billing_mode == "child_pays" else 0
        org = self.create_org(
            credits=initial,
            name=name,
            parent=platform,
            external_id=external_id,
            billing_mode=billing_mode,
        )
        return org, True

    def list_connected_accounts(
        self, platform: OrgRecord, *, limit: int = 20, cursor: str | None = None
    ) -> tuple[list[OrgRecord], str | None]:
        """The platform's accounts, newest first, paginated by their order of creation."""
        rows = [o for o in self.orgs.values() if o.parent_id == platform.org_id]
        rows.sort(key=lambda o: o.created_at, reverse=True)
        index = {o.org_id: i for i, o in enumerate(reversed(rows), start=1)}
        return paginate(rows, limit, cursor, lambda o: index[o.org_id])

    def update_connected_account(
        self, platform: OrgRecord, account_id: str, status: Any
    ) -> OrgRecord:
        if status not in ("active", "suspended"):
            raise bad_request("status must be active or suspended.")
        for org in self.orgs.values():
            if org.parent_id == platform.org_id and account_id in (
                org.org_id,
                f"ext_{org.external_id}",
            ):
                org.status = status
                return org
        raise not_found("Connected account")

    def connected_account_json(self, org: OrgRecord) -> dict[str, Any]:
        return connected_account_json(org)
