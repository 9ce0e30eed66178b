"""The SDK's own clients share one TLS context (``atlas_async._tls``): built once per library and
trust setting rather than once per client, and still the context the library would have built,
``SSL_CERT_FILE`` honoured and a change to it followed. Checked against a real HTTPS server on
127.0.0.1 whose certificate a test authority (trustme) signed."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import trustme

from atlas_async import APIConnectionError, Atlas, _http

from .._support.raw_server import Request, Served, response, serve
from .._support.tls import count_contexts

pytestmark = pytest.mark.anyio

KEY = "atlas_live_tls_tests_key"
ENV_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
STATUS = {"status": "pending", "signed_count": 0, "total": 1}


def answer(_: Request) -> bytes:
    return response(200, json.dumps(STATUS).encode(), {"Content-Type": "application/json"})


@contextmanager
def https_server(authority: trustme.CA) -> Iterator[Served]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    with serve(answer, tls=context) as served:
        yield served


def pem(authority: trustme.CA, path: Path) -> str:
    authority.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def trust(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return monkeypatch


async def test_the_shared_context_trusts_what_ssl_cert_file_names_as_it_changes(
    tmp_path: Path, trust: pytest.MonkeyPatch
) -> None:
    ours, stranger = trustme.CA(), trustme.CA()
    ours_file, stranger_file = pem(ours, tmp_path / "ours.pem"), pem(stranger, tmp_path / "x.pem")
    with https_server(ours) as server:
        for trusted, accepted in ((ours_file, True), (stranger_file, False), (ours_file, True)):
            trust.setenv("SSL_CERT_FILE", trusted)
            async with Atlas(KEY, base_url=server.url, max_retries=0) as atlas:
                if accepted:
                    assert (await atlas.envelopes.status(ENV_ID)).status == "pending"
                else:  # a client made after the change trusts the new file, not a cached context
                    refused = "TLS certificate verification failed: unable to get local issuer"
                    with pytest.raises(APIConnectionError, match=refused):
                        await atlas.envelopes.status(ENV_ID)
    # The refused client never got to send its request.
    assert len(server.requests) == 2


async def test_the_sdks_own_clients_build_one_context_between_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = count_contexts(_http.default_library().module, monkeypatch, tmp_path)
    clients = [Atlas(KEY, base_url=f"https://tenant{i}.atlas.test") for i in range(20)]
    clients.append(clients[0].for_account("ext_acme"))  # a copy makes no client at all
    for atlas in clients:
        await atlas.aclose()
    # Each used to parse the whole bundle (30 to 55 ms and 0.8 MB a client: docs/guide/client.md).
    assert len(built) == 1
