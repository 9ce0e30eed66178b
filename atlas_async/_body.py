"""Bodies never left half-iterated in a generator: an answer's, read here, decoded and bounded;
a request's in-memory body, sent by a plain iterator (:class:`BytesBody`).

The HTTP library reads a body through a stack of async generators. Stopping half-way (a body
over the size cap, a download the caller leaves early) or failing half-way (a body whose
``Content-Encoding`` lies, which the library would discover inside its own generator) leaves
them suspended for the garbage collector, which trio reports, one warning per generator. So the
SDK takes only the raw bytes from the library and decodes them itself (gzip and deflate, which
is all it asks servers for), and every way out goes through :meth:`BodyReader.aclose`, which
closes the connection under the stack and lets it unwind.

Decoding here also bounds a decompression bomb: each raw chunk is inflated at most up to the
bytes still allowed, never whole.

Going up, the library sends its own in-memory bodies through an async generator too, which a
request cancelled while it writes leaves suspended: the SDK's are :class:`BytesBody`.
"""

from __future__ import annotations

import contextlib
import zlib
from typing import TYPE_CHECKING, Protocol

import anyio

from ._errors import APIConnectionError, ResponseTooLargeError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

    from ._http import Response

__all__ = [
    "ACCEPT_ENCODING",
    "BodyReader",
    "BytesBody",
    "DecodeError",
    "DocumentBody",
    "read_all",
    "read_capped",
]

#: What the SDK asks servers for: encodings it decodes itself, with the standard library.
ACCEPT_ENCODING = "gzip, deflate"


class DecodeError(APIConnectionError):
    """A body that does not decode as its ``Content-Encoding`` says (a corrupt stream)."""


class _Decoder(Protocol):
    def decompress(self, data: bytes, max_length: int = ...) -> bytes: ...

    def flush(self) -> bytes: ...

    @property
    def unconsumed_tail(self) -> bytes: ...


class _Deflate:
    """``deflate`` as servers send it: zlib-wrapped per the RFC, or raw, as some do."""

    def __init__(self) -> None:
        self._inner: zlib._Decompress | None = None

    @property
    def unconsumed_tail(self) -> bytes:
        return self._inner.unconsumed_tail if self._inner is not None else b""

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        if self._inner is None:
            if not data:
                return b""
            wbits = zlib.MAX_WBITS if (data[0] & 0x0F) == 8 else -zlib.MAX_WBITS
            self._inner = zlib.decompressobj(wbits)
        return self._inner.decompress(data, max_length)

    def flush(self) -> bytes:
        return self._inner.flush() if self._inner is not None else b""


def _decoders(content_encoding: str) -> list[_Decoder]:
    """Decoders in the order to apply them (the header lists encodings in the order applied)."""
    found: list[_Decoder] = []
    for token in reversed([t.strip().lower() for t in content_encoding.split(",")]):
        if token in ("gzip", "x-gzip"):
            found.append(zlib.decompressobj(zlib.MAX_WBITS | 16))
        elif token == "deflate":
            found.append(_Deflate())
        # identity, and codings the SDK never asked for, pass through as the library would.
    return found


