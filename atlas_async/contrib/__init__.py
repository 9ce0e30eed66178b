"""Integrations with other engines, each behind its own extra.

- :mod:`atlas_async.contrib.redis` (``pip install 'atlas-async[redis]'``): webhook
  de-duplication, waiter wake-ups, OAuth tokens and the 429 gate shared by several processes.
- :mod:`atlas_async.contrib.taskiq` (``pip install 'atlas-async[taskiq]'``): a bulk run fanned
  out to worker processes on taskiq's Redis stream broker.
- :mod:`atlas_async.contrib.otel` (``pip install 'atlas-async[otel]'``): OpenTelemetry spans
  for every call and HTTP attempt, and ``traceparent`` on the wire (asyncio and trio).

Nothing here is imported by ``atlas_async`` itself: importing this package costs nothing, and
each submodule imports its engine only when you import it. The Redis and taskiq integrations run
on redis-py's asyncio client, so they run under asyncio only (not trio); the rest of the SDK runs
under either.
"""
