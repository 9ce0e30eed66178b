"""The in-process waiter bus: a notice reaches every subscriber of that envelope, and only them."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest

from atlas_async import LocalWaiterBus, Notice, WaiterBus

pytestmark = pytest.mark.anyio


def test_the_local_bus_fills_the_protocol() -> None:
    assert isinstance(LocalWaiterBus(), WaiterBus)


async def test_publish_wakes_subscribers_of_that_envelope_only() -> None:
    bus = LocalWaiterBus()
    async with bus.subscribe("env_a") as a, bus.subscribe("env_b") as b:
        await bus.publish("env_a", "signed")
        assert await a.next(1.0) == Notice("env_a", "signed")
        assert await b.next(0.01) is None


async def test_a_notice_before_the_wait_is_not_lost() -> None:
    bus = LocalWaiterBus()
    async with bus.subscribe("env") as sub:
        assert bus.deliver("env", "pending") == 1
        assert await sub.next(0) == Notice("env", "pending")


async def test_subscription_rearms_after_each_notice() -> None:
    bus = LocalWaiterBus()
    async with bus.subscribe("env") as sub:
        await bus.publish("env")
        assert await sub.next(1.0) == Notice("env", None)
        assert await sub.next(0.01) is None


async def test_a_newer_notice_replaces_an_unread_one() -> None:
    bus = LocalWaiterBus()
    async with bus.subscribe("env") as sub:
        await bus.publish("env", "pending")
        await bus.publish("env", "signed")
        assert await sub.next(0) == Notice("env", "signed")
        assert await sub.next(0) is None


async def test_next_returns_when_published_from_another_task() -> None:
    bus = LocalWaiterBus()
    got: list[Notice | None] = []

    async def wait(sub_next: object) -> None:
        got.append(await sub.next(5.0))

    async with bus.subscribe("env") as sub, anyio.create_task_group() as tg:
        tg.start_soon(wait, sub)
        await anyio.lowlevel.checkpoint()
        await bus.publish("env", "voided")
    assert got == [Notice("env", "voided")]


async def test_leaving_the_block_unsubscribes() -> None:
    bus = LocalWaiterBus()
    async with bus.subscribe("env"):
        assert bus.waiting("env") == 1
    assert bus.waiting("env") == 0
    assert bus.deliver("env") == 0


async def test_a_notice_about_any_envelope_says_webhooks_are_flowing() -> None:
    bus = LocalWaiterBus()
    async with bus.subscribe("env") as sub:
        assert not sub.webhooks_flowing(60)  # nothing heard yet: polling is all there is
        bus.deliver("another-envelope", "pending")  # nobody waits on it, but webhooks arrive
        assert sub.webhooks_flowing(60)
        assert not sub.webhooks_flowing(0)


async def test_two_waiters_on_one_envelope_both_hear_and_each_leaves_alone() -> None:
    bus = LocalWaiterBus()
    async with bus.subscribe("env") as first:
        async with bus.subscribe("env") as second, bus.subscribe("other") as other:
            assert (bus.waiting("env"), bus.waiting("other")) == (2, 1)
            assert bus.deliver("env", "signed") == 2
            assert await first.next(0) == Notice("env", "signed")
            assert await second.next(0) == Notice("env", "signed")
            assert await other.next(0) is None
        # The second left: the first still hears, alone.
        assert bus.waiting("env") == 1
        assert bus.deliver("env", "voided") == 1
        assert await first.next(0) == Notice("env", "voided")
        async with bus.subscribe("env") as third:  # and a newcomer joins it again
            assert bus.deliver("env") == 2
            assert await third.next(0) == Notice("env", None)
    assert bus.waiting("env") == 0
    assert bus.deliver("env") == 0


async def test_the_first_of_two_waiters_may_leave_first() -> None:
    bus = LocalWaiterBus()
    first = bus.subscribe("env")
    await first.__aenter__()
    async with bus.subscribe("env") as second:
        await first.__aexit__(None, None, None)
        assert bus.waiting("env") == 1
        assert bus.deliver("env", "declined") == 1
        assert await second.next(0) == Notice("env", "declined")
    assert bus.waiting("env") == 0


async def test_listen_waits_for_a_notice_without_reading_it() -> None:
    bus = LocalWaiterBus()
    async with bus.subscribe("env") as sub:
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:

                async def listen() -> None:
                    await sub.listen(60)

                tg.start_soon(listen)
                await anyio.wait_all_tasks_blocked()
                bus.deliver("env", "signed")  # ends the listen at once, not in 60 s
        assert sub.take() == Notice("env", "signed")
        bus.deliver("env", "pending")
        await sub.listen(60)  # a notice already there: no wait at all
        assert sub.take() == Notice("env", "pending")
        started = anyio.current_time()
        await sub.listen(0.05)  # none comes: over in its time, nothing to read
        assert anyio.current_time() - started >= 0.04
        assert sub.take() is None


async def test_a_listen_cut_short_leaves_nothing_behind(anyio_backend: str) -> None:
    bus = LocalWaiterBus()
    async with bus.subscribe("env") as sub:
        with anyio.move_on_after(0.01):
            await sub.listen(3600)  # cancelled: its timer outlives the await
        # The next listen starts clean, and still works.
        bus.deliver("env")
        await sub.listen(3600)
        assert sub.take() == Notice("env", None)
        with anyio.move_on_after(0.01):
            await sub.listen(3600)
        timer = sub._timer  # asyncio's, an hour away (under trio the scope ended with the await)
        assert (timer is not None) == (anyio_backend == "asyncio")
    # Leaving the block stopped it: nothing in the event loop keeps the subscription for an hour.
    assert (sub._timer, sub._future, sub._scope) == (None, None, None)
    assert timer is None or timer.cancelled()
