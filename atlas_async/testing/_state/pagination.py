"""Cursor pagination: newest first, an opaque cursor naming the last row's sequence number."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TypeVar

from .._apierror import bad_request

__all__ = ["paginate"]

_T = TypeVar("_T")


def paginate(
    rows: list[_T], limit: int, cursor: str | None, seq: Callable[[_T], int]
) -> tuple[list[_T], str | None]:
    """One page of ``rows`` (sorted newest first) after ``cursor``, and the next page's cursor."""
    if isinstance(limit, bool) or not 1 <= limit <= 100:
        raise bad_request("limit must be between 1 and 100.")
    if cursor is not None:
        after = _decode_cursor(cursor)
        rows = [r for r in rows if seq(r) < after]
    page = rows[:limit]
    more = len(rows) > limit
    return page, (_encode_cursor(seq(page[-1])) if more and page else None)


def _encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"s{seq}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        if not raw.startswith("s") or not raw[1:].isdigit():
            raise ValueError(raw)
        return int(raw[1:])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise bad_request("Invalid cursor.", code="invalid_cursor") from None
