"""Documents going up: what users may pass, how we know it is a PDF or a DOCX, how it is streamed.

A document is judged by its bytes, never by its name: ``%PDF-`` in the first KiB is a PDF; a zip
whose entries include ``[Content_Types].xml`` and ``word/`` is a DOCX. Anything else raises
:class:`InvalidDocumentError` before a request is made.

Nothing is read whole into memory when it does not have to be: a path is opened and streamed in
64 KiB chunks read in a worker thread (``_multipart.MultipartBody``; the zip check reads only the
central directory at the end), a seekable file object likewise. A non-seekable stream is sniffed
from its first 64 KiB and sent once, as a stream; such a body cannot be replayed, so the
transport never retries it. Whatever this module opens, ``PreparedDocument.close`` closes when
the call ends, cancelled or not.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

import anyio.to_thread

from ._errors import InvalidDocumentError

__all__ = [
    "DOCX_MIME",
    "MAX_DOCUMENT_BYTES",
    "PDF_MIME",
    "DocumentSource",
    "DocumentURL",
    "PreparedDocument",
    "prepare_document",
    "sniff",
]

PDF_MIME = "application/pdf"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_DOCUMENT_BYTES = 25 * 1024 * 1024  # Atlas answers 413 above this; say so before uploading
_HEAD = 64 * 1024

Kind = Literal["pdf", "docx"]


@dataclass(frozen=True, slots=True)
class DocumentURL:
    """A document Atlas fetches itself: ``envelopes.create(DocumentURL("https://..."), ...)``."""

    url: str

    def __post_init__(self) -> None:
        if not isinstance(self.url, str) or not self.url.startswith(("https://", "http://")):
            raise ValueError(f"DocumentURL needs an http(s) URL, got {self.url!r}")


DocumentSource = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO | DocumentURL


def _sniff_head(head: bytes) -> Kind | None:
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") and b"[Content_Types].xml" in head and b"word/" in head:
        return "docx"
    return None


def _sniff_seekable(fileobj: BinaryIO) -> Kind | None:
    """Sniff a seekable binary file positioned at 0, and leave it at 0."""
    head = fileobj.read(1024)
    kind: Kind | None = None
    if b"%PDF-" in head:
        kind = "pdf"
    elif head.startswith(b"PK\x03\x04"):
        fileobj.seek(0)
        try:
            # Reads the central directory at the end of the file, not the whole file.
            with zipfile.ZipFile(fileobj) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            names = []
        if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
            kind = "docx"
    fileobj.seek(0)
    return kind


def sniff(data: bytes) -> Kind | None:
    """``"pdf"``, ``"docx"`` or None for a document held in memory."""
    return _sniff_seekable(io.BytesIO(data))


@dataclass(slots=True)
class PreparedDocument:
    """A checked document ready for a multipart upload; ``close()`` it when the request is done."""

    kind: Kind
    filename: str
    payload: BinaryIO
    rewindable: bool
    owned: bool  # we opened it, so we close it

    @property
    def mime_type(self) -> str:
        return PDF_MIME if self.kind == "pdf" else DOCX_MIME

    def close(self) -> None:
        if self.owned:
            self.payload.close()


class _Chained(io.RawIOBase):
    """The already-read head of a non-seekable stream followed by the rest of it, refused as
    soon as it would pass the size limit: the bytes past it are never handed to the upload, so
    the request is cut short and Atlas creates nothing."""

    def __init__(self, head: bytes, rest: BinaryIO, limit: int = MAX_DOCUMENT_BYTES) -> None:
        self._head = memoryview(head)
        self._rest = rest
        self._limit = limit
        self._count = len(head)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        chunk = self._rest.read(len(buffer))
        self._count += len(chunk)
        if self._count > self._limit:
            raise _too_large(f"the stream is more than {self._limit} bytes")
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _too_large(what: str) -> InvalidDocumentError:
    return InvalidDocumentError(f"{what}; Atlas accepts documents up to {MAX_DOCUMENT_BYTES} bytes")


def _remaining(fileobj: BinaryIO) -> int:
    """Bytes from the position of a seekable file to its end (seeking reads nothing)."""
    start = fileobj.tell()
    end = fileobj.seek(0, os.SEEK_END)
    fileobj.seek(start)
    return end - start


def _invalid(what: str) -> InvalidDocumentError:
    return InvalidDocumentError(
        f"{what} is neither a PDF nor a DOCX (checked by its bytes); Atlas accepts only those"
    )


def _default_name(kind: Kind) -> str:
    return f"document.{kind}"


def _open_path(path: Path) -> PreparedDocument:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        hint = ""
        if str(path).startswith(("http:/", "https:/")):
            hint = "; to let Atlas fetch a URL, pass DocumentURL(url)"
        raise InvalidDocumentError(f"no such file: {str(path)!r}{hint}") from None
    except OSError as exc:
        raise InvalidDocumentError(f"cannot read {str(path)!r}: {exc.strerror}") from None
    if not path.is_file():
        raise InvalidDocumentError(f"not a regular file: {str(path)!r}")
    if size > MAX_DOCUMENT_BYTES:
        raise _too_large(f"{path.name} is {size} bytes")
    fileobj = path.open("rb")
    try:
        kind = _sniff_seekable(fileobj)
    except BaseException:
        fileobj.close()
        raise
    if kind is None:
        fileobj.close()
        raise _invalid(repr(path.name))
    return PreparedDocument(kind, path.name, fileobj, rewindable=True, owned=True)


def _prepare_fileobj(fileobj: BinaryIO, filename: str | None) -> PreparedDocument:
    name = filename or os.path.basename(str(getattr(fileobj, "name", "") or "")) or None
    seekable = False
    try:
        seekable = bool(fileobj.seekable())
    except (AttributeError, ValueError):
        seekable = False
    if seekable and (size := _remaining(fileobj)) > MAX_DOCUMENT_BYTES:
        raise _too_large(f"the file object holds {size} bytes")
    if seekable and fileobj.tell() == 0:
        kind = _sniff_seekable(fileobj)
        if kind is None:
            raise _invalid("the file object")
        return PreparedDocument(
            kind, name or _default_name(kind), fileobj, rewindable=True, owned=False
        )
    head = fileobj.read(_HEAD)
    if not isinstance(head, bytes | bytearray):
        raise InvalidDocumentError("the file object must be opened in binary mode ('rb')")
    kind = _sniff_head(bytes(head))
    if kind is None:
        raise _invalid("the stream")
    stream = io.BufferedReader(_Chained(bytes(head), fileobj))
    # The upload body rewinds seekable files before each send; a stream it cannot rewind must
    # therefore never be sent twice.
    return PreparedDocument(kind, name or _default_name(kind), stream, rewindable=False, owned=True)


async def prepare_document(
    source: DocumentSource, *, filename: str | None = None
) -> PreparedDocument:
    """Check ``source`` and open it for upload; raises InvalidDocumentError before any request."""
    if isinstance(source, DocumentURL):
        raise TypeError("a DocumentURL is sent by URL, not uploaded")
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if len(data) > MAX_DOCUMENT_BYTES:
            raise _too_large(f"the document is {len(data)} bytes")
        kind = sniff(data)
        if kind is None:
            raise _invalid("the bytes given")
        return PreparedDocument(
            kind, filename or _default_name(kind), io.BytesIO(data), rewindable=True, owned=True
        )
    if isinstance(source, str | os.PathLike):
        path = Path(os.fspath(source))
        # stat + open + the zip directory read are blocking calls: keep them off the event loop.
        prepared = await anyio.to_thread.run_sync(_open_path, path)
        if filename:
            prepared.filename = filename
        return prepared
    if hasattr(source, "read"):
        return await anyio.to_thread.run_sync(_prepare_fileobj, source, filename)
    raise TypeError(
        "document must be a path, bytes, a binary file object or a DocumentURL, "
        f"got {type(source).__name__}"
    )
