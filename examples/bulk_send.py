"""Bulk sending: one document to many signers, at bounded concurrency, exactly once.

Without configuration it runs against the Atlas emulator in process, with faults injected (5xx,
429 with Retry-After, connections dropped after the server committed) to show that the batch
still ends with one envelope and one credit per row; then it runs the same batch again to show a
re-run sends nothing twice. With ATLAS_API_KEY and ATLAS_BASE_URL set it uses that server.

    python examples/bulk_send.py [--count 50] [--concurrency 8] [--faults 0.2]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import anyio

from atlas_async import Atlas, Party
from atlas_async.bulk import BULK_RETRY, BulkItem, BulkSummary, RetryPolicy, send_many
from atlas_async.samples import SAMPLE_PDF


def rows(count: int, document: Path) -> list[BulkItem]:
    """One item per customer. The key is the customer id: stable across runs, so a re-run finds
    what already went out instead of sending it again."""
    return [
        BulkItem(
            document=document,
            parties=[
                Party(email=f"customer{i}@example.com", name=f"Customer {i}", role="Customer")
            ],
            metadata={"campaign": "renewal-2026"},
            key=f"renewal-2026-customer-{i}",
        )
        for i in range(count)
    ]


async def run_batch(
    atlas: Atlas,
    items: list[BulkItem],
    concurrency: int,
    retry: RetryPolicy,
    write: Callable[[str], None],
    *,
    rerun: bool = False,
) -> BulkSummary:
    statuses: Counter[str] = Counter()
    # A re-run that has no results of the first run to resume from says so: each row is then
    # looked up by its key first (one GET), which stays exact beyond the 24 h idempotency window.
    async with send_many(
        atlas, items, concurrency=concurrency, retry=retry, lookup_existing=rerun or None
    ) as run:
        async for outcome in run:  # as each completes, not in input order
            statuses[outcome.status] += 1
            if outcome.status == "failed":
                write(f"  row {outcome.index}: failed: {outcome.error}")
    s = run.summary
    write(
        f"  sent {s.sent}, already sent {s.already_sent}, failed {s.failed}, "
        f"not attempted {s.not_attempted}; {s.credits_spent} credit(s); "
        f"{s.rate_limited} rate-limit pause(s); {s.elapsed:.2f} s ({s.rate:.0f} env/s)"
    )
    return s


async def main(argv: list[str] | None = None, write: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--faults", type=float, default=0.2, help="emulator only: failure rate")
    parser.add_argument("--document", type=Path, default=SAMPLE_PDF)
    args = parser.parse_args(argv)
    items = rows(args.count, args.document)

    if os.environ.get("ATLAS_API_KEY") and os.environ.get("ATLAS_BASE_URL"):
        async with Atlas() as atlas:
            write(f"batch of {len(items)} against {atlas.base_url}")
            summary = await run_batch(atlas, items, args.concurrency, BULK_RETRY, write)
        return 0 if summary.failed == summary.not_attempted == 0 else 1

    import httpx

    from atlas_async.testing import FakeAtlas

    fake = FakeAtlas(initial_credits=args.count, detection_delay=0.0)
    if args.faults:
        each = 1 - (1 - args.faults) ** (1 / 3)  # three independent faults, args.faults together
        fake.faults.add("status", None, status=503, count=None, probability=each)
        fake.faults.add("status", None, status=429, retry_after=0, count=None, probability=each)
        fake.faults.add("drop_after", None, count=None, probability=each)
    fast = BULK_RETRY.with_(initial_delay=0.01, max_delay=0.1)
    async with (
        httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http,
        Atlas(fake.api_key, base_url=fake.base_url, http_client=http) as atlas,
    ):
        write(f"batch of {len(items)} against the emulator, {args.faults:.0%} of requests failing")
        await run_batch(atlas, items, args.concurrency, fast, write)
        write("the same batch again (a re-run after a crash looks like this)")
        await run_batch(atlas, items, args.concurrency, fast, write, rerun=True)
    envelopes = fake.envelopes()
    write(
        f"server: {len(envelopes)} envelope(s), {args.count - fake.credits()} credit(s) spent, "
        f"{len({e['metadata']['external_id'] for e in envelopes})} distinct key(s)"
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(anyio.run(main, sys.argv[1:]))
    except KeyboardInterrupt:
        raise SystemExit(130) from None