class BodyReader:
    """The decoded body of a streamed response, in chunks: an async iterator, not a generator.

    ``limit`` (bytes, decoded) raises ``on_limit()`` as soon as it is passed; ``chunk_size``
    re-chunks the output (the last chunk may be shorter). The response is closed when the body
    ends, fails, or :meth:`aclose` is called.
    """

    __slots__ = (
        "_buffer",
        "_chunk_size",
        "_decoders",
        "_done",
        "_limit",
        "_on_limit",
        "_raw",
        "_response",
        "_total",
    )

    def __init__(
        self,
        response: Response,
        *,
        chunk_size: int = 0,
        limit: int = 0,
        on_limit: Callable[[], BaseException] | None = None,
    ) -> None:
        self._response = response
        self._chunk_size = chunk_size
        self._limit = limit
        self._on_limit = on_limit
        self._buffer = bytearray()
        self._total = 0
        self._done = False
        self._raw: AsyncIterator[bytes] | None = None
        self._decoders: list[_Decoder] = []
        if response.is_stream_consumed:
            # Already read (and decoded) by the library: an in-memory answer, from a mock or
            # an in-process transport. Nothing to stream; the limit still applies.
            self._done = True
            self._add(response.content)
        else:
            self._raw = response.aiter_raw()
            self._decoders = _decoders(response.headers.get("content-encoding", ""))

    def __aiter__(self) -> BodyReader:
        return self

    async def __anext__(self) -> bytes:
        try:
            while (
                self._raw is not None
                and not self._done
                and len(self._buffer) < max(self._chunk_size, 1)
            ):
                try:
                    raw = await self._raw.__anext__()
                except StopAsyncIteration:
                    self._done = True
                    self._add(self._flush())
                    break
                self._add(self._decode(raw))
        except BaseException:
            await self.aclose()
            raise
        if not self._buffer:
            await self.aclose()
            raise StopAsyncIteration
        size = self._chunk_size or len(self._buffer)
        chunk = bytes(self._buffer[:size])
        del self._buffer[:size]
        return chunk

    def _room(self) -> int:
        """Decoded bytes still allowed, plus one so that passing the limit is seen (0: any)."""
        return self._limit - self._total + 1 if self._limit else 0

    def _add(self, data: bytes) -> None:
        self._total += len(data)
        if self._limit and self._total > self._limit:
            raise self._over()
        self._buffer += data

    def _over(self) -> BaseException:
        assert self._on_limit is not None
        return self._on_limit()

    def _decode(self, data: bytes) -> bytes:
        try:
            for decoder in self._decoders:
                data = decoder.decompress(data, self._room())
                if decoder.unconsumed_tail:  # stopped at the room left: over the limit
                    raise self._over()
            for decoder in self._decoders if self._done else ():
                data = decoder.decompress(data) + decoder.flush()
        except zlib.error as exc:
            raise DecodeError(
                f"the answer's body does not decode as its Content-Encoding says "
                f"({self._response.headers.get('content-encoding', '')!r}): {exc}"
            ) from None
        return data

    def _flush(self) -> bytes:
        return self._decode(b"") if self._decoders else b""

    async def aclose(self) -> None:
        """Close the response, and unwind the library's readers under it (see the module)."""
        if self._response.is_closed and self._done:
            return
        self._done = True
        await self._response.aclose()
        if self._raw is None:
            return
        with anyio.CancelScope(shield=True), contextlib.suppress(Exception):
            async for _ in self._raw:
                pass


async def read_all(reader: BodyReader) -> bytes:
    """The whole (bounded) body."""
    return b"".join([chunk async for chunk in reader])


async def read_capped(response: Response, max_bytes: int) -> None:
    """Read ``response``'s whole body (as ``aread()`` does), refusing it as soon as it passes
    ``max_bytes`` (ResponseTooLargeError), declared or decoded."""
    headers = response.headers
    declared = headers.get("content-length", "")
    if declared.isdigit():
        if int(declared) > max_bytes:
            raise _too_large(response, max_bytes)
        if "content-encoding" not in headers:
            # Not encoded, and declared within the cap: the HTTP/1.1 parser hands over exactly
            # the declared bytes, so the library's own read is bounded as ours would be, and
            # cheaper (most answers: a small JSON body). Nothing to decode, and a read that
            # fails half-way raises through the library's generators, which closes them.
            await response.aread()
            if len(response.content) > max_bytes:  # an in-process app is held to nothing
                raise _too_large(response, max_bytes)
            return
    reader = BodyReader(response, limit=max_bytes, on_limit=lambda: _too_large(response, max_bytes))
    response._content = await read_all(reader)


def _too_large(response: Response, max_bytes: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"the answer to {response.request.method} {response.request.url.path} is larger than "
        f"{max_bytes} bytes (max_response_bytes); refused while reading",
        status_code=response.status_code,
        limit=max_bytes,
        request_id=response.headers.get("x-request-id"),
    )


class BytesBody:
    """An in-memory request body iterated without a generator.

    The library iterates its own in-memory bodies with an async generator: a request cancelled
    while its body is written leaves it suspended, and trio reports it when it is collected.
    The same bytes through a plain iterator leave nothing to finalise. Library-neutral: a
    library's clients get it as a subclass of their stream types (:func:`bytes_body`).
    """

    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data = data

    def __aiter__(self) -> _OneChunk:
        return _OneChunk(self._data)

    def __iter__(self) -> Iterator[bytes]:
        return iter((self._data,))


class DocumentBody:
    """A request body that reads documents as it streams (``_multipart.MultipartBody``).

    The transport and the seam know such a body by this base: whether a retry may send it again
    (``rewindable``), why reading a document failed mid-body (``failure``), and :meth:`aclose`
    once the call is over. (The multipart module itself then loads with the first upload, not
    on the way to the first ``Atlas()``.)
    """

    __slots__ = ()
    rewindable: bool
    failure: BaseException | None

    async def aclose(self) -> None:
        """Drop the body's references to the documents; it refuses further use."""
        raise NotImplementedError


class _OneChunk:
    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data: bytes | None = data

    def __aiter__(self) -> _OneChunk:
        return self

    async def __anext__(self) -> bytes:
        if self._data is None:
            raise StopAsyncIteration
        data, self._data = self._data, None
        return data
