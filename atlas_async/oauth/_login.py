"""Loopback login for command-line agents (RFC 8252): the browser comes back to 127.0.0.1.

A temporary listener on 127.0.0.1 (an ephemeral port unless one is given) receives the single
redirect. It is a few lines on an anyio TCP listener rather than an HTTP server dependency: it reads
one request line and answers one small page, and it closes as soon as the redirect arrived.
"""

from __future__ import annotations

import hmac
import html
import inspect
import sys
import webbrowser
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import parse_qsl, urlsplit

import anyio
from anyio.abc import SocketAttribute, SocketStream

from .._config import resolve_allow_insecure_http
from .._errors import AtlasError
from ._authorize import exchange_code, start_authorization
from ._errors import OAuthError
from ._http import DEFAULT_TIMEOUT, logger
from ._metadata import discover
from ._registration import normalise_scope, register_client
from ._store import TokenStore
from ._tokens import OAuthTokens, revoke_token

__all__ = ["login", "logout"]

CALLBACK_PATH = "/callback"
_MAX_HEAD = 16 * 1024
_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>atlas-async</title></head>"
    "<body style='font-family:sans-serif;margin:3em'><h1>{title}</h1><p>{text}</p></body></html>"
)


class _CallbackReceiver:
    """Serves the loopback redirect: the first request to the callback path is the answer."""

    def __init__(self, state: str) -> None:
        self._state = state
        self.params: dict[str, str] | None = None
        self.arrived = anyio.Event()

    async def handle(self, stream: SocketStream) -> None:
        async with stream:
            try:
                with anyio.fail_after(10):  # a browser's idle pre-connection must not linger
                    target = await _read_request_target(stream)
                if target is None:
                    await _respond(stream, 400, "Bad request", "Not an HTTP request.")
                    return
                url = urlsplit(target)
                if url.path != CALLBACK_PATH:
                    await _respond(stream, 404, "Not found", "This is the atlas-async login.")
                    return
                if self.params is not None:
                    await _respond(stream, 409, "Already done", "This login already finished.")
                    return
                params = dict(parse_qsl(url.query, keep_blank_values=True))
                state = params.get("state", "")
                if not hmac.compare_digest(state.encode(), self._state.encode()):
                    title, text = "Login refused", "This response does not belong to this login."
                elif "error" in params:
                    title = "Login not granted"
                    text = html.escape(params.get("error_description") or params["error"])
                else:
                    title, text = "Logged in", "atlas-async is authorized. You can close this tab."
                await _respond(stream, 200, title, text)
                self.params = params
                self.arrived.set()
            except Exception as exc:  # timeouts, resets, garbage: one bad connection must not
                logger.debug("loopback listener dropped a connection: %r", exc)  # end the login


async def _read_request_target(stream: SocketStream) -> str | None:
    head = b""
    while b"\r\n\r\n" not in head and b"\n\n" not in head:
        if len(head) > _MAX_HEAD:
            return None
        head += await stream.receive()
    request_line = head.split(b"\n", 1)[0].decode("latin-1").strip().split(" ")
    if len(request_line) != 3 or request_line[0] != "GET":
        return None
    return request_line[1]


async def _respond(stream: SocketStream, status: int, title: str, text: str) -> None:
    body = _PAGE.format(title=html.escape(title), text=text).encode()
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 409: "Conflict"}[status]
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
    )
    await stream.send(head.encode() + body)


async def _present(
    url: str, open_browser: bool, on_url: Callable[[str], Awaitable[None] | None] | None
) -> None:
    if on_url is not None:
        result = on_url(url)
        if inspect.isawaitable(result):
            await result
    else:
        print(f"Open this URL to authorize atlas-async:\n\n    {url}\n", file=sys.stderr)
    if open_browser:
        await anyio.to_thread.run_sync(webbrowser.open, url)


