"""Fault injection: latency, error statuses, and connections dropped before or after the commit.

A test switches faults on per route (``"POST /api/envelope/{id}/send"``: the route as the API
reference writes it, ``{id}`` standing for any path parameter) or for every route (``route=None``),
for a number of requests or with a probability.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass
from typing import Literal

__all__ = ["Fault", "FaultKind", "Faults"]

FaultKind = Literal["latency", "status", "drop_before", "drop_after"]
_KINDS = ("latency", "status", "drop_before", "drop_after")


@dataclass
class Fault:
    """One switched-on fault. ``remaining`` counts down to 0 (``None``: until removed)."""

    kind: FaultKind
    route: str | None
    status: int
    retry_after: float | None
    seconds: float
    remaining: int | None
    probability: float | None
    body: bytes | None
    content_type: str
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.route is None:
            return True
        want_method, _, template = self.route.partition(" ")
        if not template:  # "/api/envelope/{id}" without a method: any method
            want_method, template = "*", self.route
        if want_method not in ("*", method.upper()):
            return False
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "/?$"
        return re.match(pattern, path) is not None


class Faults:
    """The fault registry of one emulator (``fake.faults``)."""

    def __init__(self, seed: int = 0) -> None:
        self._faults: list[Fault] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def add(
        self,
        kind: FaultKind,
        route: str | None = None,
        *,
        status: int = 503,
        retry_after: float | None = None,
        seconds: float = 1.0,
        count: int | None = 1,
        probability: float | None = None,
        body: bytes | None = None,
        content_type: str = "text/html",
    ) -> Fault:
        """Switch a fault on and return it (inspect ``fault.fired``; ``faults.remove(fault)``).

        - ``latency``: sleep ``seconds`` before handling (after the idempotency key is reserved,
          so a concurrent duplicate sees 409 ``idempotency_key_in_use``); /api routes only.
        - ``status``: answer ``status`` (429, 500, 502, 503...) without touching state; 429 and 503
          carry ``Retry-After: retry_after`` when given (whole seconds, rounded up: 1.5 sends 2).
          ``body`` replaces the JSON error body (e.g. a proxy's HTML page, sent with
          ``content_type``).
        - ``drop_before``: the connection drops before the server does anything.
        - ``drop_after``: the server commits the effect, then the connection drops (the answer is
          lost; a retry with the same Idempotency-Key gets the replay).

        ``count`` requests are affected (``None``: every matching request until removed);
        ``probability`` makes each matching request affected at random (seeded, reproducible).
        """
        if kind not in _KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {_KINDS}")
        if kind == "status" and not 400 <= status <= 599:
            raise ValueError("a status fault needs a 4xx or 5xx status")
        if count is not None and count < 1:
            raise ValueError("count must be >= 1 (or None for no limit)")
        if probability is not None and not 0 < probability <= 1:
            raise ValueError("probability must be in (0, 1]")
        if route is not None and not route.strip():
            raise ValueError("route must be 'METHOD /path/{param}' or None")
        fault = Fault(
            kind, route, status, retry_after, seconds, count, probability, body, content_type
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        with self._lock:
            if fault in self._faults:
                self._faults.remove(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str) -> list[Fault]:
        """The faults that fire for this request (at most one of each kind), consuming counts."""
        fired: list[Fault] = []
        with self._lock:
            for fault in list(self._faults):
                if any(f.kind == fault.kind for f in fired) or not fault.matches(method, path):
                    continue
                if fault.probability is not None and self._rng.random() >= fault.probability:
                    continue
                fault.fired += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                fired.append(fault)
        return fired
