"""``FakeAtlas``: the emulator's front door for tests and for ``python -m atlas_async.testing``."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import anyio
from starlette.types import ASGIApp

from ._apierror import ApiError
from ._app import build_app
from ._clock import Clock, ManualClock
from ._edge import RequestRecord
from ._faults import Faults
from ._http import AsyncTransport, InProcessTransport
from ._idempotency import IdempotencyStore
from ._oauth_server import OAuthServer
from ._serve import Served
from ._state import AtlasState, DetectionOutcome, Envelope, Party
from ._webhooks import WebhookSender, new_event

__all__ = ["FakeAtlas", "Org"]

Fetcher = Callable[[str], Awaitable[bytes]]
MAX_DOCUMENT_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class Org:
    """An emulated organisation's identity: its id and keys (``platform_key`` only for platforms)."""

    org_id: str
    api_key: str
    test_key: str
    platform_key: str | None = None


class FakeAtlas:
    """A stateful Atlas emulator: every rule of the Atlas API, in process or on a port.

    ``initial_credits``: credits of each new org (5, as Atlas gives on signup).
    ``detection_delay``: seconds field detection stays ``pending`` (emulator clock).
    ``clock``: a zero-argument callable returning POSIX seconds (default ``time.time``); pass a
    :class:`ManualClock` for deterministic tests. :meth:`advance` works with any clock.
    ``fetcher``: ``async (url) -> bytes`` used for ``document_url`` creates; the default serves
    only documents registered with :meth:`add_document` (a test never reaches the internet);
    ``python -m atlas_async.testing`` passes one that fetches over HTTP.
    ``webhook_time_scale``: multiplies the webhook retry schedule (1, 5, 30 min, 2 h) and the
    10 s delivery timeout; ``0.001`` makes a retry come after 60 ms.
    ``webhook_timeout``: the receiver's answer deadline in seconds, apart from the time scale
    (default None: 10 s times ``webhook_time_scale``). Set it when compressing the retries over
    real HTTP, so a receiver slowed by a busy machine is not failed in a few milliseconds.
    ``base_url``: the host the emulator names in links (``sign_url``, ``review_url``) when used
    in process; :meth:`serve` replaces it with the real address while it runs.
    ``max_document_bytes``: the upload limit (25 MB, as Atlas); lower it to test 413 cheaply.
    ``pdf_redirect``: GET /api/envelope/{id}/pdf answers 302 to a presigned storage URL on
    another host (``storage.atlas.test`` in process, ``localhost`` instead of ``127.0.0.1`` when
    served), as Atlas may. The storage URL refuses a request carrying ``Authorization`` (400,
    recorded in :attr:`leaked_credentials`), so a client that leaks its key fails loudly.
    ``seed``: seeds the random choices of probabilistic faults.

    Use ``fake.transport()`` as the SDK's (``Atlas(http_transport=fake.transport())``) or as
    the transport of an ``httpx.AsyncClient`` or an ``httpx2.AsyncClient`` (no sockets), or
    ``async with fake.serve() as url`` for a real server. ``async with fake:`` runs the webhook
    delivery worker; without it, ``await fake.webhooks.flush()`` sends what is due.
    """

    def __init__(
        self,
        *,
        initial_credits: int = 5,
        detection_delay: float = 0.05,
        clock: Clock | None = None,
        fetcher: Fetcher | None = None,
        webhook_time_scale: float = 1.0,
        webhook_timeout: float | None = None,
        base_url: str = "http://atlas.test",
        max_document_bytes: int = MAX_DOCUMENT_BYTES,
        pdf_redirect: bool = False,
        seed: int = 0,
    ) -> None:
        if initial_credits < 0 or detection_delay < 0 or webhook_time_scale < 0:
            raise ValueError("initial_credits, detection_delay and webhook_time_scale must be >= 0")
        self._clock: Clock = clock or time.time
        self._offset = 0.0
        self.base_url = base_url.rstrip("/")
        self.max_document_bytes = max_document_bytes
        self.pdf_redirect = pdf_redirect
        self.leaked_credentials: list[str] = []  # Authorization headers sent to storage URLs
        self.requests: list[RequestRecord] = []  # every HTTP request received, oldest first
        self._storage_secret = secrets.token_bytes(16)
        self._fetcher = fetcher
        self._documents: dict[str, bytes] = {}
        self.state = AtlasState(
            self.now,
            base_url=lambda: self.base_url,
            initial_credits=initial_credits,
            detection_delay=detection_delay,
        )
        self.idempotency = IdempotencyStore(self.now)
        self.faults = Faults(seed)
        self.webhooks = WebhookSender(
            self.now, webhook_time_scale, webhook_timeout, before_delivery=self._tick
        )
        self.state.listeners.append(self._on_event)
        default = self.state.create_org(name="Default org")
        self.org = Org(default.org_id, default.api_key, default.test_key)
        # OAuth consent is auto-approved for the default org: tests never need a browser.
        self.oauth = OAuthServer(clock=self.now, consent_org_id=default.org_id)
        self._openapi: bytes | None = None
        self._worker_running = False
        self._tg: anyio.abc.TaskGroup | None = None
        self.app: ASGIApp = build_app(self)

    # ---- identity

    @property
    def api_key(self) -> str:
        """The default org's live key (``atlas_live_...``)."""
        return self.org.api_key

    @property
    def test_key(self) -> str:
        """The default org's test key (``test_...``)."""
        return self.org.test_key

    def create_org(
        self, *, credits: int | None = None, platform: bool = False, name: str = "Acme"
    ) -> Org:
        """A new, isolated org with its own keys and ``credits`` (default: ``initial_credits``)."""
        with self.state.lock:
            org = self.state.create_org(credits=credits, platform=platform, name=name)
        return Org(org.org_id, org.api_key, org.test_key, org.platform_key)

    def _org_id(self, org_id: str | None) -> str:
        oid = org_id or self.org.org_id
        if oid.startswith("ext_"):
            for o in self.state.orgs.values():
                if o.external_id == oid[4:]:
                    return o.org_id
        if oid not in self.state.orgs:
            raise KeyError(f"no org {oid!r}")
        return oid

    # ---- time

    def now(self) -> float:
        """The emulator's clock: ``clock()`` plus everything :meth:`advance` added."""
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the emulator's time forward (detection, idempotency window, cooldowns, retries)."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        if isinstance(self._clock, ManualClock):
            self._clock.advance(seconds)
        else:
            self._offset += seconds
        self._tick()

    def _tick(self) -> None:
        with self.state.lock:
            self.state.tick()

    # ---- inspection and control

    def credits(self, org_id: str | None = None) -> int:
        """Credits the org can spend (for a ``platform_pays`` account: its platform's pool)."""
        with self.state.lock:
            return self.state.credits(self.state.orgs[self._org_id(org_id)])

    def set_credits(self, credits: int, org_id: str | None = None) -> None:
        with self.state.lock:
            self.state.orgs[self._org_id(org_id)].credits = credits

    def envelopes(self, org_id: str | None = None) -> list[dict[str, Any]]:
        """Every envelope of the org (default org when omitted), newest first, as the API shows them."""
        with self.state.lock:
            self.state.tick()
            oid = self._org_id(org_id)
            rows = sorted(
                (e for e in self.state.envelopes.values() if e.org_id == oid),
                key=lambda e: e.seq,
                reverse=True,
            )
            return [self.state.envelope_json(e) for e in rows]

    def envelope(self, envelope_id: str) -> dict[str, Any]:
        """One envelope as GET /api/envelope/{id} shows it, whoever owns it."""
        with self.state.lock:
            return self.state.envelope_json(self._env(envelope_id))

    def signed_pdf(self, envelope_id: str) -> bytes:
        with self.state.lock:
            pdf = self._env(envelope_id).signed_pdf
        if pdf is None:
            raise ValueError(f"envelope {envelope_id} is not signed")
        return pdf

    def _env(self, envelope_id: str) -> Envelope:
        self.state.tick()
        env = self.state.envelopes.get(envelope_id)
        if env is None:
            raise KeyError(f"no envelope {envelope_id!r}")
        return env

    def set_detection(
        self,
        outcome: DetectionOutcome = "ready",
        *,
        delay: float | None = None,
        envelope_id: str | None = None,
        fields: Sequence[Mapping[str, Any]] | None = None,
        count: int | None = None,
    ) -> None:
        """Decide how field detection ends.

        With ``envelope_id``: that draft's detection restarts and ends with ``outcome`` after
        ``delay`` seconds (default 0). Without: a rule for envelopes created from now on, for the
        next ``count`` of them or (``count=None``) as the new default; ``delay=None`` keeps the
        current default delay. ``fields`` replaces the default detected fields (for ``ready``).
        Results are cached by document hash unless a one-envelope or counted rule produced them.
        """
        with self.state.lock:
            self.state.set_detection(
                outcome=outcome, delay=delay, fields=fields, envelope_id=envelope_id, count=count
            )

    def add_document(self, url: str, content: bytes) -> None:
        """Serve ``content`` for ``document_url`` creates of ``url`` (default fetcher only)."""
        self._documents[url] = content

    async def fetch_document(self, url: str) -> bytes:
        if self._fetcher is None:
            if url in self._documents:
                return self._documents[url]
            raise ApiError(
                400,
                "document_fetch_failed",
                f"Could not fetch document_url {url!r}: the emulator only serves documents "
                "registered with fake.add_document() (or pass fetcher=).",
            )
        try:
            return await self._fetcher(url)
        except ApiError:
            raise
        except Exception as exc:
            raise ApiError(
                400, "document_fetch_failed", f"Could not fetch document_url: {exc}"
            ) from None

    def reset(self) -> None:
        """Forget envelopes, templates, idempotency keys, faults, deliveries and the request log;
        keep the orgs (top-level orgs get ``initial_credits`` back)."""
        with self.state.lock:
            self.state.reset()
        self.idempotency.clear()
        self.faults.clear()
        self.webhooks.clear()
        self.requests.clear()

    # ---- acting as a signer

    async def sign(
        self, envelope_id: str, *, email: str | None = None, values: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Sign as the party whose turn it is (or as ``email``, which must be that party).

        ``values`` fills fields by ``field_id``. Returns the envelope as the API shows it.
        Raises :class:`ApiError` (409 ``not_your_turn`` / ``invalid_state``) like the sign URL does.
        """
        with self.state.lock:
            env = self.state.sign(envelope_id, email=email, values=values)
            view = self.state.envelope_json(env)
        await anyio.lowlevel.checkpoint()
        return view

    async def decline(
        self, envelope_id: str, reason: str | None = None, *, email: str | None = None
    ) -> dict[str, Any]:
        """Decline as the party whose turn it is (or as ``email``)."""
        with self.state.lock:
            env, party = self._party(envelope_id, email)
            if party is None:
                raise ApiError(409, "invalid_state", f"Envelope is {env.status}.")
            self.state.decline(envelope_id, party, reason)
            view = self.state.envelope_json(env)
        await anyio.lowlevel.checkpoint()
        return view

    def sign_url(self, envelope_id: str, email: str | None = None) -> str:
        """The tokenized sign URL of a party (default: whoever's turn it is), even if not due."""
        with self.state.lock:
            env, party = self._party(envelope_id, email)
            if party is None:
                raise ValueError("no such party, or nobody's turn")
            return self.state.sign_url(env, party)

    def _party(self, envelope_id: str, email: str | None) -> tuple[Envelope, Party | None]:
        """The party with ``email``, or (without it) whoever's turn it is."""
        env = self._env(envelope_id)
        if email is None:
            return env, env.current_party()
        return env, next((p for p in env.parties if p.email.lower() == email.lower()), None)

    # ---- webhooks

    def _on_event(self, env: Envelope, event_type: str, data: dict[str, Any]) -> None:
        event = new_event(event_type, env.envelope_id, data, self.now())
        self.webhooks.enqueue(event, env.webhook_url, env.creator_key)

    async def _worker(self) -> None:
        if self._worker_running:  # one worker per emulator (in-process and served share it)
            return
        self._worker_running = True
        try:
            await self.webhooks.run()
        finally:
            self._worker_running = False

    async def __aenter__(self) -> FakeAtlas:
        """Start the webhook delivery worker in a task group (asyncio or trio)."""
        tg = anyio.create_task_group()
        await tg.__aenter__()
        tg.start_soon(self._worker)
        self._tg = tg
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        tg, self._tg = self._tg, None
        assert tg is not None
        tg.cancel_scope.cancel()
        return await tg.__aexit__(exc_type, exc, tb)

    @asynccontextmanager
    async def _lifespan(self, app: object) -> AsyncIterator[None]:
        # Under uvicorn the server's loop runs the delivery worker (unless one already runs).
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._worker)
            yield
            tg.cancel_scope.cancel()

    # ---- transports and serving

    def transport(self) -> AsyncTransport:
        """A transport that serves this emulator in process (no sockets), to an
        ``httpx.AsyncClient`` or an ``httpx2.AsyncClient``.

        Its class is httpx's ``AsyncBaseTransport``; httpx2 takes it as well (it checks
        transports by their methods), but a type checker wants
        ``cast(httpx2.AsyncBaseTransport, fake.transport())``. Injected ``drop_before`` faults
        raise the client library's ``RemoteProtocolError`` and ``drop_after`` faults its
        ``ReadError``, as a dropped connection would.
        """
        return InProcessTransport(self.app)

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Served:
        """Run the emulator under uvicorn on ``host:port`` (0 picks a free port); yields the URL.

        ``async with fake.serve() as url:`` (asyncio or trio) or ``with fake.serve() as url:``
        (a sync fixture): uvicorn runs in a thread with its own event loop either way. A port that
        cannot be bound raises ``OSError``.
        """
        return Served(self, host, port)

    # ---- signed-PDF storage (pdf_redirect)

    def _storage_url(self) -> str:
        """The storage host: a different host name than the API, on the same server."""
        parts = urlsplit(self.base_url)
        host = parts.hostname or ""
        other = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}.get(host)
        if other is None:
            return "http://storage.atlas.test"
        return (
            f"{parts.scheme}://{other}:{parts.port}" if parts.port else f"{parts.scheme}://{other}"
        )

    def _storage_signature(self, envelope_id: str) -> str:
        return hmac.new(self._storage_secret, envelope_id.encode(), hashlib.sha256).hexdigest()

    # ---- discovery

    def openapi_document(self) -> bytes:
        """The vendored ``openapi.json`` (package data when installed, the repo root in a checkout)."""
        if self._openapi is None:
            self._openapi = _load_openapi()
        return self._openapi


def _load_openapi() -> bytes:
    packaged = resources.files("atlas_async").joinpath("openapi.json")
    if packaged.is_file():
        return packaged.read_bytes()
    checkout = Path(__file__).resolve().parents[2] / "openapi.json"
    if checkout.is_file():
        return checkout.read_bytes()
    raise FileNotFoundError("openapi.json is neither packaged nor in the checkout")
