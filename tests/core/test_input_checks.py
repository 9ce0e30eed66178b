"""Careless input is refused before a byte is sent, by the same rules the server applies.

* A document over 25 MB, as a path, bytes, or a file object (seekable: by its size up front;
  not seekable: counted while streaming, cut before the limit): InvalidDocumentError, and
  nothing is created.
* Parties: an email Atlas would refuse (``jane@``, ``@example.com``, ``jane doe@example.com``,
  ``jane@@example.com``) or two parties sharing an ``order``: ValueError before any request, and
  the CLI's ``--signer`` parser applies the same rule.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from atlas_async import Atlas, InvalidDocumentError, Party
from atlas_async._documents import MAX_DOCUMENT_BYTES
from atlas_async.bulk import parse_signer
from atlas_async.samples import SAMPLE_PDF
from atlas_async.testing import FakeAtlas

from .._support.http import httpx
from .._support.mock_api import Recorder, make

pytestmark = pytest.mark.anyio

PDF = SAMPLE_PDF.read_bytes()
TOO_BIG = MAX_DOCUMENT_BYTES + 1


class Unseekable(io.RawIOBase):
    """A stream of ``size`` bytes of a PDF that cannot seek (a pipe, a socket)."""

    def __init__(self, size: int) -> None:
        self._left = size
        self._head = PDF
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self._left)
        chunk = (self._head[:n] if self._head else b"") + b" " * max(0, n - len(self._head))
        self._head = self._head[n:]
        buffer[:n] = chunk[:n]
        self._left -= n
        self.read_bytes += n
        return n


def client(fake: FakeAtlas) -> Atlas:
    http = httpx.AsyncClient(transport=fake.transport())
    return Atlas(fake.api_key, base_url=fake.base_url, http_client=http)


async def test_a_seekable_file_over_the_limit_is_refused_before_sending() -> None:
    fake = FakeAtlas()
    big = io.BytesIO(PDF + b" " * (TOO_BIG - len(PDF)))
    async with client(fake) as atlas:
        with pytest.raises(InvalidDocumentError, match="accepts documents up to"):
            await atlas.envelopes.create(big)
    assert fake.requests == []
    assert big.tell() == 0  # only its size was looked at


async def test_an_unseekable_stream_over_the_limit_is_cut_before_the_limit() -> None:
    fake = FakeAtlas()
    stream = Unseekable(MAX_DOCUMENT_BYTES + 5 * 1024 * 1024)
    async with client(fake) as atlas:
        with pytest.raises(InvalidDocumentError, match="accepts documents up to"):
            await atlas.envelopes.create(io.BufferedReader(stream))
    assert stream.read_bytes <= MAX_DOCUMENT_BYTES + 128 * 1024  # stopped at the limit
    assert fake.envelopes() == []  # nothing was created


async def test_an_unseekable_stream_over_the_limit_creates_nothing_over_a_socket() -> None:
    fake = FakeAtlas()
    stream = Unseekable(MAX_DOCUMENT_BYTES + 1024 * 1024)
    async with fake.serve() as url, Atlas(fake.api_key, base_url=url) as atlas:
        with pytest.raises(InvalidDocumentError):
            await atlas.envelopes.create(io.BufferedReader(stream))
    assert fake.envelopes() == []


async def test_a_stream_within_the_limit_still_goes_through() -> None:
    fake = FakeAtlas()
    async with client(fake) as atlas:
        created = await atlas.envelopes.create(io.BufferedReader(Unseekable(len(PDF) + 1000)))
    assert created.envelope_id


@pytest.mark.parametrize(
    "email", ["jane@", "@example.com", "jane doe@example.com", "jane@@example.com", "jane@example"]
)
async def test_an_email_atlas_refuses_is_refused_first(email: str) -> None:
    fake = FakeAtlas()
    async with client(fake) as atlas:
        with pytest.raises(ValueError, match="email"):
            await atlas.envelopes.create(
                PDF, parties=[Party(email=email, name="Jane", role="Signer")]
            )
    assert fake.requests == []
    with pytest.raises(ValueError, match="email"):
        parse_signer(f"{email}:Jane:Signer")  # the CLI's --signer: the same rule


async def test_two_parties_sharing_an_order_are_refused_first() -> None:
    fake = FakeAtlas()
    parties = [
        Party(email="a@example.com", name="A", role="Buyer", order=1),
        Party(email="b@example.com", name="B", role="Seller", order=1),
    ]
    async with client(fake) as atlas:
        with pytest.raises(ValueError, match="order"):
            await atlas.envelopes.create(PDF, parties=parties)
    assert fake.requests == []


async def test_what_the_sdk_accepts_the_emulator_accepts() -> None:
    fake = FakeAtlas()
    parties = [
        Party(email="o'brien+tag@mail.example.co.uk", name="A", role="Buyer", order=2),
        Party(email="b@example.com", name="B", role="Seller", order=1),
    ]
    async with client(fake) as atlas:
        created = await atlas.envelopes.create(PDF, parties=parties)
    assert created.envelope_id


async def test_bad_input_fails_before_any_request() -> None:
    rec = Recorder(httpx.Response(500))
    atlas = make(rec)
    pdf = b"%PDF-1.4\n"
    with pytest.raises(ValueError, match="template_id"):
        await atlas.envelopes.create(pdf, template_id="tmpl_1")
    with pytest.raises(ValueError, match="party"):
        await atlas.envelopes.create(pdf, parties=[{"email": "a@x.io", "name": "", "role": "r"}])
    with pytest.raises(ValueError, match="at least one party"):
        await atlas.envelopes.create_and_send(pdf, parties=[])
    with pytest.raises(ValueError, match="at least one party"):
        await atlas.templates.send("tmpl_1", parties=[])
    with pytest.raises(ValueError, match="at least one party"):
        await atlas.envelopes.create(pdf, parties=[])
    with pytest.raises(ValueError, match="each party needs its own email"):
        await atlas.envelopes.create(
            pdf, parties=[{"email": "a@x.io", "name": "A", "role": "r"}] * 2
        )
    with pytest.raises(ValueError, match="limit"):
        atlas.envelopes.list(limit=500)
    with pytest.raises(ValueError, match="envelope_id"):
        await atlas.envelopes.get("..")  # would leave its path segment
    assert rec.requests == []
