"""Documents: what counts as one (judged by its bytes), and an upload that streams from disk and
leaves nothing behind when it is cancelled mid-body."""

from __future__ import annotations

import functools
import gc
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from atlas_async import Atlas, InvalidDocumentError

from .._support.http import httpx
from .._support.mock_api import BASE, ENV_ID, KEY, Recorder, StalledUpload, make

pytestmark = pytest.mark.anyio


async def test_a_request_cancelled_mid_body_leaves_nothing_to_finalise() -> None:
    # httpx's in-memory body iterates with an async generator; dropped mid-body by a cancelled
    # request, trio reports it when it is collected (the bulk suite's cancellation over real
    # sockets hit this under load). Our bodies are plain iterators: nothing to finalise.
    stalled = StalledUpload()
    async with httpx.AsyncClient(transport=stalled) as http:
        atlas = Atlas(api_key=KEY, base_url=BASE, http_client=http)
        async with anyio.create_task_group() as tg:
            tg.start_soon(functools.partial(atlas.envelopes.send, ENV_ID, fields_version=1))
            await stalled.started.wait()
            tg.cancel_scope.cancel()
        gc.collect()
        await anyio.lowlevel.checkpoint()  # where a finaliser scheduled by the collector runs


@pytest.mark.parametrize(
    "payload",
    [b"hello world", b"PK\x03\x04not really a zip", b"<html>%PDF-</html>"[7:0] + b"GIF89a"],
)
async def test_not_a_document_raises_before_any_request(payload: bytes) -> None:
    rec = Recorder(httpx.Response(500))
    with pytest.raises(InvalidDocumentError):
        await make(rec).envelopes.create(payload)
    assert rec.requests == []


async def test_a_zip_that_is_not_docx_is_rejected(tmp_path: Any) -> None:
    import zipfile

    path = tmp_path / "contract.docx"  # the name lies: judged by bytes
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    rec = Recorder(httpx.Response(500))
    with pytest.raises(InvalidDocumentError, match="neither a PDF nor a DOCX"):
        await make(rec).envelopes.create(path)
    assert rec.requests == []


async def test_missing_file_and_url_string_hint(tmp_path: Any) -> None:
    rec = Recorder(httpx.Response(500))
    with pytest.raises(InvalidDocumentError, match="DocumentURL"):
        await make(rec).envelopes.create("https://example.com/contract.pdf")
    with pytest.raises(InvalidDocumentError, match="no such file"):
        await make(rec).envelopes.create(tmp_path / "nope.pdf")
    assert rec.requests == []


async def test_large_file_is_streamed_not_read_whole(tmp_path: Any) -> None:
    import tracemalloc

    size = 8 * 1024 * 1024
    path = tmp_path / "big.pdf"
    with path.open("wb") as f:
        f.write(b"%PDF-1.7\n")
        f.write(b"\0" * size)
    received = 0

    class Sink(httpx.AsyncBaseTransport):
        """Consumes the upload chunk by chunk (MockTransport would read it whole first)."""

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal received
            async for chunk in request.stream:  # type: ignore[union-attr]
                received += len(chunk)
            body = {
                "envelope_id": ENV_ID,
                "status": "draft",
                "fields_status": "pending",
                "review_url": "https://atlas.test/review/1?rt=t",
            }
            return httpx.Response(201, json=body)

    atlas = Atlas(api_key=KEY, base_url=BASE, http_client=httpx.AsyncClient(transport=Sink()))
    await atlas.envelopes.create(b"%PDF-1.7\n")  # warm up: first-use imports are not the upload
    received = 0
    tracemalloc.start()
    try:
        await atlas.envelopes.create(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert received > size
    print(f"\nuploaded {received} bytes with a peak of {peak} bytes traced")
    assert peak < size // 8, f"peak {peak} bytes while uploading {size} bytes"
