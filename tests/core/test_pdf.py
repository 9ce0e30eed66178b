"""The signed PDF: a download cut mid-way raises the SDK's errors and leaves no partial file,
concurrent downloads to one path never mix, a cancelled one leaves no temporary file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

import atlas_async

from .._support.http import httpx
from .._support.mock_api import BODY_CUTS, ENV_ID, BrokenBody, GatedPDF, Handler, Recorder, make

pytestmark = pytest.mark.anyio


def pdf_breaking_after_first_chunk(error: Exception) -> Handler:
    def answer(request: httpx.Request) -> httpx.Response:
        stream = BrokenBody(b"%PDF-1.7 the first part", error)
        return httpx.Response(200, headers={"Content-Type": "application/pdf"}, stream=stream)

    return answer


@pytest.mark.parametrize(("error", "expected"), BODY_CUTS)
async def test_signed_pdf_cut_mid_download_raises_our_errors(
    tmp_path: Path, error: Exception, expected: type[Exception]
) -> None:
    atlas = make(Recorder(pdf_breaking_after_first_chunk(error)))
    with pytest.raises(expected) as info:
        await atlas.envelopes.download_signed_pdf(ENV_ID)
    assert type(info.value) is expected
    assert isinstance(info.value.__cause__, type(error))
    with pytest.raises(expected):
        await atlas.envelopes.download_signed_pdf(ENV_ID, tmp_path / "signed.pdf")
    assert [p async for p in anyio.Path(tmp_path).iterdir()] == []  # no partial file left
    chunks: list[bytes] = []

    async def read_stream() -> None:
        async with atlas.envelopes.stream_signed_pdf(ENV_ID, chunk_size=4) as stream:
            async for chunk in stream:
                chunks.append(chunk)

    with pytest.raises(expected):
        await read_stream()
    assert chunks  # what arrived before the cut was handed over
    assert b"%PDF-1.7 the first part".startswith(b"".join(chunks))


async def test_concurrent_downloads_to_one_path_never_mix(tmp_path: Path) -> None:
    bodies = {"a": b"%PDF-1.7 " + b"A" * 5000, "b": b"%PDF-1.7 " + b"B" * 7000}
    gate = anyio.Event()
    halfway: list[str] = []

    def arrived(name: str) -> Callable[[], None]:
        def note() -> None:
            halfway.append(name)
            if len(halfway) == 2:  # both files are half written: now let both finish
                gate.set()

        return note

    def answer(request: httpx.Request) -> httpx.Response:
        name = "a" if request.url.path.split("/")[-2].endswith("a") else "b"
        stream = GatedPDF(bodies[name], arrived(name), gate)
        return httpx.Response(200, headers={"Content-Type": "application/pdf"}, stream=stream)

    atlas = make(Recorder(answer))
    target = tmp_path / "signed.pdf"
    async with anyio.create_task_group() as tg:
        for eid in ("env-a", "env-b"):
            tg.start_soon(atlas.envelopes.download_signed_pdf, eid, target)
    assert sorted(halfway) == ["a", "b"]
    assert await anyio.Path(target).read_bytes() in bodies.values()  # one whole PDF, not a mix
    assert [p.name async for p in anyio.Path(tmp_path).iterdir()] == ["signed.pdf"]


async def test_cancelled_download_leaves_no_temporary_file(tmp_path: Path) -> None:
    halfway = anyio.Event()
    never = anyio.Event()

    def answer(request: httpx.Request) -> httpx.Response:
        stream = GatedPDF(b"%PDF-1.7 " + b"x" * 100, halfway.set, never)
        return httpx.Response(200, headers={"Content-Type": "application/pdf"}, stream=stream)

    atlas = make(Recorder(answer))
    async with anyio.create_task_group() as tg:
        tg.start_soon(atlas.envelopes.download_signed_pdf, ENV_ID, tmp_path / "signed.pdf")
        await halfway.wait()  # the temporary file exists and holds the first half
        tg.cancel_scope.cancel()
    assert [p async for p in anyio.Path(tmp_path).iterdir()] == []


def test_signed_pdf_stream_is_not_built_directly() -> None:
    with pytest.raises(TypeError, match="stream_signed_pdf"):
        atlas_async.SignedPDFStream()
