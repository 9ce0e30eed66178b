"""Send many envelopes at once: bounded concurrency, outcomes as they land, exactly once on re-runs.

.. code-block:: python

    from atlas_async import Atlas, Party
    from atlas_async.bulk import BulkItem, send_many

    items = [BulkItem(document=path, parties=[Party(email=e)]) for path, e in rows]
    async with Atlas() as atlas, send_many(atlas, items, concurrency=16) as run:
        async for outcome in run:
            print(outcome.index, outcome.status, outcome.envelope_id or outcome.error)
    print(run.summary)

Each item has a stable key (given, or derived from its content). The create and send carry the
idempotency keys ``bulk:<key>:create`` and ``bulk:<key>:send`` and the envelope stores the key in
``metadata.external_id``, so a batch re-run after a crash sends only what had not gone out.
"""

from __future__ import annotations

from .._ratelimit import LocalRateGate, RateGate
from .._retry import RetryPolicy
from ._items import BulkItem, derive_key
from ._manifest import InvalidRow, ManifestRow, parse_pairs, parse_signer, read_manifest
from ._runner import (
    BULK_RETRY,
    BulkOutcome,
    BulkRun,
    BulkSummary,
    OutcomeStatus,
    create_key,
    send_all,
    send_key,
    send_many,
)

__all__ = [
    "BULK_RETRY",
    "BulkItem",
    "BulkOutcome",
    "BulkRun",
    "BulkSummary",
    "InvalidRow",
    "LocalRateGate",
    "ManifestRow",
    "OutcomeStatus",
    "RateGate",
    "RetryPolicy",
    "create_key",
    "derive_key",
    "parse_pairs",
    "parse_signer",
    "read_manifest",
    "send_all",
    "send_key",
    "send_many",
]
