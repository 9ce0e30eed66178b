"""pull: fetch from a local server, normalise, report, write; fail in one line and touch nothing."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from codegen._pull import PUBLIC_SPEC_URL, default_url
from codegen._spec import dump_spec

Run = Callable[..., Any]  # the `run` fixture from conftest.py


class _Server:
    """A 127.0.0.1 HTTP server answering every GET with one configurable response."""

    def __init__(self) -> None:
        self.status = 200
        self.body = b""
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append(self.path)
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()
        thread.join()


def _live_spec(project: Path) -> dict[str, Any]:
    """The vendored spec with changes the live API might have made."""
    doc: dict[str, Any] = json.loads((project / "openapi.json").read_text())
    schemas = doc["components"]["schemas"]
    schemas["Envelope"]["properties"]["archived_at"] = {"type": ["string", "null"]}
    schemas["EnvelopeStatus"]["enum"].remove("voided")
    return doc


def test_pull_writes_a_normalised_spec_and_prints_the_change_report(
    project: Path, run: Run, server: _Server
) -> None:
    live = _live_spec(project)
    server.body = json.dumps(live, separators=(",", ":")).encode()  # compact, server key order

    result = run("--root", project, "pull", "--url", f"{server.url}/openapi.json")

    assert result.code == 0, result.err
    assert server.requests == ["/openapi.json"]
    written = (project / "openapi.json").read_text(encoding="utf-8")
    assert written == dump_spec(live)
    assert "1 breaking, 1 non-breaking" in result.out
    assert "- enum value removed: EnvelopeStatus (voided) [assumption]" in result.out
    assert "+ property added: Envelope.archived_at (optional)" in result.out
    assert "wrote openapi.json" in result.out


def test_pull_of_an_identical_spec_reports_no_changes(
    project: Path, run: Run, server: _Server
) -> None:
    before = (project / "openapi.json").read_bytes()
    server.body = before
    result = run("--root", project, "pull", "--url", server.url + "/openapi.json")
    assert result.code == 0
    assert "no API changes" in result.out
    assert "unchanged" in result.out
    assert (project / "openapi.json").read_bytes() == before


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # closed again: nothing listens there


def _assert_one_line_failure(project: Path, result: Any, before: bytes, needle: str) -> None:
    assert result.code != 0
    assert result.out == ""
    assert result.err.count("\n") == 1, result.err
    assert result.err.startswith("codegen pull: ")
    assert needle in result.err
    assert "Traceback" not in result.err
    assert (project / "openapi.json").read_bytes() == before
    assert not (project / "openapi.json.tmp").exists()


def test_pull_with_the_network_unreachable_fails_in_one_line(project: Path, run: Run) -> None:
    before = (project / "openapi.json").read_bytes()
    url = f"http://127.0.0.1:{_free_port()}/openapi.json"
    result = run("--root", project, "pull", "--url", url)
    _assert_one_line_failure(project, result, before, f"cannot fetch {url}")


@pytest.mark.parametrize(
    ("status", "body", "needle"),
    [
        (503, b'{"error": "down"}', "answered HTTP 503"),
        (200, b"<html>maintenance</html>", "is not JSON"),
        (200, b'{"swagger": "2.0", "paths": {}}', "not an OpenAPI 3.x document"),
        (200, b'{"openapi": "3.1.0", "paths": {}}', "not a valid OpenAPI document"),
    ],
)
def test_pull_refuses_what_is_not_a_spec(
    project: Path, run: Run, server: _Server, status: int, body: bytes, needle: str
) -> None:
    before = (project / "openapi.json").read_bytes()
    server.status, server.body = status, body
    result = run("--root", project, "pull", "--url", server.url + "/openapi.json")
    _assert_one_line_failure(project, result, before, needle)


def test_default_url_follows_atlas_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATLAS_BASE_URL", raising=False)
    assert default_url() == PUBLIC_SPEC_URL == "https://atlaswork.ai/openapi.json"
    monkeypatch.setenv("ATLAS_BASE_URL", "http://127.0.0.1:8080/")
    assert default_url() == "http://127.0.0.1:8080/openapi.json"
