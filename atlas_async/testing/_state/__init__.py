"""The emulator's state machine: orgs and keys, envelopes and parties, credits, templates.

Plain Python, no HTTP: the Starlette routes and :class:`FakeAtlas` both drive it, and it has unit
tests of its own. It is built in layers, each in its own module: orgs, keys and credits
(:mod:`.orgs`), envelopes and signing (:mod:`.envelopes`, with field detection's rules in
:mod:`.detection`), templates (:mod:`.templates`). The records are in :mod:`.records`, their JSON
in :mod:`.views`, the signed PDF in :mod:`.rendering`. Callers hold :attr:`AtlasState.lock` around
a call (the HTTP layer may run in a uvicorn thread while a test signs in process).
"""

from __future__ import annotations

from .parsing import parse_fields, parse_parties
from .records import DetectionOutcome, DetectionPlan, Envelope, OrgRecord, Party, Template
from .templates import TemplateLayer

__all__ = [
    "AtlasState",
    "DetectionOutcome",
    "DetectionPlan",
    "Envelope",
    "OrgRecord",
    "Party",
    "Template",
    "parse_fields",
    "parse_parties",
]


class AtlasState(TemplateLayer):
    """All the emulator's data and every rule of the Atlas API that does not concern HTTP."""

    def reset(self) -> None:
        """Forget envelopes and templates; keep the orgs (top-level orgs get their initial
        credits back) and the detection rules."""
        self.envelopes.clear()
        self.templates.clear()
        self.tokens.clear()
        self._pending_detection.clear()
        for org in self.orgs.values():
            if org.parent_id is None:
                org.credits = self.initial_credits
