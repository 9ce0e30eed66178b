"""Client configuration: where the settings come from and what makes them valid.

Arguments win over the environment (``ATLAS_API_KEY``, ``ATLAS_BASE_URL``, ``ATLAS_ACCOUNT``). Every
check here runs before any request, so bad configuration fails at construction with a clear message
instead of as a 401 or 404 later.
"""

from __future__ import annotations

import os
import re
from ipaddress import ip_address
from urllib.parse import urlsplit

from ._errors import AtlasError

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "MissingAPIKeyError",
    "account_from_env",
    "allows_plain_http",
    "check_base_url_security",
    "resolve_allow_insecure_http",
    "resolve_api_key",
    "resolve_base_url",
    "validate_account",
]

DEFAULT_BASE_URL = "https://atlaswork.ai"
# Seconds per network phase (connect gets its own, shorter budget: see _http). Never infinite:
# the generated client's default is no timeout at all, and a stuck connection would hang forever.
DEFAULT_TIMEOUT = 60.0

# `ext_<external_id>`: the external id is the platform's own key for the tenant. Atlas does not
# publish its alphabet, so accept what fits in a header and reject what would corrupt one.
# A pattern: `re` compiles and caches it on first use, not at import.
_EXT_ACCOUNT = r"ext_[A-Za-z0-9][A-Za-z0-9._:@+-]{0,199}"
# A connected org's id: a UUID in its canonical form, in either case (what `uuid.UUID` parses
# and writes back the same). A pattern rather than `uuid`, which imports `platform` (about 5 ms
# on this project's machine) on the way to the first client that has an account.
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


class MissingAPIKeyError(AtlasError):
    """No API key was given and ``ATLAS_API_KEY`` is not set."""


def resolve_api_key(api_key: str | None) -> str:
    key = api_key if api_key is not None else os.environ.get("ATLAS_API_KEY")
    if key is None or not key.strip():
        raise MissingAPIKeyError(
            "no Atlas API key: pass Atlas(api_key=...), set the ATLAS_API_KEY environment variable, "
            "or pass auth= (a TokenProvider, e.g. from atlas_async.oauth)"
        )
    key = key.strip()
    if any(ch.isspace() or ord(ch) < 0x20 for ch in key):
        # Never echo the key itself: this message may end up in logs.
        raise ValueError("the Atlas API key contains whitespace or control characters")
    return key


def resolve_base_url(base_url: str | None) -> str:
    url = base_url or os.environ.get("ATLAS_BASE_URL") or DEFAULT_BASE_URL
    url = url.strip().rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"base_url must start with https:// or http://, got {url!r}")
    return url


_TRUTHY = frozenset({"1", "true", "yes", "on"})


def allows_plain_http(url: str) -> bool:
    """True when ``url`` is https, or plain http to a host that cannot be on the public internet.

    Those hosts: loopback addresses (127.0.0.0/8, ::1), ``localhost`` and ``*.localhost`` (which
    RFC 6761 section 6.3 pins to loopback), and ``*.test`` names (RFC 6761 section 6.2: reserved
    for testing and never delegated in the public DNS; the emulator's in-process base URL is
    ``http://atlas.test``). Anything else over plain http would put the credentials on the wire
    in clear text, where any hop can read them.
    """
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return False
    if parts.scheme == "https":
        return True
    if parts.scheme != "http" or not host:
        return False
    if host == "localhost" or host.endswith((".localhost", ".test")):
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_allow_insecure_http(allow: bool | None) -> bool:
    """The explicit opt-in to plain http on other hosts: the argument, else
    ``ATLAS_ALLOW_INSECURE_HTTP`` (``1``/``true``/``yes``), so a base URL that comes from the
    environment (an emulator in docker compose, say) can be opted in from the same place."""
    if allow is None:
        return os.environ.get("ATLAS_ALLOW_INSECURE_HTTP", "").strip().lower() in _TRUTHY
    if not isinstance(allow, bool):
        raise TypeError(f"allow_insecure_http must be a bool, got {type(allow).__name__}")
    return allow


def check_base_url_security(base_url: str, allow_insecure_http: bool) -> None:
    """Refuse, before any request, to send credentials over plain http to a real host."""
    if allow_insecure_http or allows_plain_http(base_url):
        return
    host = urlsplit(base_url).hostname
    raise ValueError(
        f"refusing to send Atlas credentials over plain http to {host!r}: use https://, or, for "
        "a test server you trust, pass Atlas(allow_insecure_http=True) or set "
        "ATLAS_ALLOW_INSECURE_HTTP=1 (plain http needs no opt-in on loopback, localhost and "
        "*.test hosts)"
    )


def validate_account(account: str | None) -> str | None:
    """Return ``account`` unchanged when it is ``ext_<external_id>`` or a UUID, else raise ValueError."""
    if account is None:
        return None
    if not isinstance(account, str):
        raise TypeError(f"account must be a string, got {type(account).__name__}")
    if re.fullmatch(_EXT_ACCOUNT, account) or re.fullmatch(_UUID, account):
        return account
    raise ValueError(
        f"invalid Atlas account id {account!r}: expected 'ext_<external_id>' or the connected "
        "org's UUID (e.g. '3f2b8c1e-...')"
    )


def account_from_env() -> str | None:
    return validate_account(os.environ.get("ATLAS_ACCOUNT") or None)
