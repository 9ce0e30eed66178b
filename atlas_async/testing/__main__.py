"""``python -m atlas_async.testing --port 8080``: the emulator on 127.0.0.1, until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import sys

from ._fake import FakeAtlas
from ._http import http_fetch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m atlas_async.testing", description="Run the Atlas emulator on a port."
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument("--credits", type=int, default=5, help="credits of the default org")
    parser.add_argument(
        "--detection-delay", type=float, default=0.5, help="seconds field detection stays pending"
    )
    parser.add_argument(
        "--webhook-time-scale", type=float, default=1.0, help="multiplies webhook retry delays"
    )
    args = parser.parse_args(argv)

    import socket

    import uvicorn

    # Bind first, so the printed URL is right even with --port 0 and a busy port fails clearly.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    sock.listen(128)  # connections made right after the banner wait in the backlog
    port = sock.getsockname()[1]
    url = f"http://{args.host}:{port}"
    fake = FakeAtlas(
        initial_credits=args.credits,
        detection_delay=args.detection_delay,
        webhook_time_scale=args.webhook_time_scale,
        base_url=url,
        fetcher=http_fetch,
    )
    print(f"Atlas emulator listening on {url}", flush=True)
    print(f"ATLAS_BASE_URL={url}", flush=True)
    print(f"ATLAS_API_KEY={fake.api_key}", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    config = uvicorn.Config(fake.app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    # uvicorn shuts down gracefully on Ctrl-C, then re-raises the signal: that is our exit.
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[sock])
    print("Atlas emulator stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
