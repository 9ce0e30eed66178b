"""Each webhook example runs as documented (``python examples/webhooks_*.py --port N``) and
answers real HTTP on 127.0.0.1: processed, duplicate, bad signature."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from .atlas_webhook_samples import ROOT, SECRET, event_payload, signed

EXAMPLES = ["webhooks_fastapi", "webhooks_aiohttp", "webhooks_asgi"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    env.update(extra)
    return env


@contextmanager
def running(name: str) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "examples" / f"{name}.py"), "--port", str(port)],
        env=_env(ATLAS_WEBHOOK_SECRET=SECRET),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:  # until the server accepts connections (or the script died)
            if proc.poll() is not None:
                output = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"{name} exited with {proc.returncode}:\n{output}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{name} did not listen on {port} within 30 s")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/webhooks/atlas"
    finally:
        proc.terminate()
        proc.communicate(timeout=15)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_serves_webhooks(name: str) -> None:
    body, header = signed(event_payload("envelope.signed", envelope_id="env-script"))
    with running(name) as url, httpx.Client(timeout=10) as client:
        first = client.post(url, content=body, headers={"X-Atlas-Signature": header})
        again = client.post(url, content=body, headers={"X-Atlas-Signature": header})
        forged = client.post(url, content=body, headers={"X-Atlas-Signature": "sha256=" + "0" * 64})
    assert (first.status_code, first.json()["outcome"]) == (200, "processed")
    assert (again.status_code, again.json()["outcome"]) == (200, "duplicate")
    assert forged.status_code == 400


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_refuses_to_start_without_a_secret(name: str) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / f"{name}.py")],
        env=_env(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert b"set ATLAS_API_KEY" in result.stderr
