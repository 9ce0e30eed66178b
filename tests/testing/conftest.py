"""Fixtures for the emulator's tests: a FakeAtlas on a manual clock and a client bound to it."""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import AsyncIterator

import httpx
import pytest

from atlas_async.testing import FakeAtlas, ManualClock
from atlas_async.testing._documents import render_pdf

PDF = render_pdf([["Master services agreement", "", "Sign below."]], title="MSA")


def make_docx(text: str = "Hello from a DOCX") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr(
            "word/document.xml",
            f"<w:document><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>",
        )
    return buf.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


PARTIES = [
    {"email": "ann@example.com", "name": "Ann Lee", "role": "Customer"},
    {"email": "bob@example.com", "name": "Bob Ray", "role": "Vendor"},
]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=1_800_000_000.0)


@pytest.fixture
def fake(clock: ManualClock) -> FakeAtlas:
    return FakeAtlas(clock=clock, detection_delay=2.0)


@pytest.fixture
async def client(fake: FakeAtlas) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=fake.transport(),
        base_url=fake.base_url,
        headers={"Authorization": f"Bearer {fake.api_key}"},
    ) as c:
        yield c


async def create_ready(
    client: httpx.AsyncClient, fake: FakeAtlas, parties: list[dict[str, str]] | None = None
) -> str:
    """A draft whose detection has finished (the manual clock moved past the delay)."""
    r = await client.post(
        "/api/envelope", json={"document": b64(PDF), "parties": parties or PARTIES}
    )
    assert r.status_code == 201, r.text
    fake.advance(5)
    return str(r.json()["envelope_id"])
