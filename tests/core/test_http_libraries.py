"""httpx or httpx2: the client the user hands in decides; the SDK's own client follows
``ATLAS_HTTP_LIBRARY``, else httpx.

These run whatever library the rest of the run is on: each test names the libraries it uses. The
whole client suite runs on httpx2 as well (``make test``: ``ATLAS_HTTP_LIBRARY=httpx2``).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import httpx2
import pytest

from atlas_async import APIConnectionError, Atlas, Party, RetryPolicy
from atlas_async.samples import SAMPLE_PDF
from atlas_async.testing import FakeAtlas

pytestmark = pytest.mark.anyio

PARTIES = [Party(email="jane@example.com", name="Jane Doe", role="Customer")]
NO_WAIT = RetryPolicy(max_retries=2, initial_delay=0.0, max_delay=0.0)
LIBRARIES = {"httpx": httpx, "httpx2": httpx2}


@pytest.fixture
def fake() -> FakeAtlas:
    return FakeAtlas(detection_delay=0.0, pdf_redirect=True)


@pytest.fixture
async def clients(fake: FakeAtlas) -> AsyncIterator[dict[str, Atlas]]:
    """One Atlas per library, each on a client of that library, on the same emulator."""
    made = {name: lib.AsyncClient(transport=fake.transport()) for name, lib in LIBRARIES.items()}
    yield {
        name: Atlas(fake.api_key, base_url=fake.base_url, http_client=http, retry=NO_WAIT)
        for name, http in made.items()
    }
    for http in made.values():
        await http.aclose()


@pytest.mark.parametrize("name", ["httpx", "httpx2"])
async def test_the_signing_flow_on_a_handed_in_client(
    clients: dict[str, Atlas], fake: FakeAtlas, name: str, tmp_path: Path
) -> None:
    # Multipart upload, JSON bodies, a replayed POST after a lost answer, the redirect to storage
    # (a request built without the client), and a streamed download: all on `name`'s client.
    atlas = clients[name]
    document = tmp_path / "contract.pdf"
    document.write_bytes(SAMPLE_PDF.read_bytes())
    created = await atlas.envelopes.create(document, parties=PARTIES)
    await atlas.envelopes.wait_for_fields(created.envelope_id)
    fake.faults.add("drop_after", "POST /api/envelope/{id}/send", count=1)
    sent = await atlas.envelopes.send(created.envelope_id)
    assert sent.envelope_id == created.envelope_id
    await fake.sign(created.envelope_id)
    pdf = await atlas.envelopes.download_signed_pdf(created.envelope_id)
    assert pdf == fake.signed_pdf(created.envelope_id)
    assert fake.leaked_credentials == []


async def test_on_httpx2_no_httpx_object_is_ever_made(
    clients: dict[str, Atlas], fake: FakeAtlas, monkeypatch: pytest.MonkeyPatch
) -> None:
    # httpx stays installed (the generated layer imports it for its type hints), but a call on
    # an httpx2 client builds nothing of httpx's: not a request, a response, a URL or a client.
    atlas = clients["httpx2"]
    created = await atlas.envelopes.create(SAMPLE_PDF, parties=PARTIES)
    await atlas.envelopes.wait_for_fields(created.envelope_id)
    await atlas.envelopes.send(created.envelope_id)
    await fake.sign(created.envelope_id)

    def refuse(self: object, *args: object, **kwargs: object) -> None:
        raise AssertionError(f"an {type(self).__module__}.{type(self).__name__} was made")

    for cls in (httpx.AsyncClient, httpx.Request, httpx.Response, httpx.URL, httpx.Headers):
        monkeypatch.setattr(cls, "__init__", refuse)
    got = await atlas.envelopes.get(created.envelope_id)
    assert got.status == "signed"
    page = await atlas.envelopes.list(limit=1)
    assert len(page.items) == 1
    pdf = await atlas.envelopes.download_signed_pdf(created.envelope_id)  # the redirect too
    assert pdf == fake.signed_pdf(created.envelope_id)


@pytest.mark.parametrize("name", ["httpx", "httpx2"])
async def test_a_dropped_connection_is_the_sdks_error_on_either_library(
    clients: dict[str, Atlas], fake: FakeAtlas, name: str
) -> None:
    atlas = clients[name].with_options(max_retries=0)
    fake.faults.add("drop_before", "GET /api/envelopes", count=1)
    with pytest.raises(APIConnectionError) as info:
        await atlas.envelopes.list()
    # The emulator raised the client library's own error, which the SDK mapped.
    assert type(info.value.__cause__).__module__ == name


async def test_both_libraries_in_one_process(clients: dict[str, Atlas]) -> None:
    pages: list[int] = []

    async def first_page(atlas: Atlas) -> None:
        pages.append(len((await atlas.envelopes.list()).items))

    async with anyio.create_task_group() as tg:
        for atlas in clients.values():
            tg.start_soon(first_page, atlas)
    assert pages == [0, 0]


def test_only_an_httpx_or_httpx2_client_is_accepted() -> None:
    with pytest.raises(TypeError, match=r"httpx\.AsyncClient or an httpx2\.AsyncClient, got"):
        Atlas("k", http_client=object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"got httpx2\.Client"):
        Atlas("k", http_client=httpx2.Client())  # type: ignore[arg-type]


def _fresh(code: str, env: dict[str, str]) -> str:
    """What ``code`` prints in a fresh interpreter with only ``env`` (and PATH) set."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _own_client(env: dict[str, str]) -> str:
    """The library of the client ``Atlas()`` makes for itself, in a fresh interpreter."""
    code = (
        "import sys\n"
        "from atlas_async import Atlas\n"
        "atlas = Atlas('k')\n"
        "http = atlas._transport.http\n"
        "print(type(http).__module__, atlas._transport.user_agent.rsplit(' ', 1)[-1])\n"
        "print(sorted(m for m in ('httpx', 'httpx2') if m in sys.modules))\n"
    )
    return _fresh(code, env)


def test_the_sdks_own_client_is_httpx_unless_asked() -> None:
    # httpx2 is installed here, and still not imported: the SDK does not move onto it unasked.
    out = _own_client({})
    assert out.splitlines() == [f"httpx httpx/{httpx.__version__}", "['httpx']"]


def test_atlas_http_library_moves_the_sdks_own_client_onto_httpx2() -> None:
    out = _own_client({"ATLAS_HTTP_LIBRARY": "httpx2"})
    assert out.splitlines()[0] == f"httpx2 httpx2/{httpx2.__version__}"


def test_asking_for_httpx2_without_it_names_the_extra() -> None:
    # A fresh interpreter where importing httpx2 fails, as where it is not installed.
    code = (
        "import sys\n"
        "sys.modules['httpx2'] = None\n"
        "from atlas_async import Atlas\n"
        "try:\n"
        "    Atlas('k')\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = _fresh(code, {"ATLAS_HTTP_LIBRARY": "httpx2"})
    assert out.strip() == (
        "the HTTP library 'httpx2' is not installed: pip install 'atlas-async[httpx2]'"
    )


def test_an_unknown_library_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATLAS_HTTP_LIBRARY", "requests")
    with pytest.raises(ValueError, match=r"ATLAS_HTTP_LIBRARY=.requests..*httpx or httpx2"):
        Atlas("k")
