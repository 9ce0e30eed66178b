"""What every resource shares: building a per-call context and invoking a generated endpoint."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .._errors import APIStatusError
from .._generated.types import UNSET, Response, Unset
from .._responses import attach_response_info
from .._transport import Call, GeneratedSeam, replayed

if TYPE_CHECKING:
    from .._client import Atlas

__all__ = ["Resource", "check_key", "check_limit", "new_idempotency_key", "path_id"]

T = TypeVar("T")


def new_idempotency_key() -> str:
    """A fresh key for one logical operation; every retry of that operation reuses it."""
    return f"atlas-async-{uuid.uuid4()}"


def path_id(value: object, what: str) -> str:
    """Validate an id before it goes into a URL path (a clear error instead of a 404)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string or UUID, got {type(value).__name__}")
    text = value.strip()
    if not text or text != value or any(ch in text for ch in "/?#") or not text.isprintable():
        raise ValueError(f"invalid {what}: {value!r}")
    return text


def check_limit(limit: int | None) -> None:
    """Page sizes are 1..100 in the contract: say so before any request."""
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 100
    ):
        raise ValueError("limit must be an int between 1 and 100")


def check_key(key: str | None) -> str | None:
    """A caller's Idempotency-Key, checked before any request.

    It travels as an HTTP header value: visible ASCII and inner spaces only. A non-ASCII
    character would fail deep inside the HTTP library; a control character (CR, LF) could
    split the header; a leading or trailing space is stripped on the way, so the server would
    see another key than the one the caller records.
    """
    if key is None:
        return None
    if (
        not isinstance(key, str)
        or not 1 <= len(key) <= 255
        or not all(" " <= ch <= "~" for ch in key)
        or key != key.strip()
    ):
        raise ValueError(
            f"idempotency_key must be 1 to 255 printable ASCII characters, without leading or "
            f"trailing spaces (it is sent as an HTTP header), got {key!r}"
        )
    return key


class Resource:
    __slots__ = ("_client",)

    def __init__(self, client: Atlas) -> None:
        self._client = client

    @property
    def _account(self) -> str | Unset:
        account = self._client._options.account
        return UNSET if account is None else account

    def _call(self, **changes: Any) -> Call:
        options = self._client._options
        base: dict[str, Any] = {
            "timeout": options.timeout,
            "max_retries": options.max_retries,
            "account": options.account,
        }
        base.update(changes)
        return Call(**base)

    async def _invoke(
        self,
        endpoint: Callable[..., Awaitable[Response[Any]]],
        expected: type[T],
        *args: Any,
        call: Call | None = None,
        authenticated: bool = False,
        **kwargs: Any,
    ) -> T:
        """Run a generated ``asyncio_detailed`` through our transport and return its model.

        The transport has already raised for every non-2xx, so the generated parser only ever
        sees success bodies; one that does not match the contract is reported, not mis-parsed.
        """
        seam = GeneratedSeam(self._client._transport, call or self._call())
        try:
            response = await endpoint(*args, client=seam.client(authenticated), **kwargs)
        except (KeyError, TypeError, ValueError) as exc:
            raw = seam.last_response
            if raw is None:
                raise
            raise APIStatusError(
                f"the response did not match the API contract ({type(exc).__name__}: {exc})",
                status_code=raw.status_code,
                request_id=raw.headers.get("x-request-id"),
                headers=raw.headers,
                body=raw.text[:2000],
            ) from exc
        parsed = response.parsed
        raw = seam.last_response
        if not isinstance(parsed, expected):
            status = raw.status_code if raw is not None else 0
            raise APIStatusError(
                f"unexpected response to {getattr(endpoint, '__module__', 'request')}",
                status_code=status,
                request_id=raw.headers.get("x-request-id") if raw is not None else None,
                headers=raw.headers if raw is not None else {},
            )
        if raw is not None:
            attach_response_info(parsed, raw.headers.get("x-request-id"), replayed=replayed(raw))
        return parsed