async def login(
    base_url: str | None = None,
    *,
    scope: str | Sequence[str] | None = None,
    store: TokenStore | None = None,
    client_name: str = "atlas-async",
    client_id: str | None = None,
    open_browser: bool = True,
    on_url: Callable[[str], Awaitable[None] | None] | None = None,
    port: int = 0,
    wait_seconds: float = 300.0,
    http_client: object | None = None,
    request_timeout: float = DEFAULT_TIMEOUT,
    allow_insecure_http: bool | None = None,
) -> OAuthTokens:
    """Log in through the browser and return tokens (saved to ``store`` when one is given).

    Discovers ``base_url``, listens on ``127.0.0.1:port`` (an ephemeral port by default),
    registers a public client for that redirect URI (unless ``client_id`` is given), then shows
    the authorization URL: ``on_url(url)`` if given, else printed to stderr; and opens it in the
    browser when ``open_browser``. Waits up to ``wait_seconds`` for the redirect, checks its
    ``state`` and exchanges the code with the PKCE verifier.

    Raises :class:`StateMismatchError` (the redirect belongs to another login),
    :class:`AuthorizationDeniedError` (the user refused), :class:`InvalidGrantError` (the code
    exchange failed), :class:`OAuthError` (no redirect in time). ``allow_insecure_http`` is for an
    emulator on a non-loopback http host only.

    Unset arguments come from the environment as for ``Atlas()``: ``base_url`` from
    ``ATLAS_BASE_URL`` (else ``https://atlaswork.ai``), ``allow_insecure_http`` from
    ``ATLAS_ALLOW_INSECURE_HTTP``.
    """
    if wait_seconds <= 0:
        raise ValueError("wait_seconds must be positive")
    if not 0 <= port <= 65535:
        raise ValueError(f"port must be 0..65535, got {port}")
    metadata = await discover(
        base_url,
        http_client=http_client,
        request_timeout=request_timeout,
        allow_insecure_http=allow_insecure_http,
    )
    normalise_scope(scope, metadata)  # a bad scope fails before a listener or a registration
    async with await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=port) as listener:
        bound = listener.listeners[0].extra(SocketAttribute.local_port)
        redirect_uri = f"http://127.0.0.1:{bound}{CALLBACK_PATH}"
        if client_id is None:
            registration = await register_client(
                metadata,
                client_name=client_name,
                redirect_uris=[redirect_uri],
                scope=scope,
                http_client=http_client,
                request_timeout=request_timeout,
            )
            client_id = registration.client_id
        request = start_authorization(
            metadata, client_id=client_id, redirect_uri=redirect_uri, scope=scope
        )
        receiver = _CallbackReceiver(request.state)
        failure: BaseException | None = None
        async with anyio.create_task_group() as tg:
            tg.start_soon(listener.serve, receiver.handle)
            try:
                await _present(request.url, open_browser, on_url)
                with anyio.move_on_after(wait_seconds):
                    await receiver.arrived.wait()
            except Exception as exc:  # raised below, outside the task group's exception group
                failure = exc
            tg.cancel_scope.cancel()
    if failure is not None:
        raise failure
    if receiver.params is None:
        raise OAuthError(
            f"no authorization response within {wait_seconds:g} s; run the login again"
        )
    tokens = await exchange_code(
        metadata,
        request,
        receiver.params,
        http_client=http_client,
        request_timeout=request_timeout,
    )
    if store is not None:
        await store.save(tokens)
    return tokens


async def logout(
    store: TokenStore,
    *,
    http_client: object | None = None,
    request_timeout: float = DEFAULT_TIMEOUT,
    allow_insecure_http: bool | None = None,
) -> bool:
    """Revoke the stored grant at the server and clear the store. False when nothing was stored.

    The store is cleared even when the server cannot be reached (the error is then re-raised):
    logging out locally must always work. The server is the tokens' issuer;
    ``allow_insecure_http`` unset comes from ``ATLAS_ALLOW_INSECURE_HTTP``, as for ``Atlas()``.
    """
    allow_insecure_http = resolve_allow_insecure_http(allow_insecure_http)
    tokens = await store.load()
    if tokens is None:
        return False
    try:
        if tokens.issuer:
            metadata = await discover(
                tokens.issuer,
                http_client=http_client,
                request_timeout=request_timeout,
                allow_insecure_http=allow_insecure_http,
            )
            if metadata.revocation_endpoint is not None:
                await revoke_token(
                    metadata, tokens, http_client=http_client, request_timeout=request_timeout
                )
    except AtlasError:
        await store.clear()
        raise
    await store.clear()
    return True
