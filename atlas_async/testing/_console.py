"""The emulator as a program: :func:`serve` runs one on a port until Ctrl-C, with its banner.

``python -m atlas_async.testing`` and ``atlas-async emulator`` both call it, so the two never drift.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

from ._fake import FakeAtlas
from ._http import http_fetch

__all__ = ["serve"]


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    initial_credits: int = 5,
    detection_delay: float = 0.5,
    webhook_time_scale: float = 1.0,
) -> int:
    """Run an emulator on ``host:port`` (0: a free port) until Ctrl-C or SIGTERM.

    Prints the banner on stdout: the URL, ``ATLAS_BASE_URL=`` and ``ATLAS_API_KEY=`` lines to
    export, the credits and how to sign. ``document_url`` creates are fetched over HTTP. Returns
    the exit status: 0 once stopped, 1 when the port cannot be bound (one line on stderr).
    """
    fake = FakeAtlas(
        initial_credits=initial_credits,
        detection_delay=detection_delay,
        webhook_time_scale=webhook_time_scale,
        fetcher=http_fetch,
    )
    served = fake.serve(host, port)
    try:
        url = served.start()
    except OSError as exc:
        print(f"cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return 1
    try:
        with _sigterm_interrupts():
            for line in banner(url, fake.api_key, fake.credits()):
                print(line, flush=True)
            served.wait()
    except KeyboardInterrupt:
        pass  # Ctrl-C is how it is meant to stop
    finally:
        served.stop()
    print("Atlas emulator stopped.", flush=True)
    return 0


def banner(url: str, api_key: str, credits: int) -> list[str]:
    return [
        f"Atlas emulator listening on {url}",
        f"ATLAS_BASE_URL={url}",
        f"ATLAS_API_KEY={api_key}",
        f"credits: {credits} (top up: atlas-async emulator credits add N)",
        "sign as the next signer: atlas-async emulator sign ENVELOPE_ID (--all: every one left)",
        "Press Ctrl-C to stop.",
    ]


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM stops the server as Ctrl-C does (a process manager's stop is graceful too)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
