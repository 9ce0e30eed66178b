"""Child processes of the multi-process tests: ``python -m tests.contrib._procs ROLE``.

Each waits for the test's "go" (a Redis list, BLPOP with a deadline) so that they all start
together, does its part, and prints one JSON line with what it saw. Settings come from the
environment: ATLAS_BASE_URL, REDIS_URL, and the role's own.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import anyio

from atlas_async import Atlas
from atlas_async.contrib.redis import RedisRateGate, RedisTokenStore, connect
from atlas_async.oauth import OAuthTokenProvider

GO_TIMEOUT = 60  # seconds a child waits for the test's go before giving up


async def _ready_then_go(redis: Any, name: str) -> None:
    await redis.rpush(f"test:{name}:ready", os.getpid())
    if await redis.blpop([f"test:{name}:go"], timeout=GO_TIMEOUT) is None:
        raise SystemExit(f"no go for {name} within {GO_TIMEOUT} s")


async def tokens(callers: int) -> dict[str, Any]:
    """``callers`` concurrent API calls at token expiry, through one provider on the shared
    store; how many refreshes this process made, and which tokens it ended with."""
    redis = connect(os.environ["REDIS_URL"])
    async with redis:
        provider = OAuthTokenProvider(store=RedisTokenStore(redis), allow_insecure_http=True)
        seen: list[str] = []
        async with Atlas(auth=provider, base_url=os.environ["ATLAS_BASE_URL"]) as atlas:
            await _ready_then_go(redis, "tokens")

            async def call() -> None:
                seen.append(await provider.token())
                await atlas.templates.list()  # a real request with the token: it must work

            async with anyio.create_task_group() as tg:
                for _ in range(callers):
                    tg.start_soon(call)
        return {
            "refreshes": provider.refresh_count,
            "tokens": sorted(set(seen)),
            "calls": len(seen),
        }


async def gate(role: str) -> dict[str, Any]:
    """``hit``: make the request the emulator answers 429 (Retry-After), which pauses the gate.
    ``follow``: once the shared gate is paused, make a request through it and time the wait."""
    redis = connect(os.environ["REDIS_URL"])
    async with redis:
        shared = RedisRateGate(redis, name="test")
        async with Atlas(base_url=os.environ["ATLAS_BASE_URL"], middleware=[shared]) as atlas:
            await _ready_then_go(redis, f"gate-{role}")
            if role == "hit":
                await atlas.templates.list()  # 429 once, waits out the pause, then 200
                return {"pauses": shared.pauses}
            deadline = time.monotonic() + GO_TIMEOUT
            while not (remaining := await shared.remaining()):  # the other process's 429
                if time.monotonic() > deadline:
                    raise SystemExit("the other process never paused the gate")
                await anyio.sleep(0.005)
            started = time.monotonic()
            await atlas.templates.list()
            return {"remaining": remaining, "waited": time.monotonic() - started}


def main() -> None:
    role = sys.argv[1]
    result = anyio.run(tokens, int(sys.argv[2])) if role == "tokens" else anyio.run(gate, role)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
