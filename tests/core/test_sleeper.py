"""The sleep a webhook can end early (``_sleeper``): woken, timed out, cancelled, on both
backends; under asyncio one bare future per sleeper, with a timer that holds nothing of the
sleeper's context, and under trio one trio cancel scope; the portable way for any other loop."""

from __future__ import annotations

import contextvars
import gc
import math
import sys
import weakref
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from atlas_async._sleeper import Sleeper

pytestmark = pytest.mark.anyio


async def _started(sleeper: Sleeper) -> None:
    """Until ``sleeper`` sleeps (bounded: a sleep starts within a few checkpoints)."""
    for _ in range(100):
        if sleeper._future is not None or sleeper._scope is not None:
            return
        await anyio.lowlevel.checkpoint()
    raise AssertionError("the sleep never started")


async def test_wake_up_ends_a_long_sleep_at_once() -> None:
    sleeper = Sleeper()
    ended: list[float] = []

    async def sleep() -> None:
        await sleeper._sleep(60)
        ended.append(anyio.current_time())

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(sleep)
            await _started(sleeper)
            woken = anyio.current_time()
            sleeper._wake_up()
    assert len(ended) == 1
    assert ended[0] - woken < 1
    assert (sleeper._future, sleeper._scope) == (None, None)


async def test_an_unwoken_sleep_lasts_its_time() -> None:
    sleeper = Sleeper()
    started = anyio.current_time()
    with anyio.fail_after(5):
        await sleeper._sleep(0.05)
    assert anyio.current_time() - started >= 0.04


@pytest.mark.parametrize("seconds", [0.0, -1.0, math.nan])
async def test_no_time_to_sleep_returns_at_once(seconds: float) -> None:
    with anyio.fail_after(5):
        await Sleeper()._sleep(seconds)


async def test_an_endless_sleep_ends_when_woken() -> None:
    sleeper = Sleeper()
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(sleeper._sleep, math.inf)
            await _started(sleeper)
            sleeper._wake_up()


async def test_waking_with_no_sleep_in_progress_changes_nothing() -> None:
    sleeper = Sleeper()
    sleeper._wake_up()  # nobody sleeps: nothing happens, and nothing is remembered
    started = anyio.current_time()
    with anyio.fail_after(5):
        await sleeper._sleep(0.05)
    assert anyio.current_time() - started >= 0.04


async def test_a_cancelled_scope_stops_the_sleep() -> None:
    sleeper = Sleeper()
    with anyio.fail_after(5), anyio.move_on_after(0.05) as scope:
        await sleeper._sleep(60)
    assert scope.cancelled_caught
    assert (sleeper._future, sleeper._scope) == (None, None)


async def test_a_cancelled_task_group_stops_every_sleeper() -> None:
    sleepers = [Sleeper() for _ in range(50)]
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            for sleeper in sleepers:
                tg.start_soon(sleeper._sleep, 60)
            for sleeper in sleepers:
                await _started(sleeper)
            tg.cancel_scope.cancel()
    assert all((sleeper._future, sleeper._scope) == (None, None) for sleeper in sleepers)


async def test_the_sleep_is_a_bare_future_under_asyncio_and_one_trio_scope_under_trio(
    anyio_backend: str,
) -> None:
    sleeper = Sleeper()
    async with anyio.create_task_group() as tg:
        tg.start_soon(sleeper._sleep, 60)
        await _started(sleeper)
        future, scope = sleeper._future, sleeper._scope
        sleeper._wake_up()
    if anyio_backend == "asyncio":
        import asyncio

        assert isinstance(future, asyncio.Future)
        assert scope is None
    else:
        import trio

        assert "asyncio" in sys.modules  # (imported by now) and still not taken for asyncio's
        assert future is None
        assert isinstance(scope, trio.CancelScope)  # trio's own, not anyio's around it


class _Held:
    """Something a context variable refers to, whose lifetime the test watches."""


_HELD: contextvars.ContextVar[Any] = contextvars.ContextVar("held")


async def test_the_timer_holds_nothing_of_the_sleepers_context(anyio_backend: str) -> None:
    if anyio_backend != "asyncio":
        pytest.skip("the timer is asyncio's (under trio the sleep is a trio cancel scope)")
    sleeper = Sleeper()
    held = [_Held()]
    gone = weakref.ref(held[0])

    async def sleep() -> None:
        _HELD.set(held[0])
        await sleeper._sleep(3600)  # its timer stays in the loop, cancelled, long after

    async with anyio.create_task_group() as tg:
        # A sooner timer keeps the cancelled one from the top of the loop's heap, where the
        # loop would drop it at once.
        tg.start_soon(anyio.sleep, 60)
        async with anyio.create_task_group() as sleeping:
            sleeping.start_soon(sleep)
            await _started(sleeper)
            sleeper._wake_up()
        held.clear()
        gc.collect()
        assert gone() is None, "a cancelled timer kept the sleeper's context alive"
        tg.cancel_scope.cancel()


async def test_the_portable_sleep_when_neither_loop_is_recognised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # (No such loop today: anyio runs on asyncio and trio. The fallback must still work.)
    from atlas_async import _sleeper

    monkeypatch.setattr(_sleeper, "_asyncio_loop", lambda: None)
    monkeypatch.setattr(_sleeper, "_trio", lambda: None)
    sleeper = Sleeper()
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(sleeper._sleep, 60)
            await _started(sleeper)
            assert isinstance(sleeper._scope, anyio.CancelScope)
            sleeper._wake_up()
        with anyio.move_on_after(0.05) as scope:
            await sleeper._sleep(60)
    assert scope.cancelled_caught
    assert (sleeper._future, sleeper._scope) == (None, None)
