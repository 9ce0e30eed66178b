"""Following the signed-PDF download's redirect, and refusing the ones that would hurt.

Atlas may answer the download with a 302 to a presigned storage URL on another host. The SDK
follows it, under these rules (the threat model in the docs explains each):

* credentials (``Authorization``, ``Atlas-Account``, ``Idempotency-Key``, cookies) are sent only
  to the API's own origin; a hop to any other origin carries none;
* only ``http`` and ``https`` targets, and never from ``https`` down to ``http``;
* plain ``http`` only where the base URL would be allowed it (loopback, ``localhost``,
  ``*.test``, or ``allow_insecure_http``): a presigned URL is itself a credential;
* never a link-local or cloud metadata address (``169.254.0.0/16``, ``fe80::/10``,
  ``fd00:ec2::254``, ``metadata.google.internal``), where a hostile redirect would make the SDK
  fetch the machine's own cloud credentials;
* at most :data:`MAX_REDIRECTS` hops.

A refused redirect raises :class:`~atlas_async.RedirectError`, whose message names the scheme
and host of the target, never its query string.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from . import _http
from ._call import Call
from ._config import allows_plain_http
from ._errors import RedirectError
from ._log import logger as get_logger
from ._middleware import operation_scope
from ._transport import Transport

__all__ = ["MAX_REDIRECTS", "check_redirect", "follow_redirects"]

logger = get_logger("atlas_async")

MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata.goog", "instance-data"})
_METADATA_ADDRESSES = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fd00:ec2::254/128"),
)


def _forbidden_host(host: str) -> bool:
    name = host.strip("[]").rstrip(".").lower()
    if name in _METADATA_HOSTS:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in _METADATA_ADDRESSES)


def check_redirect(
    source: str,
    target: str,
    status: int,
    *,
    allow_insecure_http: bool,
    request_id: str | None = None,
) -> None:
    """Raise RedirectError unless the SDK may follow ``source`` -> ``target``."""
    parts = urlsplit(target)
    where = f"{parts.scheme}://{parts.hostname or ''}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RedirectError(
            f"refusing to follow a redirect to a {parts.scheme!r} URL",
            reason="scheme",
            status_code=status,
            request_id=request_id,
        )
    if _forbidden_host(parts.hostname):
        raise RedirectError(
            f"refusing to follow a redirect to {where}: a link-local or cloud metadata address",
            reason="forbidden_host",
            status_code=status,
            request_id=request_id,
        )
    if parts.scheme == "http" and urlsplit(source).scheme == "https":
        raise RedirectError(
            f"refusing to follow a redirect from https down to {where}",
            reason="downgrade",
            status_code=status,
            request_id=request_id,
        )
    if not (allow_insecure_http or allows_plain_http(target)):
        raise RedirectError(
            f"refusing to follow a redirect to plain http on {parts.hostname!r}: the document "
            "would cross the network unencrypted (allow_insecure_http=True permits it for a "
            "test server)",
            reason="insecure",
            status_code=status,
            request_id=request_id,
        )


async def follow_redirects(
    transport: Transport, request: _http.Request, call: Call
) -> _http.Response:
    """Send a streamed GET that may answer 3xx, following redirects under the rules above.

    Every hop runs inside one call scope (tracing's call span parents each hop's attempts)."""
    call = call.with_(stream=True)
    scope = operation_scope(call.middleware, call.operation, call.envelope_id, call.account)
    with scope as operation:
        response = await _follow(transport, request, call)
        if operation is not None:
            operation.answered(response, replayed=False)
    return response


async def _follow(transport: Transport, request: _http.Request, call: Call) -> _http.Response:
    for _ in range(MAX_REDIRECTS + 1):
        response = await transport.send(request, call)
        status = response.status_code
        if status not in _REDIRECTS:
            return response
        location = response.headers.get("location")
        request_id = response.headers.get("x-request-id")
        await response.aclose()
        if not location:
            raise RedirectError(
                f"{status} redirect without a Location",
                reason="missing_location",
                status_code=status,
                request_id=request_id,
            )
        source = str(request.url)
        try:
            target = _http.join_url(request, location)
        except ValueError:
            raise RedirectError(
                "the redirect's Location is not a URL",
                reason="invalid_location",
                status_code=status,
                request_id=request_id,
            ) from None
        check_redirect(
            source,
            target,
            status,
            allow_insecure_http=transport.allow_insecure_http,
            request_id=request_id,
        )
        if _http.origin(request, target) == _http.origin(request) and call.credentials:
            request = transport.build(call, "GET", target)
        else:
            logger.debug("following a redirect to another host, without credentials")
            call = call.with_(credentials=False, account=None, extra_headers=None)
            request = _http.new_request(
                transport.http,
                "GET",
                target,
                headers={"User-Agent": transport.user_agent},
                seconds=call.timeout,
            )
    raise RedirectError(
        f"too many redirects (more than {MAX_REDIRECTS})", reason="too_many", status_code=None
    )
