"""multipart/form-data request bodies: streamed, read off the event loop, never a generator.

httpx encodes ``files=`` as its ``MultipartStream``, whose ``__aiter__`` is an async generator
that reads the file synchronously on the event loop. When an upload is cancelled mid-body, the
connection (or an ASGI transport) drops that generator unclosed and trio reports it when the
garbage collector finalises it. :class:`MultipartBody` replaces it for every multipart call the
generated endpoints make (``Transport.build`` swaps it in for their ``files=``):

* iteration is a plain object with ``__anext__``: dropping it mid-body leaves nothing to finalise;
* small pieces (part headers, fields, delimiters) go out together in chunks of about 64 KiB, not
  one socket write each;
* file chunks (64 KiB) are read in a worker thread (``anyio.to_thread.run_sync``); in-memory
  buffers are read inline, as that cannot block;
* a seekable file is rewound to where it started for each send (a retry re-sends the same
  bytes) and announced with a Content-Length; a non-seekable one is sent chunked, once:
  ``rewindable`` is False and a second iteration raises rather than send a truncated body;
* the boundary is random per body, so no document can contain it (the generated code hard-codes
  ``+++``, which a binary PDF may well contain after a CRLF).

The body does not close the files it reads: whoever opened them does (``PreparedDocument.close``
in the resource's ``finally``), which runs when the request ends, including on cancellation. A
read in progress then is waited for (a worker thread is never abandoned), so a file is never
closed under a read. :meth:`MultipartBody.aclose` drops the references and refuses further use.
"""

from __future__ import annotations

import io
import mimetypes
import os
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, BinaryIO

from ._body import DocumentBody
from ._errors import InvalidDocumentError

__all__ = ["CHUNK_SIZE", "MultipartBody"]

CHUNK_SIZE = 64 * 1024

# The HTML5 form encoding of names and filenames in Content-Disposition (as browsers and httpx).
_ESCAPES = {'"': "%22", "\\": "\\\\"} | {chr(c): f"%{c:02X}" for c in range(0x20) if c != 0x1B}
# A pattern: `re` compiles (and caches) it at the first upload, not when the client is built.
_ESCAPE = "|".join(re.escape(c) for c in _ESCAPES)


def _param(name: str, value: str) -> str:
    return f'{name}="{re.sub(_ESCAPE, lambda m: _ESCAPES[m.group(0)], value)}"'


class _FilePart:
    """A file's bytes inside the body: from ``start``, ``length`` bytes (None: to the end)."""

    # A plain class, not a dataclass: a dataclass costs most of a millisecond to define (see
    # _frozen), on the way to the first upload.
    __slots__ = ("file", "in_memory", "length", "start")

    def __init__(
        self, file: BinaryIO, start: int | None, length: int | None, in_memory: bool
    ) -> None:
        self.file = file
        self.start = start  # None: not seekable
        self.length = length
        self.in_memory = in_memory


_Segment = bytes | _FilePart


def _file_part(fileobj: BinaryIO) -> _FilePart:
    if isinstance(fileobj, io.TextIOBase):
        raise TypeError("multipart files must be opened in binary mode")
    in_memory = isinstance(fileobj, io.BytesIO)
    try:
        seekable = bool(fileobj.seekable())
    except (AttributeError, ValueError, OSError):
        seekable = False
    if not seekable:
        return _FilePart(fileobj, None, None, in_memory)
    # Seeking to the end and back reads nothing: it is cheap even on the event loop.
    start = fileobj.tell()
    end = fileobj.seek(0, os.SEEK_END)
    fileobj.seek(start)
    return _FilePart(fileobj, start, end - start, in_memory)


def _part(name: str, value: Any) -> list[_Segment]:
    """The headers and content of one field, from httpx's ``files=`` tuple forms."""
    if not isinstance(value, tuple) or not 2 <= len(value) <= 4:
        raise TypeError(
            f"multipart field {name!r}: expected (filename, content[, type]), got {value!r}"
        )
    filename, content = value[0], value[1]
    content_type = value[2] if len(value) > 2 else None
    extra: Mapping[str, str] = value[3] if len(value) > 3 else {}
    if content_type is None and filename:
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    head = f"Content-Disposition: form-data; {_param('name', name)}"
    if filename:
        head += f"; {_param('filename', filename)}"
    if content_type is not None and not any(k.lower() == "content-type" for k in extra):
        head += f"\r\nContent-Type: {content_type}"
    for key, header in extra.items():
        head += f"\r\n{key}: {header}"
    segments: list[_Segment] = [head.encode() + b"\r\n\r\n"]
    if isinstance(content, str):
        segments.append(content.encode())
    elif isinstance(content, bytes | bytearray | memoryview):
        segments.append(bytes(content))
    elif hasattr(content, "read"):
        segments.append(_file_part(content))
    else:
        raise TypeError(f"multipart field {name!r}: unsupported content {type(content).__name__}")
    return segments


