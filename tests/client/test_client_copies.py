"""``with_options`` / ``for_account`` copies are cheap and share one pool.

The regression this guards against is real: per-call option helpers that leaked memory or opened a
new pool each time (openai-python #865, anthropic-sdk-python #150). Here 10,000 copies each make a
request over a real loopback socket; we count the TCP connections the server accepted and trace
memory with tracemalloc.
"""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import pytest

from atlas_async import Atlas

from .._support.loopback import serving

# A pool and memory measurement against a bare loopback server: the wire validator's own
# allocations would be measured too, so it stays out of this module.
pytestmark = [pytest.mark.anyio, pytest.mark.no_wire]

ENV_ID = "0b7f6a5e-1a2b-4c3d-8e9f-0123456789ab"
COPIES = 10_000
# Every copy is made and used; one in ten also goes to the wire (tracemalloc makes each request
# slow, and a thousand requests already show whether connections or memory grow).
REQUEST_EVERY = 10


@pytest.mark.slow
async def test_ten_thousand_copies_share_one_pool_and_do_not_grow_memory() -> None:
    async with (
        serving() as server,
        Atlas(api_key="test_sk_copies", base_url=server.url) as atlas,
    ):
        await atlas.envelopes.status(ENV_ID)  # warm up: imports, the pool, one connection

        async def burst(n: int, offset: int) -> None:
            for i in range(offset, offset + n):
                copy: Any = (
                    atlas.for_account(f"ext_tenant{(i // 20) % 100}")
                    if i % 20 < 10
                    else atlas.with_options(timeout=5.0 + i % 7, max_retries=i % 3)
                )
                envelopes = copy.envelopes  # every copy builds its resource objects
                if i % REQUEST_EVERY == 0:
                    await envelopes.status(ENV_ID)

        await burst(1000, 0)  # let caches (httpx, the generated modules) settle
        gc.collect()
        tracemalloc.start()
        before, _ = tracemalloc.get_traced_memory()
        await burst(COPIES, 1000)
        gc.collect()  # httpx's own request/response objects form cycles; ours do not (below)
        after, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        # Copies alone, with the cycle collector off: freed by reference counting, at once.
        warm = atlas.for_account("ext_warm")  # import the resource modules first
        _ = (warm.envelopes, warm.templates, warm.platform.connected_accounts)
        gc.disable()
        tracemalloc.start()
        try:
            alone_before, _ = tracemalloc.get_traced_memory()
            for i in range(COPIES):
                copy = atlas.for_account(f"ext_t{i % 100}").with_options(timeout=9.0)
                _ = (copy.envelopes, copy.templates, copy.platform.connected_accounts)
            del copy, _
            alone_after, _peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            gc.enable()

        live = [atlas.for_account(f"ext_t{i}") for i in range(COPIES)]
        tracemalloc.start()
        held_before, _ = tracemalloc.get_traced_memory()
        live += [atlas.with_options(timeout=3.0) for _ in range(COPIES)]
        held_after, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        per_copy = (held_after - held_before) / COPIES
        del live

    growth = after - before
    print(
        f"\n{COPIES} copies ({COPIES // REQUEST_EVERY} on the wire): memory growth {growth} B "
        f"(peak {peak - before} B), {server.connections} TCP connection(s) for "
        f"{server.requests} requests; a live copy costs {per_copy:.0f} B; "
        f"10,000 copies without gc: {alone_after - alone_before} B left"
    )
    assert server.requests == 1 + (1000 + COPIES) // REQUEST_EVERY
    assert server.connections == 1  # every copy reused the one pooled connection
    assert len(server.accounts) == 100  # and each still sent its own account header
    # Keeping even 32 bytes per copy would grow 320 KB; the noise (allocator, caches) is ~40 KB.
    assert growth < 256 * 1024, f"memory grew by {growth} bytes over {COPIES} copies"
    # A copy that survived would cost >= 128 B: 10,000 of them would leave over 1 MB behind.
    assert alone_after - alone_before < 64 * 1024, "copies or resources form reference cycles"
    assert per_copy < 1024, f"a copy costs {per_copy:.0f} bytes"
