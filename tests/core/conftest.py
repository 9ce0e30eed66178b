"""Fixtures for the core's tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the transport's backoff sleeps instead of sleeping them."""
    recorded: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr("atlas_async._transport._sleep", fake_sleep)
    return recorded
