"""Wire conformance: every request the SDK sends and every response it gets, checked against
``openapi.json`` by openapi-core, from inside the client's own httpx event hooks.

openapi-core ships no httpx adapter; the two small classes below implement its Request and
Response protocols over ``httpx.Request`` / ``httpx.Response``. openapi-core matches the request
host against the spec's ``servers``, so requests to the emulator's host are presented as going to
the spec's server (the path, method, parameters, headers and body are what is being checked).
Requests to any other host (a storage redirect target) are not part of the contract and skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from .._support.http import httpx

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi.json"

_SPEC: OpenAPI | None = None


def load_spec() -> OpenAPI:
    global _SPEC
    if _SPEC is None:
        _SPEC = OpenAPI.from_file_path(str(SPEC_PATH))
    return _SPEC


class HttpxOpenAPIRequest:
    def __init__(self, request: httpx.Request, server_url: str) -> None:
        self.request = request
        self._server = server_url.rstrip("/")
        query = parse_qs(request.url.query.decode(), keep_blank_values=True)
        self.parameters = RequestParameters(
            query=ImmutableMultiDict([(k, v) for k, vs in query.items() for v in vs]),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )

    @property
    def host_url(self) -> str:
        return self._server

    @property
    def path(self) -> str:
        return self.request.url.path

    @property
    def method(self) -> str:
        return self.request.method.lower()

    @property
    def body(self) -> bytes | None:
        try:
            content = self.request.content
        except httpx.RequestNotRead:
            # A streamed (multipart) body: httpx re-renders it, rewinding the file objects.
            content = self.request.read()
        return content or None

    @property
    def content_type(self) -> str:
        return str(self.request.headers.get("Content-Type", "")).lower()


class HttpxOpenAPIResponse:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response

    @property
    def data(self) -> bytes:
        return self.response.content

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def content_type(self) -> str:
        return str(self.response.headers.get("Content-Type", "")).lower()

    @property
    def headers(self) -> Headers:
        return Headers(list(self.response.headers.items()))


@dataclass
class WireValidator:
    """An httpx response hook recording every contract violation it sees."""

    api_hosts: set[str] = field(default_factory=set)
    spec: OpenAPI = field(default_factory=load_spec)
    violations: list[str] = field(default_factory=list)
    proxy_pages: list[str] = field(default_factory=list)  # non-JSON 5xx answers, tolerated
    checked: int = 0
    clients: int = 0  # clients that report to this validator
    api_host: str | None = None  # one host, for suites that build the validator themselves

    def __post_init__(self) -> None:
        if self.api_host is not None:
            self.api_hosts.add(self.api_host)

    @property
    def server_url(self) -> str:
        servers: Any = self.spec.spec / "servers"
        with servers.open() as entries:
            return str(entries[0]["url"])

    async def __call__(self, response: httpx.Response) -> None:
        request = response.request
        if request.url.host not in self.api_hosts:
            return  # e.g. a storage host after a cross-host redirect: not part of the contract
        await response.aread()
        oreq = HttpxOpenAPIRequest(request, self.server_url)
        label = f"{request.method} {request.url.path} -> {response.status_code}"
        try:
            self.spec.validate_request(oreq)
        except Exception as exc:
            if not _only_validator_artefacts(exc):
                self.violations.append(f"request {label}: {_describe(exc)}")
        if response.status_code >= 500 and not _is_json(response):
            # Every operation documents 5XX as a JSON ErrorBody, and that is checked below. A
            # non-JSON 5xx (an HTML 502 from nginx, Cloudflare's 520 page) is written by a proxy
            # in front of Atlas, not by Atlas: ATLAS_API.md says every Atlas error is JSON and
            # only asks clients to cope with such pages. openapi.json describes Atlas, so it does
            # not list text/html (which would also let the emulator's own schemathesis checks
            # pass an HTML 5xx). The reliability tests inject such pages: recorded, not failed.
            self.proxy_pages.append(label)
        else:
            try:
                self.spec.validate_response(oreq, HttpxOpenAPIResponse(response))
            except Exception as exc:
                if not _only_validator_artefacts(exc):
                    self.violations.append(f"response {label}: {_describe(exc)}")
        self.checked += 1

    def assert_clean(self) -> None:
        assert not self.violations, "wire violations:\n" + "\n".join(self.violations)


def _is_json(response: httpx.Response) -> bool:
    media = str(response.headers.get("Content-Type", "")).split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _is_artefact(error: Any) -> bool:
    """openapi-core (0.23, OpenAPI 3.1) false positive, checked narrowly: binary content
    (``type: string, format: binary``: a multipart file part or an application/pdf body) arrives
    as ``bytes``, which its 3.1 validator rejects as "not a string"."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator != "type" or schema.get("type") != "string":
        return False
    return schema.get("format") == "binary" and isinstance(error.instance, bytes)


def _only_validator_artefacts(exc: BaseException) -> bool:
    cause: BaseException | None = exc
    while cause is not None:
        errors = getattr(cause, "schema_errors", None)
        if errors:
            flat = [leaf for e in errors for leaf in _leaves(e)]
            return all(_is_artefact(e) for e in flat)
        cause = cause.__cause__
    return False


def _leaves(error: Any) -> list[Any]:
    context = list(getattr(error, "context", None) or [])
    if not context:
        return [error]
    return [leaf for sub in context for leaf in _leaves(sub)]


def _describe(exc: BaseException) -> str:
    parts = [f"{type(exc).__name__}: {exc}"]
    cause = exc.__cause__
    while cause is not None:
        parts.append(f"{type(cause).__name__}: {cause}")
        schema_errors = getattr(cause, "schema_errors", None)
        if schema_errors:
            parts.extend(str(e.message) for e in schema_errors)
        cause = cause.__cause__
    return " <- ".join(parts)
