"""The signed PDF: streamed in chunks, or written whole-or-nothing to a path.

Built by hand rather than through the generated ``download_signed_pdf``, which reads the whole
document into memory before returning and cannot follow the redirect to storage safely.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Unpack, overload
from urllib.parse import quote

import anyio
import anyio.to_thread

from .. import _http
from .._errors import APITimeoutError
from .._redirects import follow_redirects
from ._base import Resource, path_id
from ._options import RequestOptions, request_options

if TYPE_CHECKING:
    from .._call import Call

__all__ = ["PDFDownloads", "SignedPDFStream"]

DEFAULT_CHUNK_SIZE = 64 * 1024


class SignedPDFStream:
    """The signed PDF as an async iterator of byte chunks.

    Use ``async with atlas.envelopes.stream_signed_pdf(id) as pdf: async for chunk in pdf: ...``
    (the response is closed on exit), or iterate it directly (closed when exhausted). A
    connection lost mid-download raises APIConnectionError (APITimeoutError for a read timeout).
    Get one from :meth:`Envelopes.stream_signed_pdf`; it is not built directly.
    """

    __slots__ = ("_body", "_chunk_size", "_chunks", "_done", "_opener", "_path", "_timeout")

    _opener: Callable[[], Awaitable[_http.Response]]
    _chunk_size: int
    _path: str
    _timeout: float
    _body: _http.Response | None
    _chunks: _http.BodyReader | None
    _done: bool

    def __init__(self) -> None:
        raise TypeError(
            "SignedPDFStream is not built directly: use atlas.envelopes.stream_signed_pdf(id)"
        )

    @classmethod
    def _create(
        cls,
        opener: Callable[[], Awaitable[_http.Response]],
        chunk_size: int,
        path: str,
        timeout: float,
    ) -> SignedPDFStream:
        self = cls.__new__(cls)
        self._opener = opener
        self._chunk_size = chunk_size
        self._path = path  # for the error message of a failed read
        self._timeout = timeout
        self._body = None
        self._chunks = None
        self._done = False
        return self

    async def _open(self) -> _http.BodyReader:
        if self._chunks is None:
            self._body = await self._opener()
            self._chunks = _http.body_reader(self._body, self._chunk_size)
        return self._chunks

    async def aclose(self) -> None:
        if self._done:
            return
        self._done = True
        if self._chunks is not None:
            await self._chunks.aclose()
        elif self._body is not None:
            await self._body.aclose()

    async def __aenter__(self) -> SignedPDFStream:
        await self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __aiter__(self) -> SignedPDFStream:
        return self

    async def __anext__(self) -> bytes:
        if self._done:
            raise StopAsyncIteration
        chunks = await self._open()
        try:
            # The chunks arrive after the transport returned: map a reset or a read timeout
            # here, with the one mapping, so no HTTP library error reaches the caller. Each
            # chunk must arrive within the timeout, whatever the per-read timeouts allow: a
            # server trickling a byte at a time cannot hold the download open for hours.
            try:
                with anyio.fail_after(self._timeout), _http.map_transport_errors("GET", self._path):
                    return await chunks.__anext__()
            except TimeoutError:
                raise APITimeoutError(
                    f"the signed PDF stalled: no {self._chunk_size}-byte chunk within "
                    f"{self._timeout:g} s",
                    method="GET",
                    url=self._path,
                ) from None
        except BaseException:  # StopAsyncIteration included: the body is done either way
            await self.aclose()
            raise


class PDFDownloads(Resource):
    """The signed-PDF download of ``atlas.envelopes``."""

    __slots__ = ()

    def stream_signed_pdf(
        self,
        envelope_id: str,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        **options: Unpack[RequestOptions],
    ) -> SignedPDFStream:
        """The signed PDF in chunks, without holding it in memory (see SignedPDFStream).

        A 302 to a storage URL on another host is followed without the API key.
        """
        eid = path_id(envelope_id, "envelope_id")
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValueError("chunk_size must be a positive int")
        call = self._call_now("download_signed_pdf", options, envelope_id=eid)
        path = f"/api/envelope/{quote(eid, safe='')}/pdf"

        async def opener() -> _http.Response:
            return await _open_pdf(self, call, path)

        return SignedPDFStream._create(opener, chunk_size, path, call.timeout)

    @overload
    async def download_signed_pdf(
        self, envelope_id: str, **options: Unpack[RequestOptions]
    ) -> bytes: ...

    @overload
    async def download_signed_pdf(
        self, envelope_id: str, path: str | os.PathLike[str], **options: Unpack[RequestOptions]
    ) -> Path: ...

    @request_options
    async def download_signed_pdf(
        self,
        envelope_id: str,
        path: str | os.PathLike[str] | None = None,
        **options: Unpack[RequestOptions],
    ) -> bytes | Path:
        """The signed PDF: as bytes, or streamed to ``path`` and its Path.

        The file appears whole or not at all: it is written to a unique temporary file in the
        same directory and renamed over ``path`` when complete; an error or a cancellation
        removes the temporary file. The file's permissions follow the process umask, as any
        downloader's do.
        """
        if path is None:
            chunks = []
            async with self.stream_signed_pdf(envelope_id) as stream:
                async for chunk in stream:
                    chunks.append(chunk)
            return b"".join(chunks)
        target = Path(os.fspath(path))
        async with self.stream_signed_pdf(envelope_id) as stream:
            fd, name = await anyio.to_thread.run_sync(_partial_file, target)
            partial = anyio.Path(name)
            try:
                async with anyio.wrap_file(os.fdopen(fd, "wb")) as out:
                    async for chunk in stream:
                        await out.write(chunk)
                await partial.replace(target)
            except BaseException:
                with anyio.CancelScope(shield=True):
                    await partial.unlink(missing_ok=True)
                raise
        return target


def _partial_file(target: Path) -> tuple[int, str]:
    """A new temporary file beside ``target`` (same file system, so the final rename is atomic):
    two downloads to one path never write into each other's file. Created 0666 minus the umask
    (the kernel applies it), unlike ``tempfile``'s owner-only files."""
    for _ in range(8):  # 48 random bits: a collision is already a curiosity
        name = str(target.parent / f".{target.name}.{secrets.token_hex(6)}.partial")
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target}")


async def _open_pdf(envelopes: Resource, call: Call, path: str) -> _http.Response:
    transport = envelopes._client._transport
    request = transport.build(call, "GET", path, headers={"Accept": "application/pdf"})
    return await follow_redirects(transport, request, call)
