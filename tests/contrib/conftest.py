"""A real redis-server for the contrib suite: started here as a child process on a free
127.0.0.1 port, stopped at the end. No fakeredis: Lua, streams, consumer groups and server time
are what these classes rely on, and only the real server has them exactly.

Without redis-server on PATH the suite is skipped, with the reason; under ``CI=true`` that is a
failure instead (``.ci/run`` installs it), so CI can never pass by skipping.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
import pytest
from redis.asyncio import Redis

from atlas_async.contrib.redis import connect

REDIS_SERVER = shutil.which("redis-server")
STARTUP = 20.0  # seconds a server may take to answer PING


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One redis-server child process; :meth:`stop` and :meth:`start` again on the same port
    (for tests of a lost connection)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.proc = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + STARTUP
        while not _ping(self.port):  # bounded: until it answers, it dies, or the deadline
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                pytest.fail(f"redis-server exited with {self.proc.returncode}: {err}")
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"redis-server did not answer PING within {STARTUP:g} s")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()
        self.proc = None

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(b"FLUSHALL\r\n")
            assert sock.recv(16).startswith(b"+OK")


def _require_redis_server() -> None:
    if REDIS_SERVER is not None:
        return
    reason = "redis-server is not installed (apt-get install redis-server); the Redis tests need it"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"under CI=true a missing Redis is a failure: {reason}")
    pytest.skip(reason)


@contextmanager
def running_redis(directory: Path) -> Iterator[RedisServer]:
    _require_redis_server()
    server = RedisServer(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The shared server's URL, emptied for this test."""
    if redis_server.proc is None:  # a test stopped it and failed before restarting it
        redis_server.start()
    redis_server.flush()
    return redis_server.url


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A server of this test's own, which the test may stop and start again."""
    with running_redis(tmp_path) as server:
        yield server


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    """A client on the shared server (a blocking pool, as :func:`connect` makes)."""
    client = connect(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def clients(redis_url: str) -> AsyncIterator[tuple[Redis, Redis]]:
    """Two clients on the shared server, as two processes would have."""
    a, b = connect(redis_url), connect(redis_url)
    try:
        yield a, b
    finally:
        await a.aclose()
        await b.aclose()


@pytest.fixture
def anyio_backend() -> str:
    # redis-py's asyncio client runs under asyncio only; trio gets a clear error (test_trio.py).
    return "asyncio"


CEILING = 30.0  # for conditions that take milliseconds: only a hang reaches it


async def until(condition: Callable[[], object], what: str, within: float = CEILING) -> None:
    """Wait for state another component owns (a reader task, a server) that offers no event."""
    with anyio.move_on_after(within):
        while not condition():  # noqa: ASYNC110 - no event to wait on; the deadline fails the test
            await anyio.sleep(0.01)
    assert condition(), f"not within {within:g} s: {what}"
