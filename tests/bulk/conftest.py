"""Bulk tests run against the real emulator, in process, with the real client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from atlas_async import Atlas, Party
from atlas_async.bulk import BulkItem, RetryPolicy
from atlas_async.testing import FakeAtlas

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# Tiny backoffs: the tests exercise the retry paths, not the clock.
FAST = RetryPolicy(max_retries=11, initial_delay=0.001, max_delay=0.01)


class CountingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport; counts responses not yet closed and records when requests started."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.open = 0
        self.peak = 0
        self.started: list[tuple[float, str, str]] = []
        self.answered: list[tuple[float, int, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import anyio

        self.started.append((anyio.current_time(), request.method, request.url.path))
        self.open += 1
        self.peak = max(self.peak, self.open)
        try:
            response = await self.inner.handle_async_request(request)
        except BaseException:
            self.open -= 1
            raise
        self.answered.append((anyio.current_time(), response.status_code, request.url.path))
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_ClosingStream(response, self),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


class _ClosingStream(httpx.AsyncByteStream):
    def __init__(self, response: httpx.Response, owner: CountingTransport) -> None:
        self._response = response
        self._owner = owner
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._response.aiter_raw():
            yield chunk

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            self._owner.open -= 1
        await self._response.aclose()


def items(n: int, *, start: int = 0) -> list[BulkItem]:
    """``n`` distinct documents, one signer each: distinct content, so distinct derived keys."""
    return [
        BulkItem(
            document=PDF + f"% row {i}\n".encode(),
            parties=[Party(email=f"signer{i}@example.com", name=f"Signer {i}", role="Signer")],
            metadata={"row": str(i)},
        )
        for i in range(start, start + n)
    ]


@pytest.fixture
def fake() -> FakeAtlas:
    return FakeAtlas(initial_credits=10_000, detection_delay=0, seed=7)


@pytest.fixture
def counting(fake: FakeAtlas) -> CountingTransport:
    return CountingTransport(fake.transport())


@pytest.fixture
async def atlas(fake: FakeAtlas, counting: CountingTransport) -> AsyncIterator[Atlas]:
    async with (
        httpx.AsyncClient(transport=counting, base_url=fake.base_url) as http,
        Atlas(api_key=fake.api_key, base_url=fake.base_url, http_client=http) as client,
    ):
        yield client