class MultipartBody(DocumentBody):
    """A ``multipart/form-data`` body for ``files`` (httpx's ``files=`` list or mapping).

    Library-neutral: a library's clients get it as a subclass of their stream types
    (``_http.streaming``)."""

    def __init__(self, files: Iterable[tuple[str, Any]] | Mapping[str, Any]) -> None:
        items = files.items() if isinstance(files, Mapping) else files
        self.boundary = secrets.token_hex(16)
        delimiter = f"--{self.boundary}\r\n".encode()
        segments: list[_Segment] = []
        for name, value in items:
            segments.append(delimiter)
            segments.extend(_part(name, value))
            segments.append(b"\r\n")
        segments.append(f"--{self.boundary}--\r\n".encode())
        self._segments: list[_Segment] | None = segments
        files_in = [s for s in segments if isinstance(s, _FilePart)]
        self.rewindable = all(f.start is not None for f in files_in)
        self.content_length: int | None = None
        if self.rewindable:
            self.content_length = sum(
                len(s) if isinstance(s, bytes) else (s.length or 0) for s in segments
            )
        self._sent = False
        #: Why reading the document failed mid-body (too large, say), if it did: whatever the
        #: transport then saw (an in-process server may answer 400 to the cut body), this is
        #: the error the caller gets.
        self.failure: InvalidDocumentError | None = None

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __aiter__(self) -> _Reader:
        if self._segments is None:
            raise RuntimeError("this upload body is closed")
        if self._sent and not self.rewindable:
            # The transport never retries such a body; this guards the rule itself.
            raise RuntimeError("a non-rewindable upload body cannot be sent twice")
        self._sent = True
        return _Reader(self._segments, self)

    def __iter__(self) -> Iterator[bytes]:
        """The same bytes for a synchronous reader (``Request.read()`` in a hook or a test)."""
        reader = self.__aiter__()
        for segment in reader._segments:
            if isinstance(segment, bytes):
                yield segment
                continue
            if segment.start is not None:
                segment.file.seek(segment.start)
            remaining = segment.length
            while remaining != 0:
                chunk = segment.file.read(
                    CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining)
                )
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield bytes(chunk)

    async def aclose(self) -> None:
        self._segments = None  # see DocumentBody.aclose


class _Reader:
    """One pass over a body's segments. A plain iterator: nothing to finalise if dropped.

    Pieces are coalesced into chunks of about :data:`CHUNK_SIZE`: a part's headers, a small
    field and a delimiter are a few dozen bytes each, and written one by one each costs a socket
    send here and, as its own TCP segment, a receive and a parser step on the server (the
    emulator spent 40 % more CPU on a 13-write create than on the same bytes in one write).
    A chunk ends once it reaches ``CHUNK_SIZE``, so it exceeds it by one piece at most (a file
    read is at most ``CHUNK_SIZE``; a field given as bytes is whatever size it is).
    """

    __slots__ = ("_body", "_index", "_remaining", "_segments", "_started")

    def __init__(self, segments: list[_Segment], body: MultipartBody) -> None:
        self._segments = segments
        self._body = body
        self._index = 0
        self._started = False
        self._remaining: int | None = None

    def __aiter__(self) -> _Reader:
        return self

    async def __anext__(self) -> bytes:
        pieces: list[bytes] = []
        size = 0
        while size < CHUNK_SIZE:
            piece = await self._next_piece()
            if piece is None:
                break
            pieces.append(piece)
            size += len(piece)
        if not pieces:
            raise StopAsyncIteration
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    async def _next_piece(self) -> bytes | None:
        """The next bytes of the body (a segment, or one read of a file), None at its end."""
        while self._index < len(self._segments):
            segment = self._segments[self._index]
            if isinstance(segment, bytes):
                self._index += 1
                return segment
            first = not self._started
            if first:
                self._started = True
                self._remaining = segment.length
            if self._remaining != 0:
                try:
                    chunk = await self._read(segment, first)
                except InvalidDocumentError as exc:
                    self._body.failure = exc
                    raise
                if chunk:
                    return chunk
            self._index += 1
            self._started = False
        return None

    async def _read(self, part: _FilePart, first: bool) -> bytes:
        size = CHUNK_SIZE if self._remaining is None else min(CHUNK_SIZE, self._remaining)

        def read() -> bytes:
            if first and part.start is not None:
                part.file.seek(part.start)  # a retry re-sends from where the file started
            data = part.file.read(size)
            if not isinstance(data, bytes | bytearray):
                raise TypeError("multipart files must be opened in binary mode")
            return bytes(data)

        if part.in_memory:
            chunk = read()
        else:
            import anyio.to_thread  # here, not at import: only file uploads need a worker thread

            chunk = await anyio.to_thread.run_sync(read)
        if self._remaining is not None:
            if not chunk:
                raise OSError(
                    f"the file ended {self._remaining} bytes early: it changed during the upload"
                )
            self._remaining -= len(chunk)
        return chunk
