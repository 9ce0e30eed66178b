"""The queue: ``bulk-send --queue REDIS_URL`` hands rows to ``atlas-async worker`` processes.

Both sides are :class:`atlas_async.contrib.taskiq.BulkQueue` (the taskiq extra). The producer
(``bulk-send``) needs no API key: it only queues rows and collects outcomes; each worker sends
with its own credentials, from its own environment.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ._common import common_options, finish, options_from

if TYPE_CHECKING:
    from ..bulk import BulkItem
    from ._bulk_cmd import Runner

__all__ = ["queue_option", "queued_runner", "worker"]

F = TypeVar("F", bound=Callable[..., Any])

_MISSING = "the queue needs the taskiq extra: pip install 'atlas-async[taskiq]'"


def queue_option(text: str, *, required: bool = False) -> Callable[[F], F]:
    """``--queue REDIS_URL`` (or ``ATLAS_QUEUE``)."""
    return click.option(
        "--queue",
        metavar="REDIS_URL",
        envvar="ATLAS_QUEUE",
        show_envvar=True,
        required=required,
        help=text,
    )


def _queue_class() -> Any:
    try:
        from ..contrib.taskiq import BulkQueue
    except ImportError as exc:
        raise click.UsageError(f"{_MISSING} ({exc})") from None
    return BulkQueue


def queued_runner(url: str, *, account: str | None, **send_options: Any) -> Runner:
    """A bulk-send runner that queues the rows at ``url`` and collects the workers' outcomes
    (``concurrency`` is the workers' business, so it is not used here)."""
    send_options.pop("concurrency", None)
    queue_class = _queue_class()

    @asynccontextmanager
    async def run(items: list[BulkItem], skip: frozenset[str]) -> AsyncIterator[Any]:
        async with (
            queue_class(url) as queue,
            queue.send_many(items, skip_keys=skip, account=account, **send_options) as queued,
        ):
            yield queued

    return run


@click.command("worker")
@queue_option(
    "The Redis that `bulk-send --queue` queues rows on (redis:// or rediss://).", required=True
)
@click.option(
    "-c",
    "--concurrency",
    type=click.IntRange(1, 256),
    default=8,
    show_default=True,
    help="Rows this worker sends at once.",
)
@click.option(
    "--idle-timeout",
    type=click.FloatRange(0.1, None),
    default=900.0,
    show_default=True,
    help="Seconds a worker may stay silent before the rows it took are run again by another "
    "(it died, or was stopped mid-row); not a limit on how long a row may take.",
)
@click.option(
    "--gate",
    default="default",
    show_default=True,
    help="The shared 429 gate: workers using one API key should share one name.",
)
@common_options
def worker(queue: str, concurrency: int, idle_timeout: float, gate: str, **kwargs: Any) -> None:
    """Send the rows queued by `bulk-send --queue`, CONCURRENCY at a time, until stopped.

    \b
    Run as many as you like, on any machine that reaches the Redis. A 429 seen by one
    pauses all of them; a row whose worker died is run again by another (the same
    idempotency keys: nothing is sent twice). Ctrl-C stops this worker.
    """
    opts = options_from(kwargs)
    queue_class = _queue_class()

    async def main() -> int:
        async with (
            queue_class(queue, idle_timeout=idle_timeout, gate=gate) as bulk,
            opts.client() as atlas,
        ):
            click.echo(
                f"atlas-async worker: sending queued rows, {concurrency} at a time "
                "(Ctrl-C to stop)",
                err=True,
            )
            await bulk.work(atlas, concurrency=concurrency)
        return 0

    finish(opts, main)
