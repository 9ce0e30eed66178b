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

A :class:`ResultsLog` keeps one CSV row per item and makes a batch resumable from a file::

    with ResultsLog.open("batch.results.csv") as log:
        await send_all(atlas, items, skip_keys=log.done_keys(), on_outcome=log.record)

:func:`read_manifest` reads the CSV manifests of ``atlas-async bulk-send`` into items.
"""

from __future__ import annotations

from .._ratelimit import LocalRateGate, RateGate
from .._retry import RetryPolicy
from ._items import BulkItem, derive_key
from ._manifest import (
    InvalidRow,
    ManifestRow,
    PartyFactory,
    default_party_factory,
    parse_pairs,
    parse_signer,
    read_manifest,
)
from ._results import ResultRow, ResultsLog
from ._runner import (
    BULK_RETRY,
    BulkOutcome,
    BulkRun,
    BulkSummary,
    BulkTally,
    OutcomeStatus,
    create_key,
    lookup_wanted,
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
    "BulkTally",
    "InvalidRow",
    "LocalRateGate",
    "ManifestRow",
    "OutcomeStatus",
    "PartyFactory",
    "RateGate",
    "ResultRow",
    "ResultsLog",
    "RetryPolicy",
    "create_key",
    "default_party_factory",
    "derive_key",
    "lookup_wanted",
    "parse_pairs",
    "parse_signer",
    "read_manifest",
    "send_all",
    "send_key",
    "send_many",
]
