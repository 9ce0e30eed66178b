"""The envelope layer of the state: an envelope's life from draft to signed, declined or voided.

Creating starts field detection; sending spends a credit and opens the signing order; each party
signs (or declines) in turn at its tokenized sign URL; voiding refunds the credit while nobody has
signed. Every change emits its event to :attr:`EnvelopeLayer.listeners` (the webhook sender).

Time-based transitions (detection finishing, then an ``auto_send``) are lazy: :meth:`tick` applies
whatever is due on the clock, and every entry point calls it first.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Required, TypedDict

from .._apierror import ApiError, bad_request, invalid_state, not_found
from .._clock import Clock, rfc3339
from . import views
from .detection import DETECTION_OUTCOMES, Detection
from .orgs import OrgLayer
from .pagination import paginate
from .parsing import clean_field
from .records import (
    ENVELOPE_STATUSES,
    TERMINAL,
    DetectionOutcome,
    DetectionPlan,
    Envelope,
    EventListener,
    OrgRecord,
    Party,
)
from .rendering import signed_pdf

__all__ = ["REMIND_COOLDOWN", "EnvelopeLayer", "EnvelopeOptions"]

REMIND_COOLDOWN = 3600.0


class EnvelopeOptions(TypedDict, total=False):
    """The keyword arguments of :class:`EnvelopeLayer` (and of the layers above it)."""

    base_url: Required[Callable[[], str]]
    initial_credits: int
    detection_delay: float


class EnvelopeLayer(OrgLayer):
    """Envelopes, their parties and signing, on top of the orgs that own and pay for them."""

    def __init__(
        self,
        clock: Clock,
        *,
        base_url: Callable[[], str],
        initial_credits: int = 5,
        detection_delay: float = 0.05,
    ) -> None:
        super().__init__(clock, initial_credits=initial_credits)
        self.base_url = base_url
        self.listeners: list[EventListener] = []
        self.envelopes: dict[str, Envelope] = {}
        self.tokens: dict[str, tuple[str, int]] = {}  # signer token -> (envelope_id, party index)
        self.detection = Detection(detection_delay)
        self._pending_detection: set[str] = set()
        self._seq = 0  # one sequence for envelopes and templates: the order lists sort by

    # ---- detection

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
        if outcome not in DETECTION_OUTCOMES:
            raise ValueError(f"unknown detection outcome {outcome!r}")
        clean = [clean_field(f, i) for i, f in enumerate(fields)] if fields is not None else None
        if envelope_id is None:
            self.detection.set_rule(outcome, delay, clean, count)
            return
        env = self.envelopes.get(envelope_id)
        if env is None:
            raise KeyError(envelope_id)
        if env.status != "draft":
            raise ValueError("detection can only be re-run on a draft")
        env.detection_plan = DetectionPlan(outcome, 0.0 if delay is None else delay, clean)
        env.detection_cacheable = False
        env.detection_due = self.clock() + env.detection_plan.delay
        env.fields_status = "pending"
        self._pending_detection.add(env.envelope_id)
        self.tick()

    def tick(self) -> None:
        """Apply every time-based transition that is due: detection results, then auto-sends."""
        now = self.clock()
        due = sorted((self.envelopes[e] for e in self._pending_detection), key=lambda e: e.seq)
        for env in due:
            if env.detection_due is not None and env.detection_due <= now:
                self._settle_detection(env)

    def _settle_detection(self, env: Envelope) -> None:
        self._pending_detection.discard(env.envelope_id)
        env.detection_due = None
        outcome = self.detection.settle(env)
        if env.auto_send and env.status == "draft":
            if outcome != "ready":
                env.metadata["send_error"] = f"auto_send skipped: field detection {outcome}."
                return
            try:
                self._dispatch(env)
            except ApiError as exc:
                env.metadata["send_error"] = exc.message

    # ---- creating

    def create_envelope(
        self,
        org: OrgRecord,
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
        plan, cacheable = self.detection.next_plan()
        env.detection_plan = plan
        env.detection_cacheable = cacheable
        hit = cacheable and self.detection.is_cached(env.document_sha256)
        env.detection_due = env.created_at + (0.0 if hit else plan.delay)
        self._pending_detection.add(env.envelope_id)
        self._store(env)
        self.tick()
        return env

    def _new_envelope(
        self,
        org: OrgRecord,
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

    def get_envelope(self, org: OrgRecord, envelope_id: str) -> Envelope:
        """The envelope if ``org`` owns it; 404 otherwise (also for another tenant's)."""
        self.tick()
        env = self.envelopes.get(envelope_id)
        if env is None or env.org_id != org.org_id:
            raise not_found("Envelope")
        return env

    def list_envelopes(
        self,
        org: OrgRecord,
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

    # ---- sending, editing, voiding

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
        org: OrgRecord,
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
        self, org: OrgRecord, envelope_id: str, fields: list[dict[str, Any]], fields_version: int
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

    def void(
        self, org: OrgRecord, envelope_id: str, reason: str | None = None
    ) -> tuple[Envelope, bool]:
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

    # ---- signing

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
        env.signed_pdf = signed_pdf(env)
        self._emit(env, "envelope.signed")
        self._emit(
            env,
            "contract.extracted",
            {"envelope_id": env.envelope_id, "extract": views.extract(env)},
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

    def remind(self, org: OrgRecord, envelope_id: str) -> str:
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

    # ---- views and events

    def envelope_json(self, env: Envelope) -> dict[str, Any]:
        return views.envelope_json(env, self.base_url())

    def summary_json(self, env: Envelope) -> dict[str, Any]:
        return views.summary_json(env)

    def status_json(self, env: Envelope) -> dict[str, Any]:
        return views.status_json(env, self.base_url())

    def sign_url(self, env: Envelope, party: Party) -> str:
        return views.sign_url(self.base_url(), env, party)

    def _emit(self, env: Envelope, event_type: str, data: dict[str, Any] | None = None) -> None:
        payload = data if data is not None else self.envelope_json(env)
        for listener in list(self.listeners):
            listener(env, event_type, payload)
