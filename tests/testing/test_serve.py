"""The emulator on a real port: FakeAtlas.serve() under asyncio and trio, drop faults on a real
socket, and ``python -m atlas_async.testing`` started, used and stopped with Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import anyio
import httpx
import pytest

from atlas_async.testing import FakeAtlas

from .conftest import PARTIES, PDF, b64

pytestmark = pytest.mark.anyio


async def test_serve_on_a_free_port() -> None:
    fake = FakeAtlas(detection_delay=0)
    async with fake.serve() as url:
        assert url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient(
            base_url=url, headers={"Authorization": f"Bearer {fake.api_key}"}
        ) as c:
            r = await c.post("/api/envelope", json={"document": b64(PDF), "parties": PARTIES[:1]})
            assert r.status_code == 201
            assert r.json()["review_url"].startswith(url)  # links name the real address
            eid = r.json()["envelope_id"]
            sent = await c.post(f"/api/envelope/{eid}/send", json={})
            sign_url = sent.json()["parties"][0]["sign_url"]
            assert (await c.post(sign_url)).json()["status"] == "signed"
            pdf = await c.get(f"/api/envelope/{eid}/pdf")
            assert pdf.content.startswith(b"%PDF-")
            fake.faults.add("drop_before", "GET /api/envelope/{id}")
            with pytest.raises(httpx.RemoteProtocolError):
                await c.get(f"/api/envelope/{eid}")
            assert (await c.get(f"/api/envelope/{eid}")).status_code == 200
    assert fake.base_url == "http://atlas.test"
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as c:
            await c.get(url)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_python_m_prints_a_key_serves_and_stops_on_ctrl_c_or_sigterm(stop: signal.Signals) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "atlas_async.testing", "--port", "0", "--detection-delay", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as proc:
        out, err = _drive(proc, stop)
    assert proc.returncode == 0, err
    assert "stopped" in out
    assert "Traceback" not in err


def _drive(proc: subprocess.Popen[str], stop: signal.Signals) -> tuple[str, str]:
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(6)]
        env = dict(line.strip().split("=", 1) for line in lines if "=" in line)
        url, key = env["ATLAS_BASE_URL"], env["ATLAS_API_KEY"]
        assert key.startswith("atlas_live_")
        # The banner says what a person needs next: the credits, and how to sign.
        assert "credits: 5 (top up: atlas-async emulator credits add N)\n" in lines
        assert any("atlas-async emulator sign ENVELOPE_ID" in line for line in lines)
        assert lines[-1] == "Press Ctrl-C to stop.\n"
        r = httpx.post(
            f"{url}/api/envelope",
            json={"document": b64(PDF)},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert r.status_code == 201
        proc.send_signal(stop)
        return proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_python_m_busy_port_is_one_clear_line() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "atlas_async.testing", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert done.returncode == 1
    assert done.stderr.strip().startswith(f"cannot listen on 127.0.0.1:{port}")
    assert "Traceback" not in done.stderr


async def test_serve_under_the_running_backend_is_stoppable_quickly() -> None:
    fake = FakeAtlas()
    with anyio.fail_after(10):
        async with fake.serve() as url, httpx.AsyncClient() as c:
            assert (await c.get(f"{url}/openapi.json")).status_code == 200


async def test_served_pdf_redirect_goes_to_another_host_name() -> None:
    fake = FakeAtlas(detection_delay=0, pdf_redirect=True)
    async with fake.serve() as url:
        headers = {"Authorization": f"Bearer {fake.api_key}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, follow_redirects=True) as c:
            r = await c.post("/api/envelope", json={"document": b64(PDF), "parties": PARTIES[:1]})
            eid = r.json()["envelope_id"]
            await c.post(f"/api/envelope/{eid}/send", json={})
            await fake.sign(eid)
            pdf = await c.get(f"/api/envelope/{eid}/pdf")
    assert pdf.history[0].status_code == 302
    assert pdf.url.host == "localhost"  # httpx drops Authorization across hosts: no leak
    assert pdf.content == fake.signed_pdf(eid)
    assert fake.leaked_credentials == []


async def test_served_emulator_delivers_webhooks_from_its_own_loop() -> None:
    import threading

    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    got: list[str] = []
    signed = threading.Event()

    async def hook(request: Request) -> Response:
        event = (await request.json())["type"]
        got.append(event)
        if event == "envelope.signed":
            signed.set()
        return Response(status_code=204)

    fake = FakeAtlas(detection_delay=0)
    fake.webhooks.route("hooks.test", Starlette(routes=[Route("/h", hook, methods=["POST"])]))
    async with fake.serve() as url:
        headers = {"Authorization": f"Bearer {fake.api_key}"}
        async with httpx.AsyncClient(base_url=url, headers=headers) as c:
            body = {
                "document": b64(PDF),
                "parties": PARTIES[:1],
                "webhook_url": "http://hooks.test/h",
            }
            eid = (await c.post("/api/envelope", json=body)).json()["envelope_id"]
            await c.post(f"/api/envelope/{eid}/send", json={})
        await fake.sign(eid)  # from this loop; the server's worker picks it up
        assert await anyio.to_thread.run_sync(signed.wait, 10)
    assert got[:3] == ["envelope.created", "envelope.sent", "envelope.signed"]


def test_kept_alive_requests_are_answered_without_waiting_for_a_delayed_ack() -> None:
    # With Nagle's algorithm on the server's socket, every request after the first on a kept-alive
    # connection waited ~40 ms for the client's delayed ACK. The accepted socket must have
    # TCP_NODELAY, and sequential GETs on one connection must take a few ms, not 40+.
    import socket
    import statistics
    import time

    fake = FakeAtlas()
    served = fake.serve()
    url = served.start()
    try:
        headers = {"Authorization": f"Bearer {fake.api_key}"}
        with httpx.Client(base_url=url, headers=headers) as client:
            assert client.get("/api/envelopes").status_code == 200  # opens the connection
            [connection] = served._server.server_state.connections
            sock = connection.transport.get_extra_info("socket")
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            timings = []
            for _ in range(9):
                started = time.perf_counter()
                assert client.get("/api/envelopes").status_code == 200
                timings.append(time.perf_counter() - started)
    finally:
        served.stop()
    # Generous for a loaded 2-core machine, far below the 40 ms of a delayed ACK.
    assert statistics.median(timings) < 0.020, timings


def test_serve_as_a_plain_with_block_for_sync_fixtures() -> None:
    fake = FakeAtlas()
    with fake.serve() as url:
        assert fake.base_url == url
        r = httpx.get(f"{url}/api/envelopes", headers={"Authorization": f"Bearer {fake.api_key}"})
        assert r.status_code == 200
    assert fake.base_url == "http://atlas.test"
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)


def test_serve_on_a_busy_port_raises_oserror_and_keeps_the_base_url() -> None:
    import socket

    fake = FakeAtlas()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(OSError, match="in use"):
            fake.serve(port=s.getsockname()[1]).start()
    assert fake.base_url == "http://atlas.test"
