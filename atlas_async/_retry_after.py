"""How long the server asked us to wait: the one ``Retry-After`` parser.

Shared by the transport (which sleeps it before a retry) and ``RateLimitError.retry_after`` (what
callers and the bulk gate read), so both always agree. Standard library only: ``_errors`` imports
it, and ``_errors`` must stay cheap to import and free of httpx.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

__all__ = ["parse_retry_after"]


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP-date).

    Names match case-insensitively; a date in the past is 0; anything unreadable is None.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    raw_ms = lowered.get("retry-after-ms")
    if raw_ms is not None:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = lowered.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    import email.utils  # only for the rare HTTP-date form

    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, float(when.timestamp()) - time.time())
