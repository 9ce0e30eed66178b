"""The TLS context the SDK's own clients share.

httpx and httpx2 build a new ``ssl.SSLContext`` for every client they make, parsing the whole CA
bundle again each time: 30 to 55 ms on this project's 2-core machine, and about 0.8 MB for its
copy of the trust store, for every ``Atlas()`` (open upstream: encode/httpx#3627,
pydantic/httpx2#907; caching was first proposed in encode/httpx#978). An application that builds
a client per tenant, per worker or per request pays that each time, on its event loop.

The SDK's own clients all verify against the same store, so they share one context: exactly the
one their library would have built (its ``create_ssl_context()``: certifi for httpx, the system
store for httpx2), honouring ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` as the library does. It is
built on first use, once per library and per value of those variables, so a changed variable
takes effect for the next client as it would without the cache. A client the caller hands in
(``Atlas(http_client=...)``) keeps its own.

Sharing is safe: an ``SSLContext`` may serve many connections and threads at once, the SDK never
changes it, and the one setting httpcore writes on it at each connection (the ALPN protocols) is
the same for every client the SDK builds (HTTP/1.1 only).
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ssl

__all__ = ["TRUST_VARIABLES", "shared_context"]

#: The environment variables both libraries read when they build their default context.
TRUST_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR")

_built: dict[tuple[str, ...], ssl.SSLContext] = {}
_lock = threading.Lock()


def shared_context(library: Any) -> ssl.SSLContext:
    """``library.create_ssl_context()`` (httpx's or httpx2's default), built once per library
    module and per value of :data:`TRUST_VARIABLES`."""
    key = (library.__name__, *(os.environ.get(name, "") for name in TRUST_VARIABLES))
    context = _built.get(key)
    if context is None:
        # Two threads making their first client at once build one context, not two.
        with _lock:
            context = _built.get(key)
            if context is None:
                context = _built[key] = library.create_ssl_context()
    return context
