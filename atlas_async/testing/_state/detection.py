"""Field detection's rules: how it ends, after how long, and the cache by document hash.

A test decides the outcome (``ready``, ``failed``, ``recovered_empty``) for the next envelopes or as
the new default; results of the default plan are cached by document hash, as Atlas caches them, so
sending the same PDF twice detects instantly. When detection ends is the envelope layer's business
(it keeps the pending set and the clock); this module only says what it ends with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._documents import pdf_page_count
from .parsing import clean_field
from .records import DetectionOutcome, DetectionPlan, Envelope

__all__ = ["DETECTION_OUTCOMES", "Detection", "default_fields", "infer_fields"]

DETECTION_OUTCOMES: tuple[DetectionOutcome, ...] = ("ready", "failed", "recovered_empty")


@dataclass
class _Rule:
    plan: DetectionPlan
    remaining: int  # applies to this many more new envelopes


class Detection:
    """The default plan, counted one-off plans ahead of it, and the by-hash results cache."""

    def __init__(self, delay: float) -> None:
        self._default = DetectionPlan("ready", delay)
        self._rules: list[_Rule] = []
        self._cache: dict[str, tuple[DetectionOutcome, list[dict[str, Any]]]] = {}

    def set_rule(
        self,
        outcome: DetectionOutcome,
        delay: float | None,
        fields: list[dict[str, Any]] | None,
        count: int | None,
    ) -> None:
        """A plan for the next ``count`` new envelopes, or (``None``) the new default.

        ``delay=None`` keeps the default's delay. Any new rule clears the cache.
        """
        plan = DetectionPlan(outcome, self._default.delay if delay is None else delay, fields)
        self._cache.clear()
        if count is None:
            self._default = plan
        elif count > 0:
            self._rules.append(_Rule(plan, count))

    def next_plan(self) -> tuple[DetectionPlan, bool]:
        """The plan of a new envelope, and whether its result may be cached (the default's only)."""
        if not self._rules:
            return self._default, True
        rule = self._rules[0]
        rule.remaining -= 1
        if rule.remaining == 0:
            self._rules.pop(0)
        return rule.plan, False

    def is_cached(self, document_sha256: str) -> bool:
        return document_sha256 in self._cache

    def settle(self, env: Envelope) -> DetectionOutcome:
        """End ``env``'s detection: set its fields, ``fields_status`` and detected parties."""
        plan = env.detection_plan
        cached = self._cache.get(env.document_sha256) if env.detection_cacheable else None
        fields: list[dict[str, Any]]
        if cached is not None:
            outcome, fields = cached[0], [dict(f) for f in cached[1]]
        else:
            outcome = plan.outcome
            if outcome == "ready":
                fields = (
                    [dict(f) for f in plan.fields]
                    if plan.fields is not None
                    else default_fields(env.document)
                )
            else:
                fields = []
            if env.detection_cacheable and outcome != "failed":
                self._cache[env.document_sha256] = (outcome, [dict(f) for f in fields])
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
        return outcome


def default_fields(document: bytes) -> list[dict[str, Any]]:
    """What the emulator "detects": a signature and a date for two parties, on the last page."""
    page = pdf_page_count(document)
    out: list[dict[str, Any]] = []
    for order in (1, 2):
        y = 0.70 + 0.12 * (order - 1)
        out.append(
            clean_field(
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
            clean_field(
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


def infer_fields(document: bytes) -> list[dict[str, Any]]:
    """``POST /api/templates/infer-fields``: the default fields' boxes, with a confidence."""
    return [
        {k: f[k] for k in ("type", "page", "x_pct", "y_pct", "w_pct", "h_pct")}
        | {"confidence": 0.9 if f["type"] == "signature" else 0.75}
        for f in default_fields(document)
    ]
