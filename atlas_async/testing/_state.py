"""The emulator's state machine: orgs and keys, envelopes and parties, credits, templates.

Plain Python, no HTTP: the Starlette layer (``_app.py``) and :class:`FakeAtlas` both drive it, and
it has unit tests of its own. Time-based transitions (field detection finishing, the remind
cooldown) are lazy: :meth:`AtlasState.tick` applies whatever is due on the injected clock, and
every entry point calls it first. Callers hold :attr:`AtlasState.lock` around a call (the HTTP
layer may run in a uvicorn thread while a test signs in process).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
import secrets
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from ._apierror import ApiError, bad_request, invalid_state, not_found
from ._clock import Clock, rfc3339
from ._documents import Stamp, pdf_page_count, render_pdf

__all__ = [
    "FIELD_TYPES",
    "REMIND_COOLDOWN",
    "AtlasState",
    "DetectionOutcome",
    "DetectionPlan",
    "Envelope",
    "Org",
    "Party",
    "Template",
    "paginate",
    "parse_fields",
    "parse_parties",
]

DetectionOutcome = Literal["ready", "failed", "recovered_empty"]
ENVELOPE_STATUSES = ("draft", "pending", "signed", "declined", "voided")
TERMINAL = frozenset({"signed", "declined", "voided"})
FIELD_TYPES = frozenset({"signature", "initials", "date", "text", "checkbox"})
BILLING_MODES = ("platform_pays", "child_pays")
REMIND_COOLDOWN = 3600.0
# Deliberately plain: one @, no spaces, a dot in the domain (what a mail system would accept).
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_T = TypeVar("_T")

EventListener = Callable[["Envelope", str, dict[str, Any]], None]


def _key(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


@dataclass
class Org:
    """An organisation (or a platform's connected account): its own keys, rows and credits."""

    org_id: str
    name: str
    credits: int
    api_key: str
    test_key: str
    platform_key: str | None = None
    parent_id: str | None = None
    external_id: str | None = None
    billing_mode: str = "platform_pays"
    status: str = "active"
    created_at: float = 0.0

    @property
    def is_platform(self) -> bool:
        return self.platform_key is not None


@dataclass
class Party:
    email: str
    name: str
    role: str
    order: int
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    status: str = "waiting"  # waiting -> pending -> signed | declined
    signed_at: float | None = None
    viewed: bool = False
    last_reminded_at: float | None = None


@dataclass
class DetectionPlan:
    """How field detection ends for an envelope: the outcome, after how long, with which fields."""

    outcome: DetectionOutcome = "ready"
    delay: float = 0.0
    fields: list[dict[str, Any]] | None = None  # None: the emulator's default detection


@dataclass
class Envelope:
    envelope_id: str
    org_id: str
    seq: int
    created_at: float
    document: bytes
    document_sha256: str
    creator_key: str
    review_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    status: str = "draft"
    fields_status: str = "pending"
    fields_version: int = 1
    fields: list[dict[str, Any]] = field(default_factory=list)
    parties: list[Party] = field(default_factory=list)
    detected_parties: list[dict[str, Any]] = field(default_factory=list)
    webhook_url: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    auto_send: bool = False
    sent_at: float | None = None
    completed_at: float | None = None
    voided_at: float | None = None
    declined_at: float | None = None
    charged_org_id: str | None = None
    signed_pdf: bytes | None = None
    detection_plan: DetectionPlan | None = None
    detection_due: float | None = None
    detection_cacheable: bool = True

    def current_party(self) -> Party | None:
        return next((p for p in self.parties if p.status == "pending"), None)


@dataclass
class Template:
    template_id: str
    org_id: str
    seq: int
    name: str
    roles: list[str]
    prefill_keys: list[str]
    fields: list[dict[str, Any]]
    document: bytes
    created_at: float


@dataclass
class _Rule:
    plan: DetectionPlan
    remaining: int | None  # None: until replaced


class AtlasState:
    """All the emulator's data and every rule of ATLAS_API.md that does not concern HTTP."""

    def __init__(
        self,
        clock: Clock,
        *,
        base_url: Callable[[], str],
        initial_credits: int = 5,
        detection_delay: float = 0.05,
    ) -> None:
        self.clock = clock
        self.base_url = base_url
        self.initial_credits = initial_credits
        self.lock = threading.RLock()
        self.listeners: list[EventListener] = []
        self.orgs: dict[str, Org] = {}
        self.keys: dict[str, tuple[str, str]] = {}  # key -> (org_id, "live"|"test"|"platform")
        self.envelopes: dict[str, Envelope] = {}
        self.templates: dict[str, Template] = {}
        self.tokens: dict[str, tuple[str, int]] = {}  # signer token -> (envelope_id, party index)
        self._seq = 0
        self._default_rule = _Rule(DetectionPlan("ready", detection_delay), None)
        self._rules: list[_Rule] = []
        self._detection_cache: dict[str, tuple[str, list[dict[str, Any]]]] = {}
        self._pending_detection: set[str] = set()

    # ------------------------------------------------------------------ orgs and keys

    def create_org(
        self,
        *,
        credits: int | None = None,
        platform: bool = False,
        name: str = "Acme",
        parent: Org | None = None,
        external_id: str | None = None,
        billing_mode: str = "platform_pays",
    ) -> Org:
        org = Org(
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

    def authenticate(self, key: str) -> tuple[Org, str] | None:
        """The org and key kind (``live``, ``test``, ``platform``) of an API key, or ``None``."""
        found = self.keys.get(key)
        if found is None:
            return None
        return self.orgs[found[0]], found[1]

    def resolve_account(self, caller: Org, kind: str, header: str | None) -> Org:
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

    def billing_pool(self, org: Org) -> Org:
        if org.parent_id is not None and org.billing_mode == "platform_pays":
            return self.orgs[org.parent_id]
        return org

    def credits(self, org: Org) -> int:
        return self.billing_pool(org).credits

    # ------------------------------------------------------------------ connected accounts

    def create_connected_account(self, platform: Org, body: Mapping[str, Any]) -> tuple[Org, bool]:
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

    def connected_accounts(self, platform: Org) -> list[Org]:
        rows = [o for o in self.orgs.values() if o.parent_id == platform.org_id]
        return sorted(rows, key=lambda o: o.created_at, reverse=True)

    def update_connected_account(self, platform: Org, account_id: str, status: Any) -> Org:
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

    def connected_account_json(self, org: Org) -> dict[str, Any]:
        return {
            "connected_org_id": org.org_id,
            "external_id": org.external_id,
            "name": org.name,
            "billing_mode": org.billing_mode,
            "status": org.status,
            "credits": org.credits,
            "created_at": rfc3339(org.created_at),
        }

    # ------------------------------------------------------------------ detection

    def set_detection(
        self,
        *,
        outcome: DetectionOutcome = "ready",
        delay: float | None = None,
        fields: Sequence[Mapping[str, Any]] | None = None,
        envelope_id: str | None = None,
        count: int | None = None,
    ) -> None:
        """Decide how detection ends: for one envelope (restarting it), or as a rule for new ones.

        A rule with ``count`` applies to that many new envelopes and then lapses; without it, it
        replaces the default. Setting a rule clears the by-document-hash cache.
        """
        if outcome not in ("ready", "failed", "recovered_empty"):
            raise ValueError(f"unknown detection outcome {outcome!r}")
        clean = [_clean_field(f, i) for i, f in enumerate(fields)] if fields is not None else None
        if envelope_id is not None:
            env = self.envelopes.get(envelope_id)
            if env is None:
                raise KeyError(envelope_id)
            if env.status != "draft":
                raise ValueError("detection can only be re-run on a draft")
            plan = DetectionPlan(outcome, 0.0 if delay is None else delay, clean)
            env.detection_plan = plan
            env.detection_cacheable = False
            env.detection_due = self.clock() + plan.delay
            if env.fields_status != "pending":
                env.fields_status = "pending"
            self._pending_detection.add(env.envelope_id)
            self.tick()
            return
        current = self._default_rule.plan
        plan = DetectionPlan(outcome, current.delay if delay is None else delay, clean)
        self._detection_cache.clear()
        if count is None:
            self._default_rule = _Rule(plan, None)
        else:
            self._rules.append(_Rule(plan, count))

    def _next_plan(self) -> tuple[DetectionPlan, bool]:
        for rule in self._rules:
            if rule.remaining and rule.remaining > 0:
                rule.remaining -= 1
                if rule.remaining == 0:
                    self._rules.remove(rule)
                return rule.plan, False
        return self._default_rule.plan, True

    def _default_fields(self, env: Envelope) -> list[dict[str, Any]]:
        page = pdf_page_count(env.document)
        out: list[dict[str, Any]] = []
        for order in (1, 2):
            y = 0.70 + 0.12 * (order - 1)
            out.append(
                _clean_field(
                    {
                        "type": "signature",
                        "page": page,
                        "x_pct": 0.1,
                        "y_pct": y,
                        "w_pct": 0.3,
                        "h_pct": 0.05,
                        "party_order": order,
                        "label": f"Signature {order}",
                    },
                    len(out),
                )
            )
            out.append(
                _clean_field(
                    {
                        "type": "date",
                        "page": page,
                        "x_pct": 0.6,
                        "y_pct": y,
                        "w_pct": 0.2,
                        "h_pct": 0.04,
                        "party_order": order,
                        "label": f"Date {order}",
                    },
                    len(out),
                )
            )
        return out

    def next_detection_due(self) -> float | None:
        dues = [
            self.envelopes[e].detection_due
            for e in self._pending_detection
            if self.envelopes[e].detection_due is not None
        ]
        return min((d for d in dues if d is not None), default=None)

    def tick(self) -> None:
        """Apply every time-based transition that is due: detection results, then auto-sends."""
        now = self.clock()
        due = sorted(
            (self.envelopes[e] for e in self._pending_detection),
            key=lambda env: env.seq,
        )
        for env in due:
            if env.detection_due is not None and env.detection_due <= now:
                self._settle_detection(env)

    def _settle_detection(self, env: Envelope) -> None:
        self._pending_detection.discard(env.envelope_id)
        plan = env.detection_plan or DetectionPlan()
        env.detection_due = None
        cached = self._detection_cache.get(env.document_sha256) if env.detection_cacheable else None
        if cached is not None:
            outcome, fields = cached[0], [dict(f) for f in cached[1]]
        else:
            outcome = plan.outcome
            if outcome == "ready":
                fields = (
                    [dict(f) for f in plan.fields]
                    if plan.fields is not None
                    else self._default_fields(env)
                )
            else:
                fields = []
            if env.detection_cacheable and outcome != "failed":
                self._detection_cache[env.document_sha256] = (outcome, [dict(f) for f in fields])
        if outcome == "ready" and not fields:
            outcome = "recovered_empty"
        env.fields_status = outcome
        if outcome == "failed":
            env.metadata["detection_error"] = "Field detection pipeline error (emulated)."
            env.fields = []
        elif fields or env.fields:
            env.fields = fields
            env.fields_version += 1
        if fields:
            orders = sorted({int(f["party_order"]) for f in fields})
            env.detected_parties = [{"name": f"Party {o}", "role": f"Signer {o}"} for o in orders]
        if env.auto_send and env.status == "draft":
            if outcome != "ready":
                env.metadata["send_error"] = f"auto_send skipped: field detection {outcome}."
                return
            try:
                self._dispatch(env)
            except ApiError as exc:
                env.metadata["send_error"] = exc.message

    # ------------------------------------------------------------------ envelopes

    def create_envelope(
        self,
        org: Org,
        *,
        creator_key: str,
        document: bytes,
        parties: list[Party] | None = None,
        metadata: dict[str, Any] | None = None,
        webhook_url: str | None = None,
        auto_send: bool = False,
    ) -> Envelope:
        """A draft with detection started. ``document`` must already be a PDF."""
        self.tick()
        if auto_send:
            if not parties:
                raise bad_request("auto_send needs parties.")
            self._check_can_dispatch(org)
        env = self._new_envelope(
            org, creator_key, document, parties or [], metadata, webhook_url, auto_send=auto_send
        )
        plan, cacheable = self._next_plan()
        env.detection_plan = plan
        env.detection_cacheable = cacheable
        hit = cacheable and env.document_sha256 in self._detection_cache
        env.detection_due = env.created_at + (0.0 if hit else plan.delay)
        self._pending_detection.add(env.envelope_id)
        self._store(env)
        self.tick()
        return env

    def _new_envelope(
        self,
        org: Org,
        creator_key: str,
        document: bytes,
        parties: list[Party],
        metadata: dict[str, Any] | None,
        webhook_url: str | None,
        *,
        auto_send: bool = False,
    ) -> Envelope:
        self._seq += 1
        return Envelope(
            envelope_id=str(uuid.uuid4()),
            org_id=org.org_id,
            seq=self._seq,
            created_at=self.clock(),
            document=document,
            document_sha256=hashlib.sha256(document).hexdigest(),
            creator_key=creator_key,
            parties=parties,
            metadata=dict(metadata or {}),
            webhook_url=webhook_url,
            auto_send=auto_send,
        )

    def _store(self, env: Envelope) -> None:
        self.envelopes[env.envelope_id] = env
        self._index_tokens(env)
        self._emit(env, "envelope.created")

    def _index_tokens(self, env: Envelope) -> None:
        for i, party in enumerate(env.parties):
            self.tokens[party.token] = (env.envelope_id, i)

    def get_envelope(self, org: Org, envelope_id: str) -> Envelope:
        """The envelope if ``org`` owns it; 404 otherwise (also for another tenant's)."""
        self.tick()
        env = self.envelopes.get(envelope_id)
        if env is None or env.org_id != org.org_id:
            raise not_found("Envelope")
        return env

    def _check_can_dispatch(self, org: Org) -> None:
        if org.status == "suspended":
            raise ApiError(403, "account_suspended", "This account is suspended and cannot send.")
        if self.billing_pool(org).credits <= 0:
            raise ApiError(402, "insufficient_credits", "No credits left: top up to send.")

    def _dispatch(self, env: Envelope) -> None:
        org = self.orgs[env.org_id]
        if not env.parties:
            raise bad_request("The envelope has no parties.")
        self._check_can_dispatch(org)
        pool = self.billing_pool(org)
        pool.credits -= 1
        env.charged_org_id = pool.org_id
        env.status = "pending"
        env.sent_at = self.clock()
        env.metadata.pop("send_error", None)
        env.parties.sort(key=lambda p: p.order)
        self._index_tokens(env)
        for party in env.parties:
            party.status = "waiting"
        env.parties[0].status = "pending"
        self._emit(env, "envelope.sent")

    def send(
        self,
        org: Org,
        envelope_id: str,
        *,
        parties: list[Party] | None = None,
        fields_version: int | None = None,
        fields: list[dict[str, Any]] | None = None,
    ) -> Envelope:
        env = self.get_envelope(org, envelope_id)
        if env.status != "draft":
            raise invalid_state(f"Envelope is {env.status}, not a draft.")
        if org.status == "suspended":
            self._check_can_dispatch(org)
        if env.fields_status == "pending":
            raise ApiError(409, "fields_pending", "Field detection is still running.")
        self._check_version(env, fields_version)
        if parties is None and not env.parties:
            raise bad_request("No parties: give them at create or send.", code="parties_required")
        self._check_can_dispatch(org)
        if parties is not None:
            env.parties = parties
        if fields is not None:
            env.fields = fields
            env.fields_version += 1
        self._dispatch(env)
        return env

    def _check_version(self, env: Envelope, fields_version: int | None) -> None:
        if fields_version is not None and fields_version != env.fields_version:
            raise ApiError(
                409,
                "fields_version_conflict",
                f"fields_version {fields_version} is stale; the current one is "
                f"{env.fields_version}.",
                extra={"current_fields_version": env.fields_version},
            )

    def update_fields(
        self, org: Org, envelope_id: str, fields: list[dict[str, Any]], fields_version: int
    ) -> Envelope:
        env = self.get_envelope(org, envelope_id)
        if env.status != "draft":
            raise invalid_state("Fields can only change on a draft.")
        if env.fields_status == "pending":
            raise ApiError(409, "fields_pending", "Field detection is still running.")
        self._check_version(env, fields_version)
        env.fields = fields
        env.fields_version += 1
        return env

    def void(self, org: Org, envelope_id: str, reason: str | None = None) -> tuple[Envelope, bool]:
        env = self.get_envelope(org, envelope_id)
        if env.status in TERMINAL:
            raise invalid_state(f"Envelope is already {env.status}.")
        refunded = False
        if (
            env.status == "pending"
            and env.charged_org_id is not None
            and not any(p.status == "signed" for p in env.parties)
        ):
            self.orgs[env.charged_org_id].credits += 1
            refunded = True
        env.status = "voided"
        env.voided_at = self.clock()
        if reason:
            env.metadata["void_reason"] = reason
        self._pending_detection.discard(env.envelope_id)
        self._emit(env, "envelope.voided")
        return env, refunded

    def party_for_token(self, envelope_id: str, token: str) -> tuple[Envelope, Party]:
        """The envelope and party a signer token belongs to; 401 if it does not match."""
        self.tick()
        found = self.tokens.get(token)
        if found is None or found[0] != envelope_id:
            raise ApiError(401, "unauthorized", "Invalid or missing signer token.")
        env = self.envelopes[envelope_id]
        return env, env.parties[found[1]]

    def _turn_party(self, env: Envelope, party: Party | None, email: str | None) -> Party:
        if env.status != "pending":
            raise invalid_state(f"Envelope is {env.status}: nobody can sign it.")
        current = env.current_party()
        assert current is not None  # a pending envelope always has a pending party
        if party is None and email is not None:
            party = next((p for p in env.parties if p.email.lower() == email.lower()), None)
            if party is None:
                raise not_found("Party")
        party = party or current
        if party is not current:
            if party.status == "signed":
                raise invalid_state("This party has already signed.")
            raise ApiError(409, "not_your_turn", f"It is {current.email}'s turn to sign.")
        return party

    def view(self, env: Envelope, party: Party) -> None:
        """A signer opened the sign page: ``envelope.viewed`` fires once per party."""
        if not party.viewed and env.status == "pending":
            party.viewed = True
            self._emit(env, "envelope.viewed")

    def sign(
        self,
        envelope_id: str,
        *,
        party: Party | None = None,
        email: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> Envelope:
        """Sign as ``party`` (or the party with ``email``, or whoever's turn it is)."""
        self.tick()
        env = self.envelopes.get(envelope_id)
        if env is None:
            raise not_found("Envelope")
        signer = self._turn_party(env, party, email)
        now = self.clock()
        values = values or {}
        for f in env.fields:
            if f.get("party_order") != signer.order:
                continue
            if f["field_id"] in values:
                given = values[f["field_id"]]
                f["value"] = given if isinstance(given, str) or given is None else str(given)
            elif f["type"] == "signature":
                f["value"] = signer.name
            elif f["type"] == "initials":
                f["value"] = "".join(w[0] for w in signer.name.split() if w).upper()
            elif f["type"] == "date":
                f["value"] = (rfc3339(now) or "")[:10]
            elif f["type"] == "checkbox" and f.get("value") is None:
                f["value"] = "true"
        signer.status = "signed"
        signer.signed_at = now
        nxt = next((p for p in env.parties if p.status == "waiting"), None)
        if nxt is not None:
            nxt.status = "pending"
            return env
        env.status = "signed"
        env.completed_at = now
        env.signed_pdf = self._signed_pdf(env)
        self._emit(env, "envelope.signed")
        self._emit(
            env,
            "contract.extracted",
            {"envelope_id": env.envelope_id, "extract": self.extract(env)},
        )
        return env

    def decline(self, envelope_id: str, party: Party, reason: str | None) -> Envelope:
        env = self.envelopes[envelope_id]
        if env.status != "pending":
            raise invalid_state(f"Envelope is {env.status}: it cannot be declined.")
        if party.status == "signed":
            raise invalid_state("This party has already signed.")
        party.status = "declined"
        env.status = "declined"
        env.declined_at = self.clock()
        if reason:
            env.metadata["decline_reason"] = reason
        self._emit(env, "envelope.declined")
        return env

    def remind(self, org: Org, envelope_id: str) -> str:
        env = self.get_envelope(org, envelope_id)
        if env.status != "pending":
            raise invalid_state(f"Envelope is {env.status}, not pending.")
        party = env.current_party()
        assert party is not None
        now = self.clock()
        if party.last_reminded_at is not None:
            wait = party.last_reminded_at + REMIND_COOLDOWN - now
            if wait > 0:
                raise ApiError(
                    429,
                    "remind_cooldown",
                    f"{party.email} was reminded less than an hour ago.",
                    headers={"Retry-After": str(math.ceil(wait))},
                )
        party.last_reminded_at = now
        return party.email

    def list_envelopes(
        self,
        org: Org,
        *,
        status: str | None = None,
        external_id: str | None = None,
        limit: int = 20,
        cursor: str | None = None,
    ) -> tuple[list[Envelope], str | None]:
        self.tick()
        if status is not None and status not in ENVELOPE_STATUSES:
            raise bad_request(f"Unknown status {status!r}.")
        rows = [
            e
            for e in self.envelopes.values()
            if e.org_id == org.org_id
            and (status is None or e.status == status)
            and (external_id is None or e.metadata.get("external_id") == external_id)
        ]
        rows.sort(key=lambda e: e.seq, reverse=True)
        return paginate(rows, limit, cursor, lambda e: e.seq)

    # ------------------------------------------------------------------ templates

    def upload_template(
        self, org: Org, name: str, document: bytes, fields: list[dict[str, Any]]
    ) -> Template:
        roles: list[str] = []
        prefill: list[str] = []
        for f in fields:
            role = f.get("role")
            if isinstance(role, str) and role and role not in roles:
                roles.append(role)
            key = f.get("prefill_key")
            if isinstance(key, str) and key and key not in prefill:
                prefill.append(key)
        if not roles:
            roles = ["Signer"]
            for f in fields:
                f["role"] = "Signer"
        self._seq += 1
        tmpl = Template(
            template_id="tmpl_" + secrets.token_hex(8),
            org_id=org.org_id,
            seq=self._seq,
            name=name,
            roles=roles,
            prefill_keys=prefill,
            fields=fields,
            document=document,
            created_at=self.clock(),
        )
        self.templates[tmpl.template_id] = tmpl
        return tmpl

    def get_template(self, org: Org, template_id: str) -> Template:
        tmpl = self.templates.get(template_id)
        if tmpl is None or tmpl.org_id != org.org_id:
            raise not_found("Template")
        return tmpl

    def list_templates(
        self, org: Org, *, limit: int = 20, cursor: str | None = None
    ) -> tuple[list[Template], str | None]:
        rows = sorted(
            (t for t in self.templates.values() if t.org_id == org.org_id),
            key=lambda t: t.seq,
            reverse=True,
        )
        return paginate(rows, limit, cursor, lambda t: t.seq)

    def send_template(
        self,
        org: Org,
        template_id: str,
        *,
        creator_key: str,
        parties: list[Party],
        prefill: Mapping[str, Any],
        auto_send: bool = True,
        webhook_url: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Envelope:
        tmpl = self.get_template(org, template_id)
        if sorted(p.role for p in parties) != sorted(tmpl.roles):
            raise bad_request(
                f"Party roles must match the template's roles {tmpl.roles}.", code="role_mismatch"
            )
        unknown = sorted(set(prefill) - set(tmpl.prefill_keys))
        if unknown:
            raise bad_request(f"Unknown prefill keys: {unknown}.", code="unknown_prefill_key")
        if auto_send:
            self._check_can_dispatch(org)
        for party in parties:
            party.order = tmpl.roles.index(party.role) + 1
        fields = []
        for f in tmpl.fields:
            g = dict(f)
            g["party_order"] = tmpl.roles.index(f["role"]) + 1 if f.get("role") in tmpl.roles else 1
            key = g.pop("prefill_key", None)
            g.pop("role", None)
            if key in prefill:
                g["value"] = prefill[key]
            fields.append(g)
        env = self._new_envelope(
            org,
            creator_key,
            tmpl.document,
            sorted(parties, key=lambda p: p.order),
            metadata,
            webhook_url,
        )
        env.fields_status = "ready" if fields else "recovered_empty"
        env.fields = fields
        self._store(env)
        if auto_send:
            self._dispatch(env)
        return env

    def template_json(self, tmpl: Template) -> dict[str, Any]:
        return {
            "template_id": tmpl.template_id,
            "name": tmpl.name,
            "roles": list(tmpl.roles),
            "prefill_keys": list(tmpl.prefill_keys),
            "fields": [dict(f) for f in tmpl.fields],
        }

    def infer_fields(self, document: bytes) -> list[dict[str, Any]]:
        probe = Envelope("", "", 0, 0.0, document, "", "")
        out = []
        for f in self._default_fields(probe):
            out.append(
                {k: f[k] for k in ("type", "page", "x_pct", "y_pct", "w_pct", "h_pct")}
                | {"confidence": 0.9 if f["type"] == "signature" else 0.75}
            )
        return out

    # ------------------------------------------------------------------ views

    def envelope_json(self, env: Envelope) -> dict[str, Any]:
        base = self.base_url()
        current = env.current_party()
        return {
            "envelope_id": env.envelope_id,
            "status": env.status,
            "fields_status": env.fields_status,
            "fields_version": env.fields_version,
            "fields": [dict(f) for f in env.fields],
            "parties": [
                {
                    "email": p.email,
                    "name": p.name,
                    "role": p.role,
                    "order": p.order,
                    "status": p.status,
                    "signed_at": rfc3339(p.signed_at),
                    "sign_url": self.sign_url(env, p) if p is current else None,
                }
                for p in env.parties
            ],
            "detected_parties": [dict(d) for d in env.detected_parties],
            "review_url": f"{base}/review/{env.envelope_id}?rt={env.review_token}",
            "webhook_url": env.webhook_url,
            "metadata": dict(env.metadata),
            "created_at": rfc3339(env.created_at),
            "sent_at": rfc3339(env.sent_at),
            "completed_at": rfc3339(env.completed_at),
            "voided_at": rfc3339(env.voided_at),
            "declined_at": rfc3339(env.declined_at),
            "signed_pdf_url": (
                f"{base}/api/envelope/{env.envelope_id}/pdf" if env.status == "signed" else None
            ),
        }

    def summary_json(self, env: Envelope) -> dict[str, Any]:
        return {
            "envelope_id": env.envelope_id,
            "status": env.status,
            "fields_status": env.fields_status,
            "metadata": dict(env.metadata),
            "created_at": rfc3339(env.created_at),
            "sent_at": rfc3339(env.sent_at),
            "completed_at": rfc3339(env.completed_at),
        }

    def status_json(self, env: Envelope) -> dict[str, Any]:
        current = env.current_party() if env.status == "pending" else None
        return {
            "status": env.status,
            "signed_count": sum(1 for p in env.parties if p.status == "signed"),
            "total": len(env.parties),
            "next_signer_email": current.email if current else None,
            "sign_url": self.sign_url(env, current) if current else None,
        }

    def sign_url(self, env: Envelope, party: Party) -> str:
        return f"{self.base_url()}/sign/{env.envelope_id}?t={party.token}"

    def extract(self, env: Envelope) -> dict[str, Any]:
        return {
            "document_sha256": env.document_sha256,
            "parties": [{"name": p.name, "email": p.email, "role": p.role} for p in env.parties],
            "values": {str(f.get("label") or f["field_id"]): f.get("value") for f in env.fields},
            "completed_at": rfc3339(env.completed_at),
        }

    def _signed_pdf(self, env: Envelope) -> bytes:
        pages = max([pdf_page_count(env.document)] + [int(f["page"]) for f in env.fields])
        doc_pages: list[list[str]] = [[] for _ in range(pages)]
        doc_pages[0] = [f"Envelope {env.envelope_id}", f"Document sha256 {env.document_sha256}"]
        stamps = [
            Stamp(int(f["page"]), float(f["x_pct"]), float(f["y_pct"]), str(f["value"]))
            for f in env.fields
            if f.get("value") not in (None, False, "")
        ]
        audit = [
            "Certificate of completion",
            "",
            f"Envelope: {env.envelope_id}",
            f"Completed: {rfc3339(env.completed_at)}",
            "",
        ]
        audit += [
            f"{p.order}. {p.name} <{p.email}> ({p.role}) signed at {rfc3339(p.signed_at)}"
            for p in env.parties
        ]
        return render_pdf(
            [*doc_pages, audit],
            title=f"Signed {env.envelope_id}",
            stamps=stamps,
            attachments=[("original.pdf", env.document)],  # what was signed, byte for byte
        )

    # ------------------------------------------------------------------ events

    def _emit(self, env: Envelope, event_type: str, data: dict[str, Any] | None = None) -> None:
        payload = data if data is not None else self.envelope_json(env)
        for listener in list(self.listeners):
            listener(env, event_type, payload)


# ---------------------------------------------------------------------- input parsing


def parse_parties(value: Any) -> list[Party] | None:
    """Parties from a request body (already JSON-decoded); ``None`` when absent; 400 if malformed.

    Each party needs ``email``, ``name`` and ``role``; ``order`` defaults to the list position.
    """
    if value is None:
        return None
    if not isinstance(value, list):
        raise bad_request("parties must be a list.", code="invalid_parties")
    parties: list[Party] = []
    for i, raw in enumerate(value):
        if not isinstance(raw, dict):
            raise bad_request(f"parties[{i}] must be an object.", code="invalid_parties")
        email = raw.get("email")
        if not isinstance(email, str) or not _EMAIL.match(email):
            raise bad_request(f"parties[{i}].email must be an email address.", "invalid_parties")
        name, role, order = raw.get("name"), raw.get("role"), raw.get("order", i + 1)
        if not isinstance(name, str) or not name or not isinstance(role, str) or not role:
            raise bad_request(f"parties[{i}] needs a non-empty name and role.", "invalid_parties")
        if isinstance(order, bool) or not isinstance(order, int) or order < 1:
            raise bad_request(f"parties[{i}].order must be an integer >= 1.", "invalid_parties")
        parties.append(Party(email=email, name=name, role=role, order=order))
    if len({p.order for p in parties}) != len(parties):
        raise bad_request("Party orders must be unique.", code="invalid_parties")
    return sorted(parties, key=lambda p: p.order)


def parse_fields(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise bad_request("fields must be a list.", code="invalid_fields")
    return [_clean_field(f, i) for i, f in enumerate(value)]


def _num(raw: Mapping[str, Any], key: str, i: int) -> float:
    v = raw.get(key)
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
        raise bad_request(f"fields[{i}].{key} must be a number in [0, 1].", "invalid_fields")
    return float(v)


def _clean_field(raw: Any, i: int) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise bad_request(f"fields[{i}] must be an object.", code="invalid_fields")
    ftype = raw.get("type")
    if ftype not in FIELD_TYPES:
        raise bad_request(
            f"fields[{i}].type must be one of {sorted(FIELD_TYPES)}.", "invalid_fields"
        )
    page = raw.get("page", 1)
    order = raw.get("party_order", 1)
    for name, v in (("page", page), ("party_order", order)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise bad_request(f"fields[{i}].{name} must be an integer >= 1.", "invalid_fields")
    label = raw.get("label")  # nullable, like Field.label: a field read back is sent as is
    if label is not None and not isinstance(label, str):
        raise bad_request(f"fields[{i}].label must be a string or null.", "invalid_fields")
    required = raw.get("required", True)
    if not isinstance(required, bool):
        raise bad_request(f"fields[{i}].required must be a boolean.", "invalid_fields")
    value = raw.get("value")
    if isinstance(value, bool):  # Field.value is a string: checkboxes are "true" / "false"
        value = "true" if value else "false"
    if value is not None and not isinstance(value, str):
        raise bad_request(f"fields[{i}].value must be a string or null.", "invalid_fields")
    field_id = raw.get("field_id")
    if "field_id" in raw and not isinstance(field_id, str):
        raise bad_request(f"fields[{i}].field_id must be a string.", "invalid_fields")
    if not field_id:
        field_id = "fld_" + secrets.token_hex(6)
    out: dict[str, Any] = {
        "field_id": field_id,
        "type": ftype,
        "page": page,
        "x_pct": _num(raw, "x_pct", i),
        "y_pct": _num(raw, "y_pct", i),
        "w_pct": _num(raw, "w_pct", i),
        "h_pct": _num(raw, "h_pct", i),
        "party_order": order,
        "label": label,
        "required": required,
        "value": value,
    }
    for extra in ("role", "prefill_key"):
        if isinstance(raw.get(extra), str):
            out[extra] = raw[extra]
    return out


def paginate(
    rows: list[_T], limit: int, cursor: str | None, seq: Callable[[_T], int]
) -> tuple[list[_T], str | None]:
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
