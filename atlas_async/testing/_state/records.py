"""The emulator's records: orgs, parties, envelopes, templates, and how detection ends.

Plain dataclasses that the state layers mutate under :attr:`AtlasState.lock`; the HTTP layer reads
them only through the JSON views (:mod:`.views`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "BILLING_MODES",
    "ENVELOPE_STATUSES",
    "TERMINAL",
    "DetectionOutcome",
    "DetectionPlan",
    "Envelope",
    "EventListener",
    "OrgRecord",
    "Party",
    "Template",
]

DetectionOutcome = Literal["ready", "failed", "recovered_empty"]
ENVELOPE_STATUSES = ("draft", "pending", "signed", "declined", "voided")
TERMINAL = frozenset({"signed", "declined", "voided"})
BILLING_MODES = ("platform_pays", "child_pays")


@dataclass
class OrgRecord:
    """An organisation (or a platform's connected account): its own keys, rows and credits.

    The emulator's internal record; tests see the public identity, ``atlas_async.testing.Org``.
    """

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
    detection_plan: DetectionPlan = field(default_factory=DetectionPlan)
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


EventListener = Callable[[Envelope, str, dict[str, Any]], None]
