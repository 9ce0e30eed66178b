"""``python -m atlas_async.testing --port 8080``: the emulator on 127.0.0.1, until Ctrl-C."""

from __future__ import annotations

import argparse
import sys

from ._console import serve


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
    return serve(
        host=args.host,
        port=args.port,
        initial_credits=args.credits,
        detection_delay=args.detection_delay,
        webhook_time_scale=args.webhook_time_scale,
    )


if __name__ == "__main__":
    sys.exit(main())
