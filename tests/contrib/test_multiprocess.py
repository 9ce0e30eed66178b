"""Real processes on one real Redis (slow: they run in `make test`, and take seconds each).

- Replicas: two uvicorn replicas of examples/webhooks_replicas.py; the emulator delivers every
  event twice, at once, to both (alternating which goes first). Every handler runs once, and a
  wait on one replica returns by the webhook the other received.
- Token refresh: 4 processes x 50 callers find the shared token expired: one refresh.
- A killed worker: SIGKILLed with rows in flight; they are redelivered, and the emulator counts
  exactly N envelopes and N credits.
- The gate: a 429 seen by one process pauses the other.

Children are started with the test's own Python; every wait is for a condition, under a deadline
far above what it needs, which only a hang reaches.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import redis as sync_redis

from atlas_async import Atlas, Party
from atlas_async.oauth import dump_tokens
from atlas_async.testing import FakeAtlas

from ..oauth.test_fake_atlas import grant
from ..webhooks.atlas_webhook_samples import ROOT

pytestmark = pytest.mark.slow

DEADLINE = 60.0
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def until(condition: Callable[[], object], what: str, within: float = DEADLINE) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {within:g} s: {what}")
        time.sleep(0.02)


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    env.update(extra)
    return env


def spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(proc: subprocess.Popen[str], timeout: float = DEADLINE) -> str:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{out}\n{err}"
    return out


@contextmanager
def reaped(*procs: subprocess.Popen[str]) -> Iterator[None]:
    """Whatever happens in the block, no child outlives the test."""
    try:
        yield
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.communicate(timeout=30)


def start_together(redis_url: str, name: str, count: int) -> None:
    """Wait until ``count`` children said ready, then let them all go at once."""
    client = sync_redis.Redis.from_url(redis_url)
    with client:
        until(lambda: client.llen(f"test:{name}:ready") >= count, f"{count} {name} ready")
        client.rpush(f"test:{name}:go", *["go"] * count)


def token_requests(fake: FakeAtlas) -> int:
    return sum(1 for r in fake.requests if r.method == "POST" and r.path == "/oauth/token")


# -- token refresh ---------------------------------------------------------------------------------


def test_four_processes_at_expiry_make_one_refresh(redis_url: str) -> None:
    fake = FakeAtlas()
    with fake.serve() as url:

        async def tokens_from_login() -> Any:
            async with httpx.AsyncClient(base_url=url) as http:
                return (await grant(fake, http))[1]

        tokens = anyio.run(tokens_from_login)
        expired = replace(tokens, expires_at=time.time() - 10)
        with sync_redis.Redis.from_url(redis_url) as client:
            client.set("atlas:oauth:tokens", dump_tokens(expired))
        before = token_requests(fake)
        env = child_env(ATLAS_BASE_URL=url, REDIS_URL=redis_url)
        procs = [spawn(["-m", "tests.contrib._procs", "tokens", "50"], env) for _ in range(4)]
        with reaped(*procs):
            start_together(redis_url, "tokens", 4)
            results = [json.loads(finished(p)) for p in procs]
        refreshes = token_requests(fake) - before
    assert refreshes == 1
    assert sum(r["refreshes"] for r in results) == 1
    assert [r["calls"] for r in results] == [50, 50, 50, 50]
    final = {token for r in results for token in r["tokens"]}
    assert len(final) == 1  # every caller in every process used the one new token
    assert final != {tokens.access_token}


# -- the gate --------------------------------------------------------------------------------------


def test_a_429_in_one_process_pauses_the_other(redis_url: str) -> None:
    fake = FakeAtlas()
    fault = fake.faults.add("status", "GET /api/templates", status=429, retry_after=3, count=1)
    with fake.serve() as url:
        env = child_env(ATLAS_BASE_URL=url, ATLAS_API_KEY=fake.api_key, REDIS_URL=redis_url)
        hit = spawn(["-m", "tests.contrib._procs", "hit"], env)
        follow = spawn(["-m", "tests.contrib._procs", "follow"], env)
        with reaped(hit, follow):
            start_together(redis_url, "gate-hit", 1)
            start_together(redis_url, "gate-follow", 1)
            followed = json.loads(finished(follow))
            assert json.loads(finished(hit)) == {"pauses": 1}
    assert fault.fired == 1
    # The follower met the other process's pause (most of the 3 s were left) and waited it out.
    assert followed["remaining"] > 1.5
    assert followed["waited"] >= followed["remaining"] - 0.25


# -- a killed worker -------------------------------------------------------------------------------


def test_a_killed_workers_rows_are_redelivered_and_sent_once(
    redis_url: str, tmp_path: Path
) -> None:
    rows = 16
    for n in range(rows):
        (tmp_path / f"doc{n}.pdf").write_bytes(PDF + f"% row {n}\n".encode())
    manifest = tmp_path / "batch.csv"
    with manifest.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["document", "signers"])
        for n in range(rows):
            writer.writerow([f"doc{n}.pdf", f"signer{n}@example.com:Signer {n}:Customer"])
    fake = FakeAtlas(initial_credits=100)
    # Sends take a while, so the first worker surely has rows in flight when it is killed.
    fake.faults.add("latency", "POST /api/envelope/{id}/send", seconds=0.4, count=None)
    with fake.serve() as url:
        env = child_env(ATLAS_BASE_URL=url, ATLAS_API_KEY=fake.api_key)
        work = ["-m", "atlas_async", "worker", "--queue", redis_url, "-c", "4"]
        first = spawn([*work, "--idle-timeout", "2"], env)
        producer = spawn(
            ["-m", "atlas_async", "bulk-send", str(manifest), "--queue", redis_url, "--json"],
            child_env(),  # the producer needs no credentials: it only queues rows
        )
        with reaped(first, producer):
            until(lambda: len(fake.envelopes()) >= 3, "the first worker has rows in flight")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=DEADLINE)
            second = spawn([*work, "--idle-timeout", "2"], env)
            with reaped(second):
                out, err = producer.communicate(timeout=DEADLINE)
                second.send_signal(signal.SIGINT)
        envelopes = fake.envelopes()
        credits = fake.credits()
        # One create per task run: more than one per row means some row ran twice.
        creates = sum(1 for r in fake.requests if r.method == "POST" and r.path == "/api/envelope")
    assert producer.returncode == 0, f"{out}\n{err}"
    summary = json.loads(out)
    assert summary["total"] == rows
    assert summary["sent"] + summary["already_sent"] == rows
    assert summary["failed"] == summary["not_attempted"] == 0
    assert len(envelopes) == rows  # exactly N envelopes...
    assert credits == 100 - rows  # ...and exactly N credits
    assert {e["status"] for e in envelopes} == {"pending"}
    assert creates > rows  # the killed worker's rows did run again
    with (tmp_path / "batch.results.csv").open() as fh:
        results = list(csv.DictReader(fh))
    assert len(results) == rows
    assert {r["status"] for r in results} <= {"sent", "already_sent"}


# -- replicas --------------------------------------------------------------------------------------


class TwiceToBoth:
    """What the emulator delivers webhooks to: every delivery goes to both replicas at once,
    the first of them alternating (as a load balancer and a retried delivery would)."""

    def __init__(self, replicas: list[str]) -> None:
        self.replicas = replicas
        self.sent = 0
        self.answers: list[tuple[str, str, int]] = []  # (event id, replica, status)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"] if k.startswith(b"x-atlas")}
        order = self.replicas if self.sent % 2 == 0 else self.replicas[::-1]
        self.sent += 1
        statuses: list[int] = []

        async def post(replica: str) -> None:
            async with httpx.AsyncClient(timeout=DEADLINE) as client:
                answer = await client.post(
                    replica + "/webhooks/atlas", content=body, headers=headers
                )
            statuses.append(answer.status_code)
            self.answers.append((headers["x-atlas-delivery"], replica, answer.status_code))

        async with anyio.create_task_group() as tg:
            for replica in order:
                tg.start_soon(post, replica)
        status = 200 if 200 in statuses else statuses[0]
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(replica: str) -> bool:
    try:
        return bool(httpx.get(replica + "/health", timeout=2).json()["waiter_bus_connected"])
    except (httpx.HTTPError, ValueError, KeyError):
        return False


def test_two_replicas_handle_each_event_once_and_wake_each_others_waiters(
    redis_url: str,
) -> None:
    ports = [_free_port(), _free_port()]
    replicas = [f"http://127.0.0.1:{port}" for port in ports]
    balancer = TwiceToBoth(replicas)
    fake = FakeAtlas(webhook_timeout=DEADLINE)
    fake.webhooks.route("lb.test", balancer)
    with fake.serve() as url:
        env = child_env(ATLAS_API_KEY=fake.api_key, ATLAS_BASE_URL=url, ATLAS_REDIS_URL=redis_url)
        example = str(ROOT / "examples" / "webhooks_replicas.py")
        procs = [spawn([example, "--port", str(port)], env) for port in ports]
        with reaped(*procs):
            for proc, replica in zip(procs, replicas, strict=True):
                until(lambda r=replica, p=proc: p.poll() is not None or _healthy(r), "replica up")
                assert proc.poll() is None, proc.communicate()

            async def create() -> str:
                async with Atlas(api_key=fake.api_key, base_url=url) as atlas:
                    env = await atlas.envelopes.create_and_send(
                        PDF,
                        parties=[Party(email="jane@example.com", name="Jane", role="Customer")],
                        webhook_url="http://lb.test/webhooks/atlas",
                    )
                return str(env.envelope_id)

            eid = anyio.run(create)
            waited: dict[str, Any] = {}

            def wait_on_b() -> None:
                answer = httpx.get(f"{replicas[1]}/deals/{eid}/signed", timeout=DEADLINE)
                waited.update(answer.json())

            waiter = threading.Thread(target=wait_on_b)
            waiter.start()
            # B subscribed before its first poll: once the emulator saw that poll, sign.
            until(
                lambda: any(r.path == f"/api/envelope/{eid}/status" for r in fake.requests),
                "replica B is waiting",
            )
            anyio.run(fake.sign, eid)
            waiter.join(timeout=DEADLINE)
            until(
                lambda: (
                    fake.webhooks.deliveries and all(d.delivered for d in fake.webhooks.deliveries)
                ),
                "every webhook delivered",
            )
            handled = [row for r in replicas for row in httpx.get(r + "/handled").json()]
    assert waited == {"envelope_id": eid, "status": "signed", "via": "webhook"}
    events = {d.event_id: d.event_type for d in fake.webhooks.deliveries}
    assert "envelope.signed" in events.values()
    runs = Counter((row["handler"], row["event_id"]) for row in handled)
    assert set(runs.values()) == {1}  # every handler ran once per event, across both replicas
    assert {e for h, e in runs if h == "audit"} == set(events)
    assert [e for h, e in runs if h == "mark_deal_signed"] == [
        e for e, t in events.items() if t == "envelope.signed"
    ]
    per_event = Counter(event for event, _replica, _status in balancer.answers)
    assert set(per_event.values()) == {2}  # each event reached both replicas
