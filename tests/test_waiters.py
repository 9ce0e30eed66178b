"""Webhook wake-ups: a notification reaches every subscriber of that envelope, and only them."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest

from atlas_async._waiters import EnvelopeWaiters

pytestmark = pytest.mark.anyio


async def test_notify_wakes_subscribers_of_that_envelope_only() -> None:
    waiters = EnvelopeWaiters()
    with waiters.subscribe("env_a") as a, waiters.subscribe("env_b") as b:
        assert waiters.notify("env_a", "signed") == 1
        assert await a.wait(1.0) is True
        assert a.last_status == "signed"
        assert await b.wait(0.01) is False
        assert b.last_status is None


async def test_a_notification_before_the_wait_is_not_lost() -> None:
    waiters = EnvelopeWaiters()
    with waiters.subscribe("env") as sub:
        waiters.notify("env", "pending")
        assert await sub.wait(0) is True


async def test_subscription_rearms_after_each_wake() -> None:
    waiters = EnvelopeWaiters()
    with waiters.subscribe("env") as sub:
        waiters.notify("env")
        assert await sub.wait(1.0) is True
        assert await sub.wait(0.01) is False


async def test_wait_returns_when_notified_from_another_task() -> None:
    waiters = EnvelopeWaiters()
    with waiters.subscribe("env") as sub:
        async with anyio.create_task_group() as tg:
            tg.start_soon(sub.wait, 5.0)
            await anyio.lowlevel.checkpoint()
            waiters.notify("env", "voided")
        assert sub.last_status == "voided"


async def test_leaving_the_block_unsubscribes() -> None:
    waiters = EnvelopeWaiters()
    with waiters.subscribe("env"):
        pass
    assert waiters.notify("env") == 0
    assert waiters._subs == {}
